import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import type { DeliveryProblem } from "../bounce/index.ts";
import { DaneLookup } from "../dane/index.ts";
import { createResolver, DnsError, type Resolver } from "../dns/index.ts";
import type { DeliveryRequest, DeliveryResult } from "../smtp-client/index.ts";
import { deliverJob, type JobContext } from "./deliver-job.ts";
import type { LevelChoice } from "./policy.ts";

/** A resolver over a fixed table: MX per domain, addresses per host; "servfail" throws temporary. */
function resolver(mx: Record<string, Array<[number, string]> | "servfail">, hosts: Record<string, string[]>): Resolver {
  return {
    async mx(domain) {
      const m = mx[domain];
      if (m === "servfail") throw new DnsError("temporary", domain, "MX", "ESERVFAIL");
      if (m === undefined) {
        if (hosts[domain] !== undefined) return [];
        throw new DnsError("not-found", domain, "MX", "ENOTFOUND");
      }
      return m.map(([priority, exchange]) => ({ priority, exchange }));
    },
    async addresses(host) {
      return hosts[host] ?? [];
    },
    async txt() {
      return [];
    },
  };
}

type Script = (req: DeliveryRequest) => Partial<DeliveryResult>;

/** A stand-in SMTP client: records every request and answers from `script`. */
function client(script: Script): { calls: DeliveryRequest[]; send: (req: DeliveryRequest) => Promise<DeliveryResult> } {
  const calls: DeliveryRequest[] = [];
  return {
    calls,
    async send(req) {
      calls.push(req);
      const r = script(req);
      return { host: req.host, address: req.address, port: req.port, starttlsOffered: true, tls: null, problem: null, permanent: false, mailStarted: true, recipients: [], ...r };
    },
  };
}

const delivered = (req: DeliveryRequest): Partial<DeliveryResult> => ({
  recipients: req.recipients.map((address) => ({ address, code: 250, reply: "250 2.0.0 Ok", accepted: true, delivered: true, permanent: false })),
});
/** A failure before MAIL FROM (connect, greeting, EHLO, STARTTLS, TLS). */
const failing = (problem: DeliveryProblem, permanent = false): Partial<DeliveryResult> => ({ problem, permanent, mailStarted: false });

const choice = (level: LevelChoice["level"], mxPatterns: string[] | null = null): LevelChoice => ({ level, source: "config", mxPatterns, stsMode: mxPatterns === null ? null : "enforce" });
const job = { queueId: "Q1", domain: "example.net", from: "a@local.test", recipients: ["x@example.net", "y@example.net"], message: Buffer.from("Subject: t\r\n\r\nhi\r\n") };
const DNS = resolver({ "example.net": [[20, "mx2.example.net"], [10, "mx1.example.net"]] }, { "mx1.example.net": ["127.0.0.11"], "mx2.example.net": ["127.0.0.12"] });

function ctx(c: { send: JobContext["send"] }, level: LevelChoice = choice("may"), dns: Resolver = DNS): JobContext {
  return { resolver: dns, heloName: "out.test", remotePort: 2525, ca: [], connectTimeoutMs: 1000, choice: level, relay: null, ...(c.send !== undefined ? { send: c.send } : {}) };
}

test("MX hosts are tried by preference; a connection failure moves on to the next, whose 250 delivers", async () => {
  const c = client((req) => (req.host === "mx1.example.net" ? failing({ kind: "connect", host: req.host, detail: "connection refused" }) : delivered(req)));
  const r = await deliverJob(job, ctx(c));
  assert.deepEqual(c.calls.map((x) => [x.host, x.address, x.port]), [["mx1.example.net", "127.0.0.11", 2525], ["mx2.example.net", "127.0.0.12", 2525]]);
  assert.deepEqual([...r.outcomes.values()].map((o) => o.kind), ["delivered", "delivered"]);
  assert.deepEqual(r.attempts.map((a) => a.outcome), ["deferred", "delivered"]);
});

