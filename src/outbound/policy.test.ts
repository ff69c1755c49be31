import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../config/index.ts";
import { addRelay, setPolicy } from "./admin.ts";
import { configuredLevel, parseNextHop, policyNote, relayRoute, tlsRequirement, withDane, withMtaSts, withoutMtaSts, withRequireTls, withTlsOptional, type LevelChoice } from "./policy.ts";
import { backoffMs } from "./runner.ts";
import { openTestStore } from "../../test/support/postgres.ts";

test("level precedence: relay hop, then `policy set`, then [delivery] policies, then the default; MTA-STS enforce raises to verify", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-policy-"));
  const store = await openTestStore(dir);
  try {
    const config = validateConfig({ hostname: "mx.test", delivery: { tls_policy: "may", policies: [{ domain: "cfg.test", level: "encrypt" }, { domain: "both.test", level: "encrypt" }] } });
    await setPolicy(store.db, "Both.Test", "verify-once");
    await addRelay(store.db, "gw.test", "127.0.0.1:2525", "verify", ["info"]);
    const level = async (d: string): Promise<[string, string]> => {
      const c = await configuredLevel(store.db, config, d, await relayRoute(store.db, d));
      return [c.level, c.source];
    };
    assert.deepEqual(await level("other.test"), ["may", "default"]);
    assert.deepEqual(await level("cfg.test"), ["encrypt", "config"]);
    assert.deepEqual(await level("both.test"), ["verify-once", "policy"]);
    assert.deepEqual(await level("gw.test"), ["verify", "relay"]);
    assert.deepEqual(await relayRoute(store.db, "gw.test"), { domain: "gw.test", host: "127.0.0.1", port: 2525, level: "verify", localParts: ["info"] });

    const base = await configuredLevel(store.db, config, "cfg.test", null);
    const policy = { id: "1", mode: "enforce" as const, mx: ["*.cfg.test"], maxAge: 86400, fetchedAt: 0 };
    assert.deepEqual(withMtaSts(base, policy), { level: "verify", source: "mta-sts", mxPatterns: ["*.cfg.test"], stsMode: "enforce", beforeMtaSts: base });
    assert.equal(withMtaSts({ ...base, level: "verify-once" }, policy).level, "verify-once", "never weaker than configured");
    assert.deepEqual(withMtaSts(base, { ...policy, mode: "testing" }), { ...base, stsMode: "testing" });
    assert.deepEqual(tlsRequirement(withMtaSts(base, policy), "mx1.cfg.test", ["CA"]), { starttls: "required", verify: { ca: ["CA"], names: ["mx1.cfg.test"], sanOnly: true } });
    assert.deepEqual(tlsRequirement(base, "mx1.cfg.test", []), { starttls: "required", verify: null });
    await assert.rejects(addRelay(store.db, "gw2.test", "not a hop", null, null), /next hop "not a hop"/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("next hops: host:port, [address]:port, host alone means port 25", () => {
  assert.deepEqual(parseNextHop("mail.example.net:2525"), { host: "mail.example.net", port: 2525 });
  assert.deepEqual(parseNextHop("[::1]:26"), { host: "::1", port: 26 });
  assert.deepEqual(parseNextHop("relay.example.net"), { host: "relay.example.net", port: 25 });
  assert.throws(() => parseNextHop("host:99999"), /expected HOST:PORT/);
  assert.throws(() => parseNextHop("a b"), /expected HOST:PORT/);
});

test("backoff: Postfix's schedule, minimum doubling per attempt up to the maximum", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 300, 4000) / 1000), [300, 600, 1200, 2400, 4000, 4000]);
  assert.equal(backoffMs(1000, 300, 4000), 4_000_000);
});

