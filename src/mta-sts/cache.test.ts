import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { createResolver } from "../dns/index.ts";
import { MtaStsCache, memoryPolicyStore, type FetchOptions, type MtaStsPolicy, type PolicyStore } from "./index.ts";
import { POLICY, startPolicyServer, testCa, type PolicyServer } from "../../test/support/https-test-server.ts";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function zone(txt: string[] | "servfail"): Zone {
  return {
    "_mta-sts.example.test": txt === "servfail" ? { servfail: true } : { TXT: txt },
    "mta-sts.example.test": { A: ["127.0.0.1"] },
  };
}

let dns: DnsServer;
let web: PolicyServer;
let clock: number;
let opts: FetchOptions;

before(async () => {
  dns = await startDnsServer(zone([]));
  web = await startPolicyServer(["mta-sts.example.test"]);
  opts = {
    resolver: createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 }),
    port: web.port,
    ca: [(await testCa()).certPem],
    timeoutMs: 5000,
    now: () => clock,
  };
});

after(async () => {
  await web.close();
  await dns.close();
});

beforeEach(() => {
  clock = T0;
  web.reply = { body: POLICY };
  web.requests.length = 0;
  dns.setZone(zone(["v=STSv1; id=first;"]));
});

const EXPECTED: MtaStsPolicy = { id: "first", mode: "enforce", mx: ["mail.example.test", "*.mx.example.test"], maxAge: 86400, fetchedAt: T0 };

test("full discovery: TXT record, HTTPS fetch, then the cached policy while the id stays the same", async () => {
  const store = memoryPolicyStore();
  const cache = new MtaStsCache(store, opts);
  assert.deepEqual(await cache.lookup("Example.Test."), { policy: EXPECTED, source: "fetched", error: null });
  assert.deepEqual(await store.load("example.test"), EXPECTED, "saved under the normalized domain");
  clock = T0 + DAY_MS - 1;
  assert.deepEqual(await cache.lookup("example.test"), { policy: EXPECTED, source: "cache", error: null });
  assert.equal(web.requests.length, 1, "the second lookup did not fetch");
});

test("a changed id means a new fetch", async () => {
  const cache = new MtaStsCache(memoryPolicyStore(), opts);
  await cache.lookup("example.test");
  dns.setZone(zone(["v=STSv1; id=second;"]));
  web.reply = { body: POLICY.replace("mode: enforce", "mode: testing") };
  clock = T0 + 1000;
  const r = await cache.lookup("example.test");
  assert.deepEqual(r, { policy: { ...EXPECTED, id: "second", mode: "testing", fetchedAt: T0 + 1000 }, source: "fetched", error: null });
  assert.equal(web.requests.length, 2);
});

test("an expired policy is fetched again even with the same id", async () => {
  const cache = new MtaStsCache(memoryPolicyStore(), opts);
  await cache.lookup("example.test");
  clock = T0 + DAY_MS;
  assert.equal((await cache.lookup("example.test")).source, "fetched");
  assert.equal(web.requests.length, 2);
});

test("a failed refresh falls back to the cached policy while it lasts", async () => {
  const cache = new MtaStsCache(memoryPolicyStore(), opts);
  await cache.lookup("example.test");
  dns.setZone(zone(["v=STSv1; id=second;"]));
  web.reply = { contentType: "text/html", body: POLICY };
  const r = await cache.lookup("example.test");
  assert.equal(r.source, "cache");
  assert.deepEqual(r.policy, EXPECTED);
  assert.match(r.error ?? "", /content type "text\/html"/);
  // Once the cached policy has expired, a failing fetch leaves no policy at all.
  clock = T0 + DAY_MS;
  const later = await cache.lookup("example.test");
  assert.deepEqual([later.policy, later.source], [null, "none"]);
  assert.match(later.error ?? "", /content type/);
});

test("without a cache, a wrong content type means no policy, with the reason", async () => {
  web.reply = { contentType: "application/octet-stream", body: POLICY };
  const r = await new MtaStsCache(memoryPolicyStore(), opts).lookup("example.test");
  assert.deepEqual([r.policy, r.source], [null, "none"]);
  assert.match(r.error ?? "", /fetch mta-sts\.example\.test: content type "application\/octet-stream" is not text\/plain/);
});

