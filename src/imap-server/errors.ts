/**
 * Typed IMAP errors. Handlers throw them; the session turns each into one tagged response
 * (`tag NO [CODE] text`, `tag BAD text`) in one place — or, for `bye`, an untagged BYE and a
 * closed connection (RFC 9051 §7.1).
 */
type ImapStatus = "NO" | "BAD";

/** Response codes we use (RFC 9051 §7.1, RFC 5530). */
export const ResponseCode = {
  ALERT: "ALERT",
  AUTHENTICATIONFAILED: "AUTHENTICATIONFAILED",
  PRIVACYREQUIRED: "PRIVACYREQUIRED",
  UNAVAILABLE: "UNAVAILABLE",
  NONEXISTENT: "NONEXISTENT",
  ALREADYEXISTS: "ALREADYEXISTS",
  TRYCREATE: "TRYCREATE",
  CANNOT: "CANNOT",
  LIMIT: "LIMIT",
  /**
   * RFC 9208 §4.3 (first defined in RFC 5530 §3): the operation would exceed the account's storage
   * quota — also a full disk (Dovecot: "Not enough disk space").
   */
  OVERQUOTA: "OVERQUOTA",
  TOOBIG: "TOOBIG",
  SERVERBUG: "SERVERBUG",
  CLIENTBUG: "CLIENTBUG",
  INUSE: "INUSE",
  EXPUNGEISSUED: "EXPUNGEISSUED",
  READ_ONLY: "READ-ONLY",
  READ_WRITE: "READ-WRITE",
  PARSE: "PARSE",
  /** RFC 4978 §3: a second COMPRESS on a compressed connection. */
  COMPRESSIONACTIVE: "COMPRESSIONACTIVE",
  /** RFC 7162 §3.1.2.1: the mailbox's highest modification sequence (SELECT, EXPUNGE, MOVE). */
  HIGHESTMODSEQ: "HIGHESTMODSEQ",
  /** RFC 7162 §3.1.3: the messages a STORE (UNCHANGEDSINCE) left alone. */
  MODIFIED: "MODIFIED",
  /** RFC 7162 §3.2.11: the boundary between an implicitly closed mailbox and the new one. */
  CLOSED: "CLOSED",
} as const;

export class ImapError extends Error {
  override name = "ImapError";
  readonly status: ImapStatus;
  readonly code: string | null;
  readonly text: string;
  /** Send `* BYE text` instead of a tagged response, and close. */
  readonly bye: boolean;
  /** After the tagged response, send `* BYE <this>` and close (the rest of the input cannot be read). */
  readonly thenBye: string | null;
  constructor(status: ImapStatus, text: string, opts: { code?: string; bye?: boolean; thenBye?: string } = {}) {
    super(text);
    this.status = status;
    this.text = text;
    this.code = opts.code ?? null;
    this.bye = opts.bye ?? false;
    this.thenBye = opts.thenBye ?? null;
  }
}

export const no = (text: string, code?: string): ImapError => new ImapError("NO", text, code !== undefined ? { code } : {});
export const bad = (text: string, code?: string): ImapError => new ImapError("BAD", text, code !== undefined ? { code } : {});
