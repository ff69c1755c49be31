import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../config/index.ts";
import { openStore } from "../store/index.ts";
import { addRelay, setPolicy } from "./admin.ts";
import { configuredLevel, parseNextHop, relayRoute, tlsRequirement, withMtaSts } from "./policy.ts";
import { backoffMs } from "./runner.ts";

test("level precedence: relay hop, then `policy set`, then [delivery] policies, then the default; MTA-STS enforce raises to verify", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-policy-"));
  const store = await openStore(dir);
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
    assert.deepEqual(withMtaSts(base, policy), { level: "verify", source: "mta-sts", mxPatterns: ["*.cfg.test"], stsMode: "enforce" });
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
