import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { createResolver, destinationHosts, DnsError, type Resolver, type Destination } from "./index.ts";

const ZONE: Zone = {
  "multi.test": {
    MX: [
      { preference: 30, exchange: "backup.multi.test" },
      { preference: 10, exchange: "a.multi.test" },
      { preference: 10, exchange: "B.multi.test." },
      { preference: 10, exchange: "c.multi.test" },
      { preference: 20, exchange: "d.multi.test" },
      { preference: 40, exchange: "a.multi.test" },
    ],
  },
  "implicit.test": { A: ["127.0.0.20"], TXT: ["no mx here"] },
  "implicit6.test": { AAAA: ["::1"] },
  "bare.test": { TXT: ["neither mx nor address"] },
  "null.test": { MX: [{ preference: 0, exchange: "." }], A: ["127.0.0.21"] },
  "mixed.test": {
    MX: [
      { preference: 0, exchange: "." },
      { preference: 10, exchange: "real.mixed.test" },
    ],
  },
  "broken.test": { servfail: true },
};

let server: DnsServer;
let resolver: Resolver;

before(async () => {
  server = await startDnsServer(ZONE);
  resolver = createResolver({ servers: [server.address], timeoutMs: 200, tries: 1 });
});

after(async () => {
  await server.close();
});

function hostsOf(d: Destination): Array<[string, number, boolean]> {
  assert.equal(d.kind, "hosts");
  return d.kind === "hosts" ? d.hosts.map((h) => [h.host, h.preference, h.implicit]) : [];
}

test("MX hosts are ordered by preference, equal preferences kept together, duplicates at their best preference", async () => {
  for (let round = 0; round < 10; round++) {
    const hosts = hostsOf(await destinationHosts("Multi.Test.", resolver));
    assert.deepEqual(
      hosts.map(([, p]) => p),
      [10, 10, 10, 20, 30],
    );
    assert.deepEqual(hosts.slice(0, 3).map(([h]) => h).sort(), ["a.multi.test", "b.multi.test", "c.multi.test"]);
    assert.deepEqual(
      hosts.slice(3).map(([h]) => h),
      ["d.multi.test", "backup.multi.test"],
    );
    assert.ok(hosts.every(([, , implicit]) => !implicit));
  }
});

test("equal preferences are shuffled with the random source (Fisher–Yates), other groups are not", async () => {
  // randomInt always 0: each step swaps the last unshuffled item with the first.
  const first = hostsOf(await destinationHosts("multi.test", resolver, { randomInt: () => 0 }));
  // randomInt(n) = n - 1: every item stays in place (published order).
  const identity = hostsOf(await destinationHosts("multi.test", resolver, { randomInt: (n) => n - 1 }));
  assert.deepEqual(
    identity.map(([h]) => h),
    ["a.multi.test", "b.multi.test", "c.multi.test", "d.multi.test", "backup.multi.test"],
  );
  assert.deepEqual(
    first.map(([h]) => h),
    ["b.multi.test", "c.multi.test", "a.multi.test", "d.multi.test", "backup.multi.test"],
  );
});

test("the random source is asked only for indexes inside each group of equal preference", async () => {
  const draws: number[] = [];
  await destinationHosts("multi.test", resolver, {
    randomInt: (n) => {
      draws.push(n);
      return n - 1;
    },
  });
  assert.deepEqual(draws, [3, 2], "one shuffle of three hosts; single-host groups draw nothing");
});

test("no MX but an address: the domain is its own implicit MX with preference 0 (RFC 5321 §5.1)", async () => {
  assert.deepEqual(hostsOf(await destinationHosts("implicit.test", resolver)), [["implicit.test", 0, true]]);
  assert.deepEqual(hostsOf(await destinationHosts("IMPLICIT6.test", resolver)), [["implicit6.test", 0, true]]);
});

test("no MX and no address is not-found; so is NXDOMAIN", async () => {
  assert.deepEqual(await destinationHosts("bare.test", resolver), { kind: "not-found" });
  assert.deepEqual(await destinationHosts("nowhere.test", resolver), { kind: "not-found" });
});

test("a single MX \".\" is a null MX (RFC 7505), even when the domain has addresses", async () => {
  assert.deepEqual(await destinationHosts("null.test", resolver), { kind: "null-mx" });
});

test("a null MX mixed with real MX records is ignored in favour of the real ones", async () => {
  assert.deepEqual(hostsOf(await destinationHosts("mixed.test", resolver)), [["real.mixed.test", 10, false]]);
});

test("SERVFAIL on the MX lookup throws a temporary DnsError", async () => {
  await assert.rejects(destinationHosts("broken.test", resolver), (err: unknown) => err instanceof DnsError && err.kind === "temporary");
});

test("a temporary failure of the implicit-MX address lookup throws too, instead of claiming not-found", async () => {
  const stub: Resolver = {
    mx: async () => [],
    addresses: async (host) => {
      throw new DnsError("temporary", host, "A", "ETIMEOUT");
    },
    txt: async () => [],
  };
  await assert.rejects(destinationHosts("x.test", stub), (err: unknown) => err instanceof DnsError && err.kind === "temporary");
});
