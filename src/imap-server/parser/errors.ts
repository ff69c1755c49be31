/**
 * Typed errors of the IMAP input layer. The session maps them to one tagged response:
 * `tag BAD text` for syntax errors, `tag NO [CODE] text` where `status` says NO
 * (RFC 9051 §7.1: BADCHARSET must be a NO, RFC 9051 §6.4.4).
 */

type ErrorStatus = "BAD" | "NO";

export class ImapParseError extends Error {
  override name = "ImapParseError";
  /** The response status the session should answer with. */
  readonly status: ErrorStatus;
  /** A response code without brackets, e.g. "BADCHARSET (US-ASCII UTF-8)" (RFC 9051 §7.1); null if none. */
  readonly code: string | null;
  /** The command's tag when it was readable; null means answer with an untagged "* BAD". */
  tag: string | null;

  /** `message` is short and never echoes client input, so it is safe to send back as response text. */
  constructor(message: string, opts: { status?: ErrorStatus; code?: string | null; tag?: string | null } = {}) {
    super(message);
    this.status = opts.status ?? "BAD";
    this.code = opts.code ?? null;
    this.tag = opts.tag ?? null;
  }
}

/** A mailbox name that is not valid modified UTF-7 (RFC 3501 §5.1.3); answered with NO by default. */
export class MailboxNameError extends ImapParseError {
  override name = "MailboxNameError";

  constructor(message: string) {
    super(message, { status: "NO" });
  }
}
