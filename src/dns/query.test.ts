import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import { parseDnsServer, queryDns, trustsAd } from "./index.ts";

let dns: DnsServer;

before(async () => {
  dns = await startDnsServer({
    "signed.test": { A: ["127.0.0.7"], secure: true },
    "plain.test": { A: ["127.0.0.8"] },
    "big.test": { TXT: Array.from({ length: 12 }, (_, i) => `record-${i}-${"x".repeat(120)}`), secure: true },
    "fail.test": { servfail: true },
  });
});

after(async () => {
  await dns.close();
});

test("parseDnsServer takes ADDR, ADDR:PORT and [v6]:PORT, and refuses names", () => {
  assert.deepEqual(parseDnsServer("127.0.0.1:5353"), { host: "127.0.0.1", port: 5353 });
  assert.deepEqual(parseDnsServer("127.0.0.1"), { host: "127.0.0.1", port: 53 });
  assert.deepEqual(parseDnsServer("[::1]:5300"), { host: "::1", port: 5300 });
  assert.deepEqual(parseDnsServer("::1"), { host: "::1", port: 53 });
  assert.equal(parseDnsServer("dns.example:53"), null);
  assert.equal(parseDnsServer("127.0.0.1:0"), null);
  assert.equal(parseDnsServer("127.0.0.1:99999"), null);
});

test("only a resolver on this machine is trusted to have validated (RFC 7672 §2.1.1)", () => {
  assert.deepEqual(["127.0.0.1", "127.0.0.53", "::1", "192.0.2.53", "10.0.0.1", "::ffff:192.0.2.1"].map((host) => trustsAd({ host, port: 53 })), [true, true, true, false, false, false]);
});

test("a raw query reads the answers, the rcode and the AD bit the resolver set", async () => {
  const server = { host: "127.0.0.1", port: dns.port };
  const signed = await queryDns("signed.test", "A", server, 2000);
  assert.deepEqual([signed.rcode, signed.authenticated, signed.answers.map((a) => (a.type === "A" ? a.data : a.type))], ["NOERROR", true, ["127.0.0.7"]]);
  const plain = await queryDns("plain.test", "A", server, 2000);
  assert.deepEqual([plain.rcode, plain.authenticated], ["NOERROR", false]);
  assert.equal((await queryDns("nothing.test", "A", server, 2000)).rcode, "NXDOMAIN");
  assert.equal((await queryDns("fail.test", "A", server, 2000)).rcode, "SERVFAIL");
});

test("a truncated UDP answer is asked again over TCP, AD and all", async () => {
  const before = dns.queries.length;
  const r = await queryDns("big.test", "TXT", { host: "127.0.0.1", port: dns.port }, 2000);
  assert.equal(r.answers.length, 12);
  assert.equal(r.authenticated, true);
  assert.deepEqual(dns.queries.slice(before).map((q) => q.transport), ["udp", "tcp"]);
});

test("a query to a silent resolver times out with an error", async () => {
  await assert.rejects(queryDns("x.test", "TLSA", { host: "127.0.0.1", port: 9 }, 300), /timed out|ECONNREFUSED/);
});