test("null MX and a domain that does not exist bounce without a connection; SERVFAIL defers", async () => {
  const c = client(delivered);
  const nullMx = resolver({ "example.net": [[0, ""]] }, {});
  let r = await deliverJob(job, ctx(c, choice("may"), nullMx));
  assert.deepEqual([...r.outcomes.values()].map((o) => (o.kind === "delivered" ? o.kind : [o.kind, o.problem.kind])), [["failed", "null-mx"], ["failed", "null-mx"]]);
  r = await deliverJob(job, ctx(c, choice("may"), resolver({}, {})));
  assert.equal(r.outcomes.get("x@example.net")?.kind, "failed");
  r = await deliverJob(job, ctx(c, choice("may"), resolver({ "example.net": "servfail" }, {})));
  const o = r.outcomes.get("x@example.net");
  assert.deepEqual(o?.kind === "deferred" ? o.problem.kind : o?.kind, "dns");
  assert.equal(c.calls.length, 0);
});

test("no MX records: the domain itself is the host (implicit MX, RFC 5321 §5.1)", async () => {
  const c = client(delivered);
  await deliverJob(job, ctx(c, choice("may"), resolver({}, { "example.net": ["127.0.0.20"] })));
  assert.deepEqual(c.calls.map((x) => [x.host, x.address]), [["example.net", "127.0.0.20"]]);
});

test("may: a TLS version failure is retried in plaintext on the same host, and both attempts are recorded", async () => {
  const c = client((req) => (req.tls.starttls === "never" ? delivered(req) : failing({ kind: "tls-version", host: req.host, offered: "TLS 1.0" }, true)));
  const r = await deliverJob(job, ctx(c));
  assert.deepEqual(c.calls.map((x) => [x.host, x.tls.starttls]), [["mx1.example.net", "opportunistic"], ["mx1.example.net", "never"]]);
  assert.deepEqual(r.attempts.map((a) => a.outcome), ["tls-fallback", "delivered"]);
});

test("encrypt and verify never fall back to plaintext: every host is tried with TLS required, then the message waits", async () => {
  for (const level of ["encrypt", "verify"] as const) {
    const c = client((req) => failing({ kind: "tls-version", host: req.host, offered: "TLS 1.1" }, true));
    const r = await deliverJob(job, ctx(c, choice(level)));
    assert.deepEqual(c.calls.map((x) => x.tls.starttls), ["required", "required"], level);
    assert.equal(c.calls.every((x) => (level === "verify") === (x.tls.verify !== null)), true);
    assert.equal(r.outcomes.get("y@example.net")?.kind, "deferred");
  }
});

test("verify-once: one connection; a TLS failure returns the message at once", async () => {
  const c = client((req) => failing({ kind: "certificate", host: req.host, problem: "expired", detail: "expired on 2026-01-01" }, true));
  const r = await deliverJob(job, ctx(c, choice("verify-once")));
  assert.equal(c.calls.length, 1);
  const o = r.outcomes.get("x@example.net");
  assert.deepEqual(o?.kind === "failed" ? o.problem.kind : o?.kind, "certificate");
  assert.deepEqual(r.attempts.map((a) => [a.outcome, a.certVerdict]), [["bounced", "expired: expired on 2026-01-01"]]);
});

test("MTA-STS enforce: only MX hosts matching the policy are used, verified against its patterns; none matching defers", async () => {
  const c = client(delivered);
  await deliverJob(job, ctx(c, choice("verify", ["mx2.example.net"])));
  assert.deepEqual(c.calls.map((x) => [x.host, x.tls.verify?.names]), [["mx2.example.net", ["mx2.example.net"]]]);
  const none = client(delivered);
  const r = await deliverJob(job, ctx(none, choice("verify", ["*.elsewhere.net"])));
  assert.equal(none.calls.length, 0);
  const o = r.outcomes.get("x@example.net");
  assert.deepEqual(o?.kind === "deferred" ? o.problem.kind : o?.kind, "mta-sts-mismatch");
});

