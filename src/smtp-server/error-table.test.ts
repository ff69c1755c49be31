import { test } from "node:test";
import assert from "node:assert/strict";
import { SaslError } from "../auth/index.ts";
import { Code, SmtpError, Status, formatReply } from "../smtp/index.ts";
import { StorageFullError } from "../store/index.ts";
import { ERROR_TABLE, INTERNAL_REPLY, replyFor } from "./error-table.ts";

/** The reply line, as the session writes it. */
const line = (e: unknown): string => formatReply(replyFor(e).reply);

const CASES: [Error, string][] = [
  [new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: need MAIL command"), "503 5.5.1 Error: need MAIL command\r\n"],
  [new StorageFullError("below the free-space floor"), "452 4.3.1 Insufficient system storage\r\n"],
  [new SaslError("invalid base64"), "501 5.5.2 Error: invalid base64\r\n"],
];

test("every entry of the SMTP error table gives its reply: code, enhanced status, text (RFC 5321 §4.2, RFC 3463)", () => {
  for (const [e, want] of CASES) {
    assert.equal(line(e), want, e.name);
    assert.equal(replyFor(e).internal, false, e.name);
  }
  for (const en of ERROR_TABLE.entries) {
    assert.ok(CASES.some(([e]) => e instanceof en.type), `no case for ${en.type.name}`);
    assert.match(en.rfc, /^RFC \d+ §[\d.]+/);
  }
  // A temporary refusal: the client keeps the message (RFC 5321 §4.2.1, 4yz).
  assert.equal(replyFor(new StorageFullError("full")).reply.close, false);
});

test("an unknown error is internal: 451 4.3.0, without its message", () => {
  for (const e of [new Error("SQLITE_BUSY: database is locked at /data/sealpost.db"), new TypeError("x is undefined"), 42]) {
    const { reply, internal } = replyFor(e);
    assert.equal(internal, true);
    assert.equal(reply, INTERNAL_REPLY);
    assert.equal(line(e), "451 4.3.0 Error: internal error, try again later\r\n");
  }
});
