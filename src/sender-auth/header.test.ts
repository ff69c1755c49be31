import { test } from "node:test";
import assert from "node:assert/strict";
import { authResultsField, authservIdOf, withoutForgedResults } from "./header.ts";

test("authservIdOf: the token or quoted-string first in the field (RFC 8601 §2.2), after blanks and comments, lower-cased", () => {
  for (const [value, id] of [
    [" mx.sealpost.test; spf=pass", "mx.sealpost.test"],
    [" MX.Sealpost.Test;spf=pass", "mx.sealpost.test"],
    ["\r\n\tmx.sealpost.test 1; none", "mx.sealpost.test"],
    [' "mx.sealpost.test"; dkim=pass', "mx.sealpost.test"],
    [' "mx.seal\\post.test"; dkim=pass', "mx.sealpost.test"],
    [" (added (nested \\) comment) by us) mx.sealpost.test; dkim=pass", "mx.sealpost.test"],
    [" mx.sealpost.test(comment); none", "mx.sealpost.test"],
    ["   ", ""],
    [" ;spf=pass", ""],
  ] as const) {
    assert.equal(authservIdOf(value), id, JSON.stringify(value));
  }
});

test("authResultsField: the authserv-id and one result per folded line; 'none' without any; no result can start a field of its own", () => {
  assert.equal(authResultsField("mx.test", ["spf=pass smtp.mailfrom=a.test", "dmarc=none"]), "Authentication-Results: mx.test;\r\n\tspf=pass smtp.mailfrom=a.test;\r\n\tdmarc=none\r\n");
  assert.equal(authResultsField("mx.test", []), "Authentication-Results: mx.test; none\r\n");
  assert.equal(authResultsField("mx.test", ["spf=pass (x\r\nFrom: evil)"]), "Authentication-Results: mx.test;\r\n\tspf=pass (x From: evil)\r\n");
});

const FORGED = "Authentication-Results: mx.test; dkim=pass header.d=bank.example\r\n";
const OTHER = "Authentication-Results: other.test; spf=pass\r\n";

test("withoutForgedResults removes the fields that claim this host and keeps the rest, byte for byte", () => {
  const head = `Received: from x\r\n\tby mx.test\r\n${FORGED}${OTHER}Authentication-Results: (c) MX.TEST;\r\n\tspf=pass\r\nSubject: s\r\n\r\n`;
  const body = Buffer.from(`Authentication-Results: mx.test; in the body, untouched\r\n`);
  const out = withoutForgedResults([Buffer.from(head), body], "mx.test");
  assert.equal(Buffer.concat(out.parts as Buffer[]).toString(), `Received: from x\r\n\tby mx.test\r\n${OTHER}Subject: s\r\n\r\n${body.toString()}`);
  assert.equal(out.removed, FORGED.length + "Authentication-Results: (c) MX.TEST;\r\n\tspf=pass\r\n".length);
  assert.equal(out.parts[1], body, "the body parts are the same buffers");
});

test("withoutForgedResults: a header split over parts (at any byte, the empty line too) is read whole; nothing to remove leaves the parts as they were", () => {
  const message = `Received: x\r\n${FORGED}Subject: s\r\n${FORGED}\r\nbody\r\nAuthentication-Results: mx.test; body\r\n`;
  const expected = `Received: x\r\nSubject: s\r\n\r\nbody\r\nAuthentication-Results: mx.test; body\r\n`;
  for (let cut = 1; cut < message.length; cut++) {
    for (const step of [1, 3]) {
      const parts = [message.slice(0, cut), message.slice(cut, cut + step), message.slice(cut + step)].filter((p) => p !== "").map((p) => Buffer.from(p));
      const out = withoutForgedResults(parts, "mx.test");
      assert.equal(Buffer.concat(out.parts as Buffer[]).toString(), expected, `cut at ${cut}+${step}`);
    }
  }
  const clean = [Buffer.from(`Received: x\r\n${OTHER}`), Buffer.from("\r\nbody\r\n")];
  const kept = withoutForgedResults(clean, "mx.test");
  assert.equal(kept.parts, clean);
  assert.equal(kept.removed, 0);
});