test("per-recipient replies: a 550 fails that recipient, a 450 defers it, the accepted one is delivered; no other host is tried", async () => {
  const c = client(() => ({
    recipients: [
      { address: "x@example.net", code: 550, reply: "550 5.1.1 no such user", accepted: false, delivered: false, permanent: true },
      { address: "y@example.net", code: 450, reply: "450 4.2.1 try later", accepted: false, delivered: false, permanent: false },
    ],
    problem: { kind: "rejected", host: "mx1.example.net", reply: "450 4.2.1 try later", permanent: false },
  }));
  const r = await deliverJob(job, ctx(c));
  assert.equal(c.calls.length, 1);
  assert.deepEqual([...r.outcomes.values()].map((o) => [o.kind, o.kind === "delivered" ? o.reply : o.reply]), [["failed", "550 5.1.1 no such user"], ["deferred", "450 4.2.1 try later"]]);
});

test("a relay route goes to the next hop directly, without an MX lookup", async () => {
  const c = client(delivered);
  const relay = { domain: "example.net", host: "127.0.0.9", port: 2600, level: "encrypt" as const, localParts: null };
  await deliverJob(job, { ...ctx(c, choice("encrypt"), resolver({}, {})), relay });
  assert.deepEqual(c.calls.map((x) => [x.host, x.address, x.port, x.tls.starttls]), [["127.0.0.9", "127.0.0.9", 2600, "required"]]);
});

test("a refused greeting (421 or 554) moves on to the next MX; when every host refuses for good, the message fails", async () => {
  const c = client((req) => (req.host === "mx1.example.net" ? failing({ kind: "rejected", host: req.host, reply: "421 4.3.2 busy", permanent: false }) : delivered(req)));
  let r = await deliverJob(job, ctx(c));
  assert.deepEqual(c.calls.map((x) => x.host), ["mx1.example.net", "mx2.example.net"]);
  assert.equal(r.outcomes.get("x@example.net")?.kind, "delivered");
  const all554 = client((req) => failing({ kind: "rejected", host: req.host, reply: "554 5.7.1 no service", permanent: true }, true));
  r = await deliverJob(job, ctx(all554));
  assert.equal(all554.calls.length, 2);
  const o = r.outcomes.get("x@example.net");
  assert.deepEqual([o?.kind, o?.kind === "delivered" ? null : o?.reply], ["failed", "554 5.7.1 no service"]);
});

// DANE (RFC 7672 §2.2), with the lookups answered by a DNS server that validates the "secure" names.
const TLSA = (byte: number) => ({ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, byte) });
const secureHost = { A: ["127.0.0.31"], secure: true };
let dns: DnsServer;
let daneCtx: (c: { send: JobContext["send"] }, level?: LevelChoice) => JobContext;

before(async () => {
  dns = await startDnsServer({
    "example.net": { MX: [{ preference: 10, exchange: "mx1.example.net" }, { preference: 20, exchange: "mx2.example.net" }], secure: true },
    "mx1.example.net": secureHost,
    "_2525._tcp.mx1.example.net": { servfail: true },
    "mx2.example.net": secureHost,
    "_2525._tcp.mx2.example.net": { TLSA: [TLSA(2)], secure: true },
    "plain.test": { MX: [{ preference: 10, exchange: "mx.plain.test" }] },
    "mx.plain.test": secureHost,
    "_2525._tcp.mx.plain.test": { TLSA: [TLSA(3)], secure: true },
    "down.test": { MX: [{ preference: 10, exchange: "mx.down.test" }], secure: true },
    "mx.down.test": secureHost,
    "_2525._tcp.mx.down.test": { servfail: true },
  });
  const resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
  const dane = new DaneLookup([{ host: "127.0.0.1", port: dns.port }], 1000);
  daneCtx = (c, level = choice("may")) => ({ ...ctx(c, level, resolver), dane });
});

