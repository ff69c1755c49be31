import { test } from "node:test";
import assert from "node:assert/strict";
import { nextPolicyId, parsePolicy, parseTxtRecord, policyText, policyTxt } from "./index.ts";

test("the served policy is what our own parser reads back: version, mode, one mx per host, max_age, CRLF lines", () => {
  const text = policyText("enforce", ["MX.Example.ORG."]);
  assert.equal(text, "version: STSv1\r\nmode: enforce\r\nmx: mx.example.org\r\nmax_age: 604800\r\n");
  assert.deepEqual(parsePolicy(text), { ok: true, policy: { mode: "enforce", mx: ["mx.example.org"], maxAge: 604_800 } });
  assert.deepEqual(parsePolicy(policyText("testing", ["a.example", "b.example"])), { ok: true, policy: { mode: "testing", mx: ["a.example", "b.example"], maxAge: 86_400 } });
  assert.deepEqual(parsePolicy(policyText("none", ["a.example"])), { ok: true, policy: { mode: "none", mx: ["a.example"], maxAge: 86_400 } });
});

test("the id is the change's UTC second, valid in the TXT record (§3.1), and always a new one", () => {
  const at = Date.UTC(2026, 11, 7, 11, 0, 0, 400);
  assert.equal(nextPolicyId(at, null), "20261207T110000Z");
  assert.deepEqual(parseTxtRecord(policyTxt(nextPolicyId(at, null))), { id: "20261207T110000Z" });
  assert.equal(nextPolicyId(at, "20261101T000000Z"), "20261207T110000Z");
  // A second change within the same second, and one with the clock set back: the second after the previous id.
  assert.equal(nextPolicyId(at + 300, "20261207T110000Z"), "20261207T110001Z");
  assert.equal(nextPolicyId(at, "20261231T235959Z"), "20270101T000000Z");
  // An id of another form (published by hand before) is simply replaced by the time.
  assert.equal(nextPolicyId(at, "zzz"), "20261207T110000Z");
});
