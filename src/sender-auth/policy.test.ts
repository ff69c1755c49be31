import { test } from "node:test";
import assert from "node:assert/strict";
import { pctOf, type SenderAuthResults } from "./check.ts";
import { decide, dkimSummary } from "./policy.ts";

/** Results with nothing passed: SPF fail for sender.test, no signature, no DMARC record. */
function results(over: Partial<SenderAuthResults> = {}): SenderAuthResults {
  return { fromDomains: ["sender.test"], spf: { result: "fail", domain: "sender.test" }, dkim: [], dmarc: null, arc: "none", field: "", ...over };
}
const dmarc = (policy: string, pct = 100, result = "fail"): SenderAuthResults["dmarc"] => ({ result, fromDomain: "sender.test", policy, pct });
const sig = (domain: string, result: string) => ({ domain, selector: "s", algorithm: "ed25519-sha256", result });
const never = (): number => {
  throw new Error("no sample wanted");
};

test("DMARC fail: reject refuses, quarantine quarantines, none and no record deliver; a pass or a temperror is delivered", () => {
  assert.deepEqual(decide(results({ dmarc: dmarc("reject") }), [], () => 0), { action: "rejected", rule: "dmarc", domain: "sender.test" });
  assert.deepEqual(decide(results({ dmarc: dmarc("quarantine") }), [], () => 99), { action: "quarantined", rule: "dmarc", domain: "sender.test" });
  for (const r of [results({ dmarc: dmarc("none") }), results(), results({ dmarc: dmarc("reject", 100, "pass") }), results({ dmarc: dmarc("reject", 100, "temperror") })]) {
    assert.deepEqual(decide(r, [], never), { action: "accepted", rule: null, domain: null });
  }
});

test("pct (RFC 7489 §6.6.4): the policy applies to pct% of failures; an unsampled reject is quarantined, an unsampled quarantine delivered", () => {
  assert.equal(decide(results({ dmarc: dmarc("reject", 30) }), [], () => 29).action, "rejected");
  assert.equal(decide(results({ dmarc: dmarc("reject", 30) }), [], () => 30).action, "quarantined");
  assert.equal(decide(results({ dmarc: dmarc("reject", 0) }), [], () => 0).action, "quarantined");
  assert.equal(decide(results({ dmarc: dmarc("quarantine", 30) }), [], () => 30).action, "accepted");
  // The real sampler draws 0 to 99: pct=100 always applies, pct=0 never.
  for (let i = 0; i < 200; i++) {
    assert.equal(decide(results({ dmarc: dmarc("reject", 100) }), []).action, "rejected");
    assert.equal(decide(results({ dmarc: dmarc("reject", 0) }), []).action, "quarantined");
  }
});

test("pctOf reads RFC 7489 §6.3's pct from the record: default 100, at most 100, case-sensitive tag, other values ignored", () => {
  for (const [record, pct] of [
    ["v=DMARC1; p=reject", 100],
    ["v=DMARC1; p=reject; pct=25", 25],
    ["v=DMARC1;p=reject;pct = 0;rua=mailto:d@x.test", 0],
    ["v=DMARC1; p=reject; pct=250", 100],
    ["v=DMARC1; p=reject; PCT=10", 100],
    ["v=DMARC1; p=reject; pct=ten", 100],
  ] as const) {
    assert.equal(pctOf(record), pct, record);
  }
});

test("a hosted domain claimed without SPF pass or an aligned DKIM pass is refused whatever DMARC says; either one, aligned, lets it through", () => {
  const refused = { action: "rejected", rule: "hosted-domain", domain: "ours.test" };
  assert.deepEqual(decide(results({ dmarc: dmarc("none", 100, "pass") }), ["ours.test"], never), refused);
  // Passes, but for another domain: not aligned.
  assert.deepEqual(decide(results({ spf: { result: "pass", domain: "elsewhere.test" }, dkim: [sig("elsewhere.test", "pass")] }), ["ours.test"], never), refused);
  assert.deepEqual(decide(results({ dkim: [sig("ours.test", "fail")] }), ["ours.test"], never), refused);
  for (const r of [
    results({ spf: { result: "pass", domain: "ours.test" } }),
    results({ spf: { result: "pass", domain: "bounces.ours.test" } }),
    results({ dkim: [sig("elsewhere.test", "pass"), sig("ours.test", "pass")] }),
    results({ dkim: [sig("mail.ours.test", "pass")] }),
  ]) {
    assert.equal(decide(r, ["ours.test"], never).action, "accepted");
  }
  assert.equal(decide(results({ dkim: [sig("ours.test", "pass")] }), ["sub.ours.test"], never).action, "accepted", "relaxed: a parent's signature aligns");
  // Both claims are checked: the From domain's signature does not speak for the MAIL FROM domain.
  assert.deepEqual(decide(results({ dkim: [sig("ours.test", "pass")] }), ["ours.test", "other-hosted.test"], never), { ...refused, domain: "other-hosted.test" });
});

test("a temporary failure of the hosted domain's own DNS never refuses its mail on its own (it goes on to DMARC); another domain's does not excuse it", () => {
  assert.equal(decide(results({ spf: { result: "temperror", domain: "ours.test" } }), ["ours.test"], never).action, "accepted");
  assert.equal(decide(results({ dkim: [sig("ours.test", "temperror")] }), ["ours.test"], never).action, "accepted");
  assert.equal(decide(results({ spf: { result: "temperror", domain: "ours.test" }, dmarc: dmarc("quarantine") }), ["ours.test"], () => 0).action, "quarantined");
  // A spoofer whose own DNS drops the questions for its signature or its SPF record.
  const spoof = results({ spf: { result: "temperror", domain: "spoofer.test" }, dkim: [sig("spoofer.test", "temperror")] });
  assert.deepEqual(decide(spoof, ["ours.test"], never), { action: "rejected", rule: "hosted-domain", domain: "ours.test" });
});

test("dkimSummary: pass if any signature verified, else the first result, none when unsigned", () => {
  assert.equal(dkimSummary([]), "none");
  assert.equal(dkimSummary([sig("a.test", "fail"), sig("b.test", "pass")]), "pass");
  assert.equal(dkimSummary([sig("a.test", "neutral"), sig("b.test", "fail")]), "neutral");
});
