import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { DnsError } from "../dns/index.ts";
import { DaneLookup, queryTlsa } from "./index.ts";

const EE = { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) };
const PKIX = { usage: 1, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 2) };

/** Secure names unless a test says otherwise: the validating resolver sets AD on them. */
const ZONE: Zone = {
  "signed.test": { MX: [{ preference: 10, exchange: "mx.signed.test" }], secure: true },
  "unsigned.test": { MX: [{ preference: 10, exchange: "mx.signed.test" }] },
  "implicit.test": { A: ["127.0.0.9"], secure: true },
  "bogus.test": { servfail: true },
  "mx.signed.test": { A: ["127.0.0.9"], secure: true },
  "_25._tcp.mx.signed.test": { TLSA: [EE, PKIX], secure: true },
  "pkix.signed.test": { A: ["127.0.0.9"], secure: true },
  "_25._tcp.pkix.signed.test": { TLSA: [PKIX], secure: true },
  "none.signed.test": { AAAA: ["::1"], secure: true },
  "_25._tcp.none.signed.test": { secure: true },
  "plain-address.signed.test": { A: ["127.0.0.9"] },
  "_25._tcp.plain-address.signed.test": { TLSA: [EE], secure: true },
  "plain-tlsa.signed.test": { A: ["127.0.0.9"], secure: true },
  "_25._tcp.plain-tlsa.signed.test": { TLSA: [EE] },
  "fail.signed.test": { A: ["127.0.0.9"], secure: true },
  "_25._tcp.fail.signed.test": { servfail: true },
  "broken-a.signed.test": { servfail: true },
};

let dns: DnsServer;
let dane: DaneLookup;

before(async () => {
  dns = await startDnsServer(ZONE);
  dane = new DaneLookup([{ host: "127.0.0.1", port: dns.port }], 2000);
});

after(async () => {
  await dns.close();
});

test("the MX RRset is secure only when the resolver validated it; an implicit MX's secure denial counts (RFC 7672 §2.2.1)", async () => {
  assert.equal(await dane.mxSecure("signed.test"), true);
  assert.equal(await dane.mxSecure("unsigned.test"), false);
  assert.equal(await dane.mxSecure("implicit.test"), true);
  assert.equal(await dane.mxSecure("nowhere.test"), false);
  await assert.rejects(dane.mxSecure("bogus.test"), (e: unknown) => e instanceof DnsError && e.kind === "temporary" && /SERVFAIL/.test(e.message));
});

test("per host: secure addresses and secure TLSA records decide (RFC 7672 §2.2.2, §2.2.3)", async () => {
  assert.deepEqual(await dane.host("mx.signed.test", 25), { kind: "authenticate", name: "_25._tcp.mx.signed.test", records: [{ usage: 3, selector: 1, matchingType: 1, data: "01".repeat(32) }] });
  assert.deepEqual(await dane.host("pkix.signed.test", 25), { kind: "encrypt", name: "_25._tcp.pkix.signed.test" });
  assert.deepEqual(await dane.host("none.signed.test", 25), { kind: "none" }, "secure, without TLSA records");
  assert.deepEqual(await dane.host("mx.signed.test", 2525), { kind: "none" }, "the port is part of the name");
  assert.deepEqual(await dane.host("plain-address.signed.test", 25), { kind: "none" }, "insecure address records");
  assert.deepEqual(await dane.host("plain-tlsa.signed.test", 25), { kind: "none" }, "insecure TLSA records");
  const fail = await dane.host("fail.signed.test", 25);
  assert.equal(fail.kind, "unavailable");
  assert.match(fail.kind === "unavailable" ? fail.detail : "", /^the TLSA lookup of _25\._tcp\.fail\.signed\.test answered SERVFAIL$/);
  const broken = await dane.host("broken-a.signed.test", 25);
  assert.match(broken.kind === "unavailable" ? broken.detail : "", /^the A lookup of broken-a\.signed\.test answered SERVFAIL$/);
});

test("a resolver that does not answer gives way to the next; none answering is an error", async () => {
  const silent = { host: "127.0.0.1", port: 9 };
  const two = new DaneLookup([silent, { host: "127.0.0.1", port: dns.port }], 300);
  assert.equal(await two.mxSecure("signed.test"), true);
  const none = new DaneLookup([silent], 300);
  await assert.rejects(none.mxSecure("signed.test"), /timed out|ECONNREFUSED/);
  const unavailable = await none.host("mx.signed.test", 25);
  assert.equal(unavailable.kind, "unavailable");
});

test("queryTlsa reads the records as hex with the AD bit", async () => {
  const r = await queryTlsa("_25._tcp.mx.signed.test", { host: "127.0.0.1", port: dns.port }, 2000);
  assert.deepEqual([r.rcode, r.authenticated, r.records.map((x) => `${x.usage} ${x.selector} ${x.matchingType}`)], ["NOERROR", true, ["3 1 1", "1 1 1"]]);
});