test("DANE per host: usable records raise to verify by the records, unusable ones to encrypt; the stronger level wins (RFC 7672 §2.2)", () => {
  const records = [{ usage: 3, selector: 1, matchingType: 1, data: "ab".repeat(32) }];
  const at = (level: LevelChoice["level"]): LevelChoice => ({ level, source: "config", mxPatterns: null, stsMode: null });
  const auth = { kind: "authenticate" as const, name: "_25._tcp.mx.test", records };
  const enc = { kind: "encrypt" as const, name: "_25._tcp.mx.test" };
  const summary = (c: LevelChoice): string => `${c.level} ${c.source}${c.tlsa !== undefined ? " tlsa" : ""}`;
  assert.deepEqual((["may", "encrypt", "verify", "verify-once"] as const).map((l) => summary(withDane(at(l), auth))), ["verify dane tlsa", "verify dane tlsa", "verify dane tlsa", "verify-once config tlsa"]);
  assert.deepEqual((["may", "encrypt", "verify", "verify-once"] as const).map((l) => summary(withDane(at(l), enc))), ["encrypt dane", "encrypt config", "verify config", "verify-once config"]);
  assert.equal(withDane(at("may"), { kind: "none" }).source, "config");
  // The records authenticate, not the PKI: no CA, no names; TLS is mandatory.
  assert.deepEqual(tlsRequirement(withDane(at("verify"), auth), "mx.test", ["CA"]), { starttls: "required", verify: null, dane: { records } });
  assert.deepEqual(tlsRequirement(withDane(at("verify"), enc), "mx.test", ["CA"]), { starttls: "required", verify: { ca: ["CA"], names: ["mx.test"] } });
});

test("where DANE applies, the domain's MTA-STS policy is set aside (RFC 8461 §2); an attempt records its level and source", () => {
  const base: LevelChoice = { level: "may", source: "default", mxPatterns: null, stsMode: null };
  const sts = { id: "1", mode: "enforce" as const, mx: ["mx.test"], maxAge: 86400, fetchedAt: 0 };
  assert.deepEqual(withoutMtaSts(withMtaSts(base, sts)), base);
  assert.deepEqual(withoutMtaSts(withMtaSts(base, { ...sts, mode: "testing" })), base);
  assert.deepEqual(policyNote(withMtaSts(base, { ...sts, mode: "testing" })), { level: "may", source: "default (mta-sts testing)" });
  assert.deepEqual(policyNote(withMtaSts(base, sts)), { level: "verify", source: "mta-sts" });
});

test("RFC 8689: REQUIRETLS raises any level to verify and asks for REQUIRETLS; TLS-Required: No drops to may, except a relay route's own level", () => {
  const none = { mxPatterns: null, stsMode: null };
  const may: LevelChoice = { level: "may", source: "default", ...none };
  const raised = withRequireTls(may);
  assert.deepEqual([raised.level, raised.source, raised.requireTls], ["verify", "requiretls", true]);
  assert.deepEqual(tlsRequirement(raised, "mx.test", ["CA"]), { starttls: "required", verify: { ca: ["CA"], names: ["mx.test"] }, requireTls: true });
  // A stronger level keeps its source; DANE's records still authenticate instead of the PKI.
  const once = withRequireTls({ level: "verify-once", source: "policy", ...none });
  assert.deepEqual([once.level, once.source], ["verify-once", "policy"]);
  const tlsa = [{ usage: 3, selector: 1, matchingType: 1, data: "ab" }];
  const dane = withRequireTls(withDane(may, { kind: "authenticate", name: "mx.test", records: tlsa }));
  assert.deepEqual(tlsRequirement(dane, "mx.test", []), { starttls: "required", verify: null, dane: { records: tlsa }, requireTls: true });
  // Unusable TLSA records alone (encrypt) would not verify the certificate: REQUIRETLS asks the PKI.
  assert.deepEqual(tlsRequirement(withRequireTls(withDane(may, { kind: "encrypt", name: "mx.test" })), "mx.test", []).verify, { ca: [], names: ["mx.test"] });

  const sts = withMtaSts({ level: "verify", source: "policy", ...none }, { id: "1", mode: "enforce", mx: ["*.test"], maxAge: 1, fetchedAt: 0 });
  assert.deepEqual(withTlsOptional(sts), { level: "may", source: "tls-required", ...none });
  assert.deepEqual(tlsRequirement(withTlsOptional(sts), "mx.test", ["CA"]), { starttls: "opportunistic", verify: null });
  const relay: LevelChoice = { level: "verify", source: "relay", ...none };
  assert.equal(withTlsOptional(relay), relay);
});
