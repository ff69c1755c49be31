import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import { createLookup, type Lookup } from "./index.ts";

let server: DnsServer;
let lookup: Lookup;

before(async () => {
  server = await startDnsServer({
    "sender.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"], MX: [{ preference: 10, exchange: "mx.sender.test" }], A: ["127.0.0.5"] },
    "broken.test": { servfail: true },
    "silent.test": { drop: true },
  });
  // A long per-question timeout: only the deadline can end a dropped question within the test.
  lookup = createLookup({ servers: [server.address], timeoutMs: 30_000, tries: 1 });
});

after(async () => {
  await server.close();
});

const code = (e: unknown): unknown => (typeof e === "object" && e !== null && "code" in e ? e.code : undefined);

test("answers come back as node:dns's resolve gives them, from the configured server", async () => {
  assert.deepEqual(await lookup("sender.test", "TXT"), [["v=spf1 ip4:127.0.0.1 -all"]]);
  assert.partialDeepStrictEqual(await lookup("sender.test", "MX"), [{ exchange: "mx.sender.test", priority: 10 }]);
  assert.deepEqual(await lookup("sender.test", "A"), ["127.0.0.5"]);
  assert.ok(server.queries.some((q) => q.name === "sender.test" && q.type === "TXT"));
});

test("failures keep node:dns's codes, which mailauth reads: ENOTFOUND, ENODATA, ESERVFAIL", async () => {
  await assert.rejects(lookup("nowhere.test", "TXT"), (e) => code(e) === "ENOTFOUND");
  await assert.rejects(lookup("sender.test", "AAAA"), (e) => code(e) === "ENODATA");
  await assert.rejects(lookup("broken.test", "TXT"), (e) => code(e) === "ESERVFAIL");
});

test("a deadline ends a question in flight and refuses later ones at once, as ETIMEOUT", async () => {
  const deadline = new AbortController();
  const pending = lookup("silent.test", "TXT", deadline.signal);
  setTimeout(() => deadline.abort(), 50);
  await assert.rejects(pending, (e) => code(e) === "ETIMEOUT");
  await assert.rejects(lookup("sender.test", "TXT", deadline.signal), (e) => code(e) === "ETIMEOUT");
  // Without the signal, the same lookup answers.
  assert.deepEqual(await lookup("sender.test", "TXT"), [["v=spf1 ip4:127.0.0.1 -all"]]);
});
