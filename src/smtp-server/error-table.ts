/**
 * The one table that turns typed errors into SMTP replies: code, enhanced status (RFC 3463) and
 * text. Commands and the data phase let such errors propagate; the session's one error place
 * (`#fail`) asks `replyFor`. Anything not in the table is internal: the session logs it and
 * answers 451 4.3.0 without its message (RFC 5321 §4.2.3: 451 "local error in processing").
 */
import { SaslError } from "../auth/index.ts";
import { ErrorTable, errorEntry } from "../net/index.ts";
import { Code, SmtpError, Status } from "../smtp/index.ts";
import { StorageFullError } from "../store/index.ts";

/** RFC 5321 §4.2.3 451, RFC 3463 §3.4 X.3.0: a temporary failure; no detail reaches the client. */
const INTERNAL_REPLY = new SmtpError(Code.LOCAL_ERROR, Status.SYSTEM_ERROR_TEMP, "Error: internal error, try again later");

export const ERROR_TABLE = new ErrorTable<SmtpError>(
  [
    // Already a reply (handlers' own refusals).
    errorEntry(SmtpError, "RFC 5321 §4.2", (e) => e),
    // No room (the free-space floor at MAIL or DATA, or ENOSPC with the partial file already removed):
    // 452 "Insufficient system storage", Postfix's words — RFC 5321 §4.2.3 and RFC 1870 §6.2 (452 for
    // a temporary lack of storage), RFC 3463 §3.4 (X.3.1 mail system full). The client keeps the
    // message and tries again later.
    errorEntry(StorageFullError, "RFC 5321 §4.2.3, RFC 3463 §3.4", () => new SmtpError(Code.INSUFFICIENT_STORAGE, Status.MAIL_SYSTEM_FULL, "Insufficient system storage")),
    // RFC 4954 §4: a response that cannot be decoded is 501 (X.5.2 syntax error, RFC 3463 §3.6).
    // SaslError's text names the defect ("invalid base64"), never the payload.
    errorEntry(SaslError, "RFC 4954 §4, RFC 3463 §3.6", (e) => new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.SYNTAX_ERROR, `Error: ${e.message}`)),
  ],
  INTERNAL_REPLY,
);

/** The reply for `e`; `internal` when the table does not know it (the caller logs it). */
export const replyFor = (e: unknown): { reply: SmtpError; internal: boolean } => ERROR_TABLE.replyFor(e);
