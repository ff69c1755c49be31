import { test } from "node:test";
import assert from "node:assert/strict";
import { createSecureContext } from "node:tls";
import { PendingChallenges } from "./challenges.ts";

test("an HTTP-01 token is answered while pending, and only a base64url token", () => {
  const c = new PendingChallenges();
  assert.equal(c.keyAuthorization("abc_DEF-123"), undefined);
  const remove = c.addHttp("abc_DEF-123", "abc_DEF-123.thumbprint");
  assert.equal(c.keyAuthorization("abc_DEF-123"), "abc_DEF-123.thumbprint");
  assert.equal(c.keyAuthorization("abc_def-123"), undefined);
  assert.equal(c.keyAuthorization("../abc_DEF-123"), undefined);
  assert.equal(c.keyAuthorization(""), undefined);
  remove();
  assert.equal(c.keyAuthorization("abc_DEF-123"), undefined);
  assert.throws(() => c.addHttp("a/b", "x"), /base64url/);
});

test("a TLS-ALPN-01 name is answered while pending, whatever its case or trailing dot", () => {
  const c = new PendingChallenges();
  const first = createSecureContext();
  const second = createSecureContext();
  const removeFirst = c.addAlpn("MX.example.org", first);
  assert.equal(c.alpnContext("mx.EXAMPLE.org."), first);
  assert.equal(c.alpnContext("other.example.org"), undefined);
  // A newer challenge for the name replaces the older; taking the older away leaves the newer.
  const removeSecond = c.addAlpn("mx.example.org", second);
  removeFirst();
  assert.equal(c.alpnContext("mx.example.org"), second);
  removeSecond();
  assert.equal(c.alpnContext("mx.example.org"), undefined);
});
