import { test } from "node:test";
import assert from "node:assert/strict";
import { SaslError } from "../auth/index.ts";
import { Code, SmtpError, Status, formatReply } from "../smtp/index.ts";
import { StorageFullError } from "../store/index.ts";
import { assertInternal, assertTableCases } from "../../test/support/error-table.ts";
import { ERROR_TABLE, replyFor } from "./error-table.ts";

/** The reply line, as the session writes it. */
const line = (e: unknown): string => formatReply(replyFor(e).reply);

const CASES: [Error, string][] = [
  [new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: need MAIL command"), "503 5.5.1 Error: need MAIL command\r\n"],
  [new StorageFullError("below the free-space floor"), "452 4.3.1 Insufficient system storage\r\n"],
  [new SaslError("invalid base64"), "501 5.5.2 Error: invalid base64\r\n"],
];

test("every entry of the SMTP error table gives its reply: code, enhanced status, text (RFC 5321 §4.2, RFC 3463)", () => {
  assertTableCases(ERROR_TABLE, CASES, line);
  // A temporary refusal: the client keeps the message (RFC 5321 §4.2.1, 4yz).
  assert.equal(replyFor(new StorageFullError("full")).reply.close, false);
});

test("an unknown error is internal: 451 4.3.0, without its message", () => {
  assertInternal(ERROR_TABLE, [new Error("SQLITE_BUSY: database is locked at /data/sealpost.db"), new TypeError("x is undefined"), 42], line, "451 4.3.0 Error: internal error, try again later\r\n");
});
