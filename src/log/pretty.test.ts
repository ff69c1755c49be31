import { test } from "node:test";
import assert from "node:assert/strict";
import { prettyLine } from "./pretty.ts";

test("connection bindings first, in a fixed order, then the message and the other fields", () => {
  const line = JSON.stringify({ level: "info", time: "2026-12-06T10:00:00.000Z", account: "a@example.test", client: "192.0.2.7", proto: "imap", session: "0123456789ABCDEF", mechanism: "LOGIN", msg: "sign-in ok" });
  assert.equal(prettyLine(line), "2026-12-06T10:00:00.000Z info  [0123456789ABCDEF imap 192.0.2.7 a@example.test] sign-in ok mechanism=LOGIN\n");
});

test("a process line has no brackets; an error's stack (level debug) follows on its own lines", () => {
  const err = { type: "Error", message: "no space left", code: "ENOSPC" };
  const line = JSON.stringify({ level: "error", time: "2026-12-06T10:00:00.000Z", msg: "blob sweep failed: no space left (ENOSPC)", err });
  assert.equal(prettyLine(line), "2026-12-06T10:00:00.000Z error blob sweep failed: no space left (ENOSPC)\n");
  const debug = JSON.stringify({ level: "error", time: "t", msg: "m", err: { ...err, stack: "Error: no space left\n    at f (x.ts:1:1)" } });
  assert.equal(prettyLine(debug), "t error m\nError: no space left\n    at f (x.ts:1:1)\n");
});

test("values with spaces are quoted; null is written; a line that is not JSON passes unchanged", () => {
  const line = JSON.stringify({ level: "info", time: "t", msg: "connection closed", reason: "sign-in-timeout", tls: null, note: "two words" });
  assert.equal(prettyLine(line), 't info  connection closed reason=sign-in-timeout tls=null note="two words"\n');
  assert.equal(prettyLine("plain text\n"), "plain text\n");
});
