import { test } from "node:test";
import assert from "node:assert/strict";
import { SaslError } from "../auth/index.ts";
import { BlobGoneError, StorageFullError } from "../store/index.ts";
import { assertInternal, assertTableCases } from "../../test/support/error-table.ts";
import { ERROR_TABLE, INTERNAL_REPLY, replyFor } from "./error-table.ts";
import { Pop3Error, RespCode, errLine } from "./replies.ts";

/** The "-ERR" line, as the session writes it. */
const line = (e: unknown): string => {
  const { reply } = replyFor(e);
  return errLine(reply.text, reply.code);
};

const CASES: [Error, string][] = [
  [new Pop3Error("No such message.", { code: RespCode.SYS_PERM }), "-ERR [SYS/PERM] No such message.\r\n"],
  [new BlobGoneError("2026120618/abc"), "-ERR Message was deleted by another session.\r\n"],
  [new StorageFullError("below the free-space floor"), "-ERR [SYS/TEMP] Not enough disk space.\r\n"],
  [new SaslError("malformed PLAIN response"), "-ERR [AUTH] Invalid AUTH response: malformed PLAIN response.\r\n"],
];

test("every entry of the POP3 error table gives its reply (RFC 1939 §3, RFC 3206)", () => {
  assertTableCases(ERROR_TABLE, CASES, line);
});

test("an unknown error is internal: -ERR [SYS/TEMP] (RFC 3206 §4), without its message", () => {
  assertInternal(ERROR_TABLE, [new Error("EISDIR: illegal operation on a directory, read /data/blobs/x"), new RangeError("boom"), undefined], line, "-ERR [SYS/TEMP] Internal error, try again later.\r\n");
  assert.equal(INTERNAL_REPLY.close, false);
});
