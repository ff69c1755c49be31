/**
 * The one table that turns typed errors into POP3 "-ERR" replies (RFC 1939 §3), with the response
 * codes of RFC 2449 §8 and RFC 3206. Commands let such errors propagate; the session's one error
 * place (`#fail`) asks `replyFor`. Anything not in the table is internal: the session logs it and
 * answers `-ERR [SYS/TEMP]` without its message.
 */
import { SaslError } from "../auth/index.ts";
import { ErrorTable, errorEntry } from "../net/index.ts";
import { BlobGoneError, StorageFullError } from "../store/index.ts";
import { Pop3Error, RespCode } from "./replies.ts";

/** RFC 3206 §4 SYS/TEMP: a temporary problem on the server's side; no detail reaches the client. */
export const INTERNAL_REPLY = new Pop3Error("Internal error, try again later.", { code: RespCode.SYS_TEMP });

export const ERROR_TABLE = new ErrorTable<Pop3Error>(
  [
    // Already a reply (handlers' own refusals).
    errorEntry(Pop3Error, "RFC 1939 §3", (e) => e),
    // RFC 1939 §3 -ERR: deleted by another session (IMAP EXPUNGE, another POP3 session's QUIT) and
    // swept since; this session's listing, taken at sign-in, still has it, as the maildrop is not
    // locked (RFC 1939 §4 asks for a lock only "as necessary").
    errorEntry(BlobGoneError, "RFC 1939 §3", () => new Pop3Error("Message was deleted by another session.")),
    // RFC 3206 §4 SYS/TEMP: no room to write (the free-space floor, a full disk); try again later.
    errorEntry(StorageFullError, "RFC 3206 §4", () => new Pop3Error("Not enough disk space.", { code: RespCode.SYS_TEMP })),
    // RFC 5034 §4 (-ERR ends the exchange), RFC 3206 §5 AUTH. SaslError's text names the defect
    // ("invalid base64"), never the payload.
    errorEntry(SaslError, "RFC 3206 §5", (e) => new Pop3Error(`Invalid AUTH response: ${e.message}.`, { code: RespCode.AUTH })),
  ],
  INTERNAL_REPLY,
);

/** The reply for `e`; `internal` when the table does not know it (the caller logs it). */
export const replyFor = (e: unknown): { reply: Pop3Error; internal: boolean } => ERROR_TABLE.replyFor(e);
