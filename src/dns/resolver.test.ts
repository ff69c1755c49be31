import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import { createResolver, DnsError, type ZoneResolver } from "./index.ts";

let server: DnsServer;
let resolver: ZoneResolver;

before(async () => {
  server = await startDnsServer({
    "mail.test": {
      MX: [
        { preference: 20, exchange: "mx2.mail.test" },
        { preference: 10, exchange: "MX1.Mail.Test." },
      ],
      A: ["127.0.0.10", "127.0.0.11"],
      AAAA: ["::1"],
      TXT: ["v=spf1 -all", ["v=STSv1; ", "id=abc;"]],
    },
    "v4only.test": { A: ["127.0.0.12"] },
    "_imaps._tcp.mail.test": { SRV: [{ priority: 0, weight: 1, port: 993, target: "mx1.mail.test" }] },
    "_imap._tcp.mail.test": { SRV: [{ priority: 0, weight: 0, port: 0, target: "." }] },
    "alias.mail.test": { CNAME: "MX1.Mail.Test." },
    "null.test": { MX: [{ preference: 0, exchange: "." }] },
    "empty.test": { TXT: ["hello"] },
    "broken.test": { servfail: true },
    "silent.test": { drop: true },
    "big.test": { TXT: Array.from({ length: 12 }, (_, i) => `record-${i}-${"x".repeat(120)}`) },
  });
  resolver = createResolver({ servers: [server.address], timeoutMs: 200, tries: 1 });
});

after(async () => {
  await server.close();
});

async function rejectsWith(p: Promise<unknown>, kind: DnsError["kind"], code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DnsError, `expected a DnsError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.equal(err.code, code);
    return true;
  });
}

test("mx returns the records without trailing dots, as published", async () => {
  const mx = await resolver.mx("mail.test");
  assert.deepEqual(
    mx.sort((a, b) => a.priority - b.priority),
    [
      { exchange: "MX1.Mail.Test", priority: 10 },
      { exchange: "mx2.mail.test", priority: 20 },
    ],
  );
});

test("mx: a null MX (RFC 7505) comes back from node:dns as exchange \"\" with priority 0", async () => {
  assert.deepEqual(await resolver.mx("null.test"), [{ exchange: "", priority: 0 }]);
});

test("mx: a name without MX records gives [] (NODATA)", async () => {
  assert.deepEqual(await resolver.mx("v4only.test"), []);
});

test("mx: NXDOMAIN throws not-found", async () => {
  await rejectsWith(resolver.mx("nowhere.test"), "not-found", "ENOTFOUND");
});

test("SERVFAIL throws temporary for every lookup", async () => {
  await rejectsWith(resolver.mx("broken.test"), "temporary", "ESERVFAIL");
  await rejectsWith(resolver.addresses("broken.test"), "temporary", "ESERVFAIL");
  await rejectsWith(resolver.txt("broken.test"), "temporary", "ESERVFAIL");
});

test("a server that never answers gives a temporary timeout", async () => {
  await rejectsWith(resolver.mx("silent.test"), "temporary", "ETIMEOUT");
});

test("a server that refuses connections gives a temporary error", async () => {
  // A port nobody listens on: take a free one from a fixture, then close it.
  const gone = await startDnsServer({});
  await gone.close();
  const dead = createResolver({ servers: [gone.address], timeoutMs: 200, tries: 1 });
  await assert.rejects(dead.mx("mail.test"), (err: unknown) => err instanceof DnsError && err.kind === "temporary");
});

test("addresses lists IPv4 before IPv6", async () => {
  assert.deepEqual(await resolver.addresses("mail.test"), ["127.0.0.10", "127.0.0.11", "::1"]);
  assert.deepEqual(await resolver.addresses("v4only.test"), ["127.0.0.12"]);
});

test("addresses is [] for a name without addresses and for NXDOMAIN", async () => {
  assert.deepEqual(await resolver.addresses("empty.test"), []);
  assert.deepEqual(await resolver.addresses("nowhere.test"), []);
});

test("txt joins each record's strings; [] when none or no such name", async () => {
  assert.deepEqual((await resolver.txt("mail.test")).sort(), ["v=STSv1; id=abc;", "v=spf1 -all"]);
  assert.deepEqual(await resolver.txt("v4only.test"), []);
  assert.deepEqual(await resolver.txt("nowhere.test"), []);
});

test("a TXT answer too big for UDP is fetched over TCP", async () => {
  const txt = await resolver.txt("big.test");
  assert.equal(txt.length, 12);
  assert.ok(server.queries.some((q) => q.name === "big.test" && q.transport === "tcp"));
});

test("the fixture serves a changed zone at once", async () => {
  const s = await startDnsServer({ "x.test": { A: ["127.0.0.1"] } });
  try {
    const r = createResolver({ servers: [s.address], timeoutMs: 200, tries: 1 });
    assert.deepEqual(await r.addresses("x.test"), ["127.0.0.1"]);
    s.setZone({ "x.test": { A: ["127.0.0.2"] }, "y.test": { CNAME: "x.test" } });
    assert.deepEqual(await r.addresses("x.test"), ["127.0.0.2"]);
    assert.deepEqual(await r.addresses("Y.TEST."), ["127.0.0.2"], "names are case-insensitive and CNAMEs are followed");
    assert.deepEqual(
      s.queries.filter((q) => q.type === "A").map((q) => q.name.toLowerCase()),
      ["x.test", "x.test", "y.test"],
    );
  } finally {
    await s.close();
  }
});

test("srv: the records without trailing dots, a target of \".\" as \"\"; [] for a name without SRV or none at all", async () => {
  assert.deepEqual(await resolver.srv("_imaps._tcp.mail.test"), [{ priority: 0, weight: 1, port: 993, target: "mx1.mail.test" }]);
  assert.deepEqual(await resolver.srv("_imap._tcp.mail.test"), [{ priority: 0, weight: 0, port: 0, target: "" }]);
  assert.deepEqual(await resolver.srv("mail.test"), []);
  assert.deepEqual(await resolver.srv("nowhere.test"), []);
  await rejectsWith(resolver.srv("broken.test"), "temporary", "ESERVFAIL");
});

test("cname: the target without its trailing dot; null for a name with other records or none", async () => {
  assert.equal(await resolver.cname("alias.mail.test"), "MX1.Mail.Test");
  assert.equal(await resolver.cname("mail.test"), null);
  assert.equal(await resolver.cname("nowhere.test"), null);
  await rejectsWith(resolver.cname("broken.test"), "temporary", "ESERVFAIL");
});
