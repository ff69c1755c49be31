import { test } from "node:test";
import assert from "node:assert/strict";
import { greetingProtocol } from "./greeting.ts";

test("a first line names its mail protocol (SMTP 220, IMAP * OK / * PREAUTH, POP3 +OK), anything else none", () => {
  assert.equal(greetingProtocol("220 mx.example.test ESMTP Sealpost"), "smtp");
  assert.equal(greetingProtocol("220-mx.example.test ESMTP"), "smtp");
  assert.equal(greetingProtocol("* OK [CAPABILITY IMAP4rev1 STARTTLS] Sealpost ready."), "imap");
  assert.equal(greetingProtocol("* PREAUTH ready"), "imap");
  assert.equal(greetingProtocol("+OK Sealpost POP3 ready."), "pop3");
  for (const other of ["554 no service", "HTTP/1.1 400 Bad Request", "\x16\x03\x03", "", "2200 odd", "* BYE"]) assert.equal(greetingProtocol(other), null, other);
});
