/**
 * The one table that turns the typed errors of the rooms below (store, auth, mime) and of the
 * parser into IMAP responses. Commands let such errors propagate; the session's one error place
 * (`#respondError`) asks `replyFor`. Anything not in the table is internal: the session logs it
 * and answers `NO [SERVERBUG]` without its message (RFC 5530 §3).
 */
import { SaslError } from "../auth/index.ts";
import { ErrorTable, errorEntry } from "../net/index.ts";
import { UnknownCteError } from "../mime/index.ts";
import { BlobGoneError, FlagLimitError, MailboxAdminError, MailboxGoneError, MAX_KEYWORDS, OverQuotaError, StorageFullError } from "../store/index.ts";
import { PatternTooComplexError } from "./commands/list-pattern.ts";
import { bad, ImapError, no, ResponseCode } from "./errors.ts";
import { ImapParseError } from "./parser/index.ts";

/** The response for an error the table does not know: no detail reaches the client. */
export const INTERNAL_REPLY = no("Internal error; try again later.", ResponseCode.SERVERBUG);

export const ERROR_TABLE = new ErrorTable<ImapError>(
  [
    // Already a response (handlers' own refusals).
    errorEntry(ImapError, "RFC 9051 §7.1", (e) => e),
    // RFC 9051 §7.1.3 BAD for a syntax error; NO [BADCHARSET] etc. where the parser says NO.
    errorEntry(ImapParseError, "RFC 9051 §7.1", (e) => new ImapError(e.status, e.message, e.code !== null ? { code: e.code } : {})),
    // RFC 5530 §3 OVERQUOTA, as Dovecot answers a full disk ("Not enough disk space"): any write —
    // APPEND, COPY, MOVE, STORE, EXPUNGE, CREATE, RENAME, SUBSCRIBE — refused for want of room;
    // nothing was changed (each write is one transaction).
    errorEntry(StorageFullError, "RFC 5530 §3", () => no("Not enough disk space.", ResponseCode.OVERQUOTA)),
    // RFC 9208 §4.3 OVERQUOTA: APPEND or COPY would take the account over its storage quota
    // (`sealpost user set --quota`); nothing was stored.
    errorEntry(OverQuotaError, "RFC 9208 §4.3", (e) =>
      no(e.verdict === "too-big" ? "Message is larger than the storage quota." : "Storage quota exceeded.", ResponseCode.OVERQUOTA)),
    // RFC 9051 §7.1 TRYCREATE: the target of APPEND, COPY or MOVE was deleted while the command ran.
    errorEntry(MailboxGoneError, "RFC 9051 §7.1", () => no("Mailbox does not exist.", ResponseCode.TRYCREATE)),
    // RFC 5530 §3 LIMIT: the keywords a message may carry (APPEND, STORE).
    errorEntry(FlagLimitError, "RFC 5530 §3", () => no(`A message may carry at most ${MAX_KEYWORDS} keywords.`, ResponseCode.LIMIT)),
    // RFC 5530 §3 (NONEXISTENT, ALREADYEXISTS, CANNOT, LIMIT), RFC 9051 §7.1 HASCHILDREN; the store's
    // text is short and never echoes the name.
    errorEntry(MailboxAdminError, "RFC 5530 §3", (e) => no(e.message, e.code)),
    // RFC 5530 §3 LIMIT: a LIST pattern beyond the wildcards we match.
    errorEntry(PatternTooComplexError, "RFC 5530 §3", () => no("LIST pattern has too many wildcards.", ResponseCode.LIMIT)),
    // RFC 3516 §4.3: BINARY of an encoding the server cannot decode.
    errorEntry(UnknownCteError, "RFC 3516 §4.3", () => no("Unknown Content-Transfer-Encoding.", "UNKNOWN-CTE")),
    // RFC 9051 §6.2.2: a response that cannot be decoded is BAD. SaslError's text names the defect
    // ("invalid base64"), never the payload.
    errorEntry(SaslError, "RFC 9051 §6.2.2", (e) => bad(`Invalid response: ${e.message}.`)),
    // RFC 5530 §3 EXPUNGEISSUED: the message's file was swept after another session expunged it.
    errorEntry(BlobGoneError, "RFC 5530 §3", () => no("Some messages were expunged meanwhile.", ResponseCode.EXPUNGEISSUED)),
  ],
  INTERNAL_REPLY,
);

/** The reply for `e`; `internal` when the table does not know it (the caller logs it). */
export const replyFor = (e: unknown): { reply: ImapError; internal: boolean } => ERROR_TABLE.replyFor(e);
