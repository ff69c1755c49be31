import { test } from "node:test";
import assert from "node:assert/strict";
import { SaslError } from "../auth/index.ts";
import { UnknownCteError } from "../mime/index.ts";
import { BlobGoneError, FlagLimitError, MailboxAdminError, MailboxGoneError, OverQuotaError, StorageFullError } from "../store/index.ts";
import { PatternTooComplexError } from "./commands/list-pattern.ts";
import { assertInternal, assertTableCases } from "../../test/support/error-table.ts";
import { ERROR_TABLE, INTERNAL_REPLY, replyFor } from "./error-table.ts";
import { ImapError, no } from "./errors.ts";
import { ImapParseError } from "./parser/index.ts";

/** `tag STATUS [CODE] text`, as the session writes it. */
function line(e: unknown): string {
  const { reply } = replyFor(e);
  return `${reply.status} ${reply.code !== null ? `[${reply.code}] ` : ""}${reply.text}`;
}

const CASES: [Error, string][] = [
  [no("Mailbox is read-only.", "CANNOT"), "NO [CANNOT] Mailbox is read-only."],
  [new ImapParseError("Missing argument.", { tag: "a1" }), "BAD Missing argument."],
  [new ImapParseError("Unsupported charset.", { status: "NO", code: "BADCHARSET (US-ASCII UTF-8)" }), "NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset."],
  [new StorageFullError("below the free-space floor (4.0 MB free of 4.0 MB kept)"), "NO [OVERQUOTA] Not enough disk space."],
  [new OverQuotaError("full"), "NO [OVERQUOTA] Storage quota exceeded."],
  [new OverQuotaError("too-big"), "NO [OVERQUOTA] Message is larger than the storage quota."],
  [new MailboxGoneError(), "NO [TRYCREATE] Mailbox does not exist."],
  [new FlagLimitError("101 keywords"), "NO [LIMIT] A message may carry at most 100 keywords."],
  [new MailboxAdminError("ALREADYEXISTS", "Mailbox already exists."), "NO [ALREADYEXISTS] Mailbox already exists."],
  [new MailboxAdminError("HASCHILDREN", "Mailbox has inferior hierarchical names."), "NO [HASCHILDREN] Mailbox has inferior hierarchical names."],
  [new PatternTooComplexError("LIST pattern has more than 20 wildcards"), "NO [LIMIT] LIST pattern has too many wildcards."],
  [new UnknownCteError("x-uuencode"), "NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding."],
  [new SaslError("invalid base64"), "BAD Invalid response: invalid base64."],
  [new BlobGoneError("2026120618/abc"), "NO [EXPUNGEISSUED] Some messages were expunged meanwhile."],
];

test("every entry of the IMAP error table gives its response (RFC 9051 §7.1, RFC 5530 §3)", () => {
  // Each entry is exercised above, and cites where its response is specified.
  assertTableCases(ERROR_TABLE, CASES, line);
});

test("the store's and the decoders' own messages never reach the client", () => {
  assert.doesNotMatch(line(new StorageFullError("no space left on /var/lib/sealpost")), /var\/lib/);
  assert.doesNotMatch(line(new BlobGoneError("2026120618/abc")), /abc/);
  assert.doesNotMatch(line(new UnknownCteError("x-secret-encoding")), /secret/);
});

test("an unknown error is internal: NO [SERVERBUG], without its message", () => {
  assertInternal(ERROR_TABLE, [new Error("EISDIR: illegal operation on a directory, read /data/blobs/x"), new TypeError("x is undefined"), "thrown string", null], line, "NO [SERVERBUG] Internal error; try again later.");
  assert.ok(INTERNAL_REPLY instanceof ImapError);
  assert.equal(INTERNAL_REPLY.bye, false);
});