after(async () => {
  await dns.close();
});

test("DANE: a host whose TLSA lookup fails is not tried; the next one gets TLS with its records, and the attempt says dane", async () => {
  const c = client(delivered);
  const r = await deliverJob(job, daneCtx(c));
  assert.deepEqual(
    c.calls.map((x) => [x.host, x.tls.starttls, x.tls.verify, x.tls.dane?.records.map((t) => t.data)]),
    [["mx2.example.net", "required", null, ["02".repeat(32)]]],
  );
  assert.deepEqual(r.attempts.map((a) => [a.mxHost, a.outcome, a.policy]), [["mx2.example.net", "delivered", { level: "verify", source: "dane" }]]);
});

test("DANE: a secure MX whose every host fails its TLSA lookup waits, with the DANE reason and no connection", async () => {
  const c = client(delivered);
  const r = await deliverJob({ ...job, domain: "down.test" }, daneCtx(c));
  assert.equal(c.calls.length, 0);
  const o = r.outcomes.get("x@example.net");
  assert.deepEqual(o?.kind === "deferred" ? o.problem : o, { kind: "dane-lookup", host: "mx.down.test", detail: "the TLSA lookup of _2525._tcp.mx.down.test answered SERVFAIL" });
  assert.deepEqual(r.attempts.map((a) => [a.outcome, a.address, a.problem?.kind]), [["deferred", null, "dane-lookup"]]);
});

test("DANE: an insecure MX RRset means no TLSA lookups at all, whatever the hosts publish (RFC 7672 §2.2.1)", async () => {
  const c = client(delivered);
  const before = dns.queries.length;
  const r = await deliverJob({ ...job, domain: "plain.test" }, daneCtx(c));
  assert.deepEqual(c.calls.map((x) => [x.tls.starttls, x.tls.dane]), [["opportunistic", undefined]]);
  assert.deepEqual(r.attempts.map((a) => a.policy), [{ level: "may", source: "config" }]);
  assert.equal(dns.queries.slice(before).some((q) => q.type === "TLSA"), false);
});

test("DANE: under may, a failed handshake with a DANE host is never retried in plaintext", async () => {
  const c = client((req) => failing({ kind: "tls-handshake", host: req.host, detail: "alert" }, true));
  const r = await deliverJob(job, daneCtx(c));
  assert.deepEqual(c.calls.map((x) => x.tls.starttls), ["required"]);
  assert.equal(r.outcomes.get("x@example.net")?.kind, "deferred");
});

test("DANE wins over MTA-STS (RFC 8461 §2): the policy's MX patterns and its verify are set aside", async () => {
  const c = client(delivered);
  const sts: LevelChoice = { level: "verify", source: "mta-sts", mxPatterns: ["*.elsewhere.net"], stsMode: "enforce", beforeMtaSts: choice("may") };
  const r = await deliverJob(job, daneCtx(c, sts));
  assert.deepEqual(c.calls.map((x) => [x.host, x.tls.verify, x.tls.dane !== undefined]), [["mx2.example.net", null, true]]);
  assert.deepEqual([r.choice.source, r.choice.mxPatterns], ["config", null]);
});

// REQUIRETLS (RFC 8689 §4.2.1).
const requireTls = { ...job, tlsRequired: "requiretls" as const };
const problemOf = (r: Awaited<ReturnType<typeof deliverJob>>): unknown => {
  const o = r.outcomes.get("x@example.net");
  return o === undefined || o.kind === "delivered" ? o?.kind : [o.kind, o.problem];
};