test("no TXT record: no policy and no fetch", async () => {
  dns.setZone(zone(["v=spf1 -all"]));
  assert.deepEqual(await new MtaStsCache(memoryPolicyStore(), opts).lookup("example.test"), { policy: null, source: "none", error: null });
  assert.deepEqual(await new MtaStsCache(memoryPolicyStore(), opts).lookup("unknown.test"), { policy: null, source: "none", error: null });
  assert.equal(web.requests.length, 0);
});

test("two STSv1 records or an invalid one count as none, with the reason", async () => {
  dns.setZone(zone(["v=STSv1; id=a;", "v=STSv1; id=b;"]));
  const two = await new MtaStsCache(memoryPolicyStore(), opts).lookup("example.test");
  assert.deepEqual([two.policy, two.source], [null, "none"]);
  assert.match(two.error ?? "", /2 STSv1 TXT records/);
  dns.setZone(zone(["v=STSv1; id=not valid;"]));
  const bad = await new MtaStsCache(memoryPolicyStore(), opts).lookup("example.test");
  assert.match(bad.error ?? "", /invalid STSv1 TXT record/);
  assert.equal(web.requests.length, 0);
});

test("the TXT record gone: the unexpired cached policy stays in force (§5.1)", async () => {
  const cache = new MtaStsCache(memoryPolicyStore(), opts);
  await cache.lookup("example.test");
  dns.setZone(zone([]));
  assert.deepEqual(await cache.lookup("example.test"), { policy: EXPECTED, source: "cache", error: null });
  clock = T0 + DAY_MS;
  assert.deepEqual(await cache.lookup("example.test"), { policy: null, source: "none", error: null });
});

test("a temporary DNS failure uses the cache, or reports the error without one", async () => {
  const cache = new MtaStsCache(memoryPolicyStore(), opts);
  await cache.lookup("example.test");
  dns.setZone(zone("servfail"));
  const r = await cache.lookup("example.test");
  assert.deepEqual([r.policy, r.source], [EXPECTED, "cache"]);
  assert.match(r.error ?? "", /TXT _mta-sts\.example\.test: .*ESERVFAIL/);
  const fresh = await new MtaStsCache(memoryPolicyStore(), opts).lookup("example.test");
  assert.deepEqual([fresh.policy, fresh.source], [null, "none"]);
  assert.match(fresh.error ?? "", /ESERVFAIL/);
});

test("concurrent lookups of one domain share one fetch", async () => {
  const cache = new MtaStsCache(memoryPolicyStore(), opts);
  const results = await Promise.all([cache.lookup("example.test"), cache.lookup("EXAMPLE.test"), cache.lookup("example.test.")]);
  assert.deepEqual(
    results.map((r) => r.source),
    ["fetched", "fetched", "fetched"],
  );
  assert.equal(web.requests.length, 1);
});

test("a failing store does not stop delivery: the policy is still fetched and used", async () => {
  const broken: PolicyStore = {
    load: async () => {
      throw new Error("disk gone");
    },
    save: async () => {
      throw new Error("disk full");
    },
  };
  const r = await new MtaStsCache(broken, opts).lookup("example.test");
  assert.deepEqual([r.policy, r.source], [EXPECTED, "fetched"]);
  assert.match(r.error ?? "", /loading the cached policy: disk gone; saving the policy: disk full/);
});

test("memoryPolicyStore keeps copies", async () => {
  const store = memoryPolicyStore();
  const p = { ...EXPECTED, mx: ["a.example.test"] };
  await store.save("example.test", p);
  p.mx.push("evil.test");
  const loaded = await store.load("example.test");
  assert.deepEqual(loaded?.mx, ["a.example.test"]);
  loaded?.mx.push("evil.test");
  assert.deepEqual((await store.load("example.test"))?.mx, ["a.example.test"]);
  assert.equal(await store.load("other.test"), null);
});
