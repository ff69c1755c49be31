/**
 * The one table that turns typed errors into POP3 "-ERR" replies (RFC 1939 §3), with the response
 * codes of RFC 2449 §8 and RFC 3206. Commands let such errors propagate; the session's one error
 * place (`#fail`) asks `replyFor`. Anything not in the table is internal: the session logs it and
 * answers `-ERR [SYS/TEMP]` without its message.
 */
import { SaslError } from "../auth/index.ts";
import { BlobGoneError, StorageFullError } from "../store/index.ts";
import { Pop3Error, RespCode } from "./replies.ts";

interface Entry {
  /** The error class (subclasses match too). */
  readonly type: abstract new (...args: never[]) => Error;
  /** Where the reply is specified. */
  readonly rfc: string;
  readonly reply: (e: Error) => Pop3Error;
}

function entry<E extends Error>(type: abstract new (...args: never[]) => E, rfc: string, reply: (e: E) => Pop3Error): Entry {
  return { type, rfc, reply: reply as (e: Error) => Pop3Error };
}

/** RFC 3206 §4 SYS/TEMP: a temporary problem on the server's side; no detail reaches the client. */
export const INTERNAL_REPLY = new Pop3Error("Internal error, try again later.", { code: RespCode.SYS_TEMP });

export const ERROR_TABLE: readonly Entry[] = [
  // Already a reply (handlers' own refusals).
  entry(Pop3Error, "RFC 1939 §3", (e) => e),
  // RFC 1939 §3 -ERR: deleted by another session (IMAP EXPUNGE, another POP3 session's QUIT) and
  // swept since; this session's listing, taken at sign-in, still has it, as the maildrop is not
  // locked (RFC 1939 §4 asks for a lock only "as necessary").
  entry(BlobGoneError, "RFC 1939 §3", () => new Pop3Error("Message was deleted by another session.")),
  // RFC 3206 §4 SYS/TEMP: no room to write (the free-space floor, a full disk); try again later.
  entry(StorageFullError, "RFC 3206 §4", () => new Pop3Error("Not enough disk space.", { code: RespCode.SYS_TEMP })),
  // RFC 5034 §4 (-ERR ends the exchange), RFC 3206 §5 AUTH. SaslError's text names the defect
  // ("invalid base64"), never the payload.
  entry(SaslError, "RFC 3206 §5", (e) => new Pop3Error(`Invalid AUTH response: ${e.message}.`, { code: RespCode.AUTH })),
];

/** The reply for `e`; `internal` when the table does not know it (the caller logs it). */
export function replyFor(e: unknown): { reply: Pop3Error; internal: boolean } {
  if (e instanceof Error) {
    for (const en of ERROR_TABLE) if (e instanceof en.type) return { reply: en.reply(e), internal: false };
  }
  return { reply: INTERNAL_REPLY, internal: true };
}