test("REQUIRETLS: MX records neither DNSSEC-validated nor named by an enforced MTA-STS policy: returned at once, no connection", async () => {
  const c = client(delivered);
  const r = await deliverJob(requireTls, ctx(c));
  assert.equal(c.calls.length, 0);
  assert.deepEqual(problemOf(r), ["failed", { kind: "requiretls", host: "mx1.example.net", reason: "mx-unauthenticated", tls: null }]);
  assert.deepEqual(r.attempts.map((a) => [a.outcome, a.policy]), [["bounced", { level: "verify", source: "requiretls" }]]);
});

test("REQUIRETLS under an enforced MTA-STS policy: verify and REQUIRETLS asked of every host; none offering it returns the message at once", async () => {
  const notOffered = client((req) => failing({ kind: "requiretls", host: req.host, reason: "not-offered", tls: null }, true));
  const r = await deliverJob(requireTls, ctx(notOffered, choice("verify", ["*.example.net"])));
  assert.deepEqual(
    notOffered.calls.map((x) => [x.host, x.tls.starttls, x.tls.verify?.names, x.tls.requireTls]),
    [["mx1.example.net", "required", ["mx1.example.net"], true], ["mx2.example.net", "required", ["mx2.example.net"], true]],
  );
  assert.deepEqual(problemOf(r), ["failed", { kind: "requiretls", host: "mx2.example.net", reason: "not-offered", tls: null }]);
  assert.deepEqual(r.attempts.map((a) => a.outcome), ["deferred", "bounced"]);
  // A TLS failure is one too; but a host that could not be reached may take it later: the message waits.
  const tls = client((req) => (req.host === "mx1.example.net" ? failing({ kind: "connect", host: req.host, detail: "connection refused" }) : failing({ kind: "no-starttls", host: req.host }, true)));
  assert.deepEqual(problemOf(await deliverJob(requireTls, ctx(tls, choice("verify", ["*.example.net"])))), ["deferred", { kind: "no-starttls", host: "mx2.example.net" }]);
  const noTls = client((req) => failing({ kind: "no-starttls", host: req.host }, true));
  assert.deepEqual(problemOf(await deliverJob(requireTls, ctx(noTls, choice("verify", ["*.example.net"])))), [
    "failed",
    { kind: "requiretls", host: "mx2.example.net", reason: "tls", tls: { kind: "no-starttls", host: "mx2.example.net" } },
  ]);
});

test("REQUIRETLS over a DNSSEC-validated MX set: DANE's records authenticate the host; an insecure MX set does not count", async () => {
  const c = client(delivered);
  const r = await deliverJob(requireTls, daneCtx(c));
  assert.deepEqual(c.calls.map((x) => [x.host, x.tls.verify, x.tls.dane !== undefined, x.tls.requireTls]), [["mx2.example.net", null, true, true]]);
  assert.equal(r.outcomes.get("x@example.net")?.kind, "delivered");
  const insecure = client(delivered);
  const plain = await deliverJob({ ...requireTls, domain: "plain.test" }, daneCtx(insecure));
  assert.deepEqual([insecure.calls.length, problemOf(plain)], [0, ["failed", { kind: "requiretls", host: "mx.plain.test", reason: "mx-unauthenticated", tls: null }]]);
});

test("REQUIRETLS to an implicit MX or a relay route: the host is the one named, verified by the PKI against that name", async () => {
  const c = client(delivered);
  await deliverJob(requireTls, ctx(c, choice("may"), resolver({}, { "example.net": ["127.0.0.20"] })));
  const relay = { domain: "example.net", host: "relay.example.net", port: 2600, level: "encrypt" as const, localParts: null };
  const r = await deliverJob(requireTls, { ...ctx(c, { ...choice("encrypt"), source: "relay" }, resolver({}, { "relay.example.net": ["127.0.0.9"] })), relay });
  assert.deepEqual(c.calls.map((x) => [x.host, x.tls.verify?.names, x.tls.requireTls]), [["example.net", ["example.net"], true], ["relay.example.net", ["relay.example.net"], true]]);
  assert.deepEqual(r.attempts.map((a) => a.policy), [{ level: "verify", source: "requiretls" }]);
});
