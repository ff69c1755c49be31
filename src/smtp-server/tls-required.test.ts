import { test } from "node:test";
import assert from "node:assert/strict";
import { tagTlsRequired } from "./tls-required.ts";
import type { MailTransaction } from "./types.ts";

const tx = (over: Partial<MailTransaction> = {}): MailTransaction => ({ from: "a@b.test", body: "7BIT", smtputf8: false, declaredSize: undefined, recipients: [], ...over });
const tagOf = (message: string | Buffer[], over: Partial<MailTransaction> = {}): string | undefined => {
  const t = tx(over);
  tagTlsRequired(t, typeof message === "string" ? [Buffer.from(message)] : message);
  return t.tlsRequired;
};

test("RFC 8689 §3/§4.1: 'TLS-Required: No' in the header tags the message; in any case, folded, across parts", () => {
  assert.equal(tagOf("Subject: x\r\nTLS-Required: No\r\n\r\nbody\r\n"), "no");
  assert.equal(tagOf("tls-required:no\r\n\r\n"), "no");
  assert.equal(tagOf("Subject: x\r\nTLS-Required :\r\n  NO \r\n\r\n"), "no");
  assert.equal(tagOf([Buffer.from("Subject: x\r\nTLS-Req"), Buffer.from("uired: No\r\n\r\nbody\r\n")]), "no");
});

test("nothing else tags it: another value, the field in the body, a similar name; REQUIRETLS from MAIL wins (the field is ignored)", () => {
  assert.equal(tagOf("TLS-Required: Yes\r\n\r\n"), undefined);
  assert.equal(tagOf("TLS-Required: No thanks\r\n\r\n"), undefined);
  assert.equal(tagOf("Subject: x\r\n\r\nTLS-Required: No\r\n"), undefined);
  assert.equal(tagOf("X-TLS-Required: No\r\n\r\n"), undefined);
  assert.equal(tagOf("TLS-Required: No\r\n\r\n", { tlsRequired: "requiretls" }), "requiretls");
});
