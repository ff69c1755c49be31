import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { createResolver } from "../dns/index.ts";
import { startPolicyServer, testCa, type PolicyServer } from "../../test/support/https-test-server.ts";
import { generateSelfSigned, type PemPair } from "../tls/index.ts";
import { parseDnsServer } from "../dns/index.ts";
import { parseTlsRpt } from "./mx-policy.ts";
import { startTinySmtp, type TinySmtp } from "../../test/support/check-mx-servers.ts";
import { MX_SCHEMA } from "./mx-schema.ts";
import { mxExitStatus, runMxCheck, type MxCheckOptions } from "./mx.ts";
import { validateAgainstSchema } from "./schema.ts";
import type { CheckOptions, CheckReport, Target } from "./types.ts";

let dns: DnsServer;
/** The same zone, its TLSA records DNSSEC-validated: answers carry AD, as a validating resolver's do. */
let validating: DnsServer;
let smtp: TinySmtp;
let sts: PolicyServer;
let leaf: PemPair;
let ca: PemPair;
const checked: Array<{ target: Target; extraNames: readonly string[] | undefined }> = [];

const spkiSha256 = (pem: string): Buffer => createHash("sha256").update(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" })).digest();

/** A stand-in for runCheck: mx2 hosts fail the strict-sender verdict with a high finding. */
async function fakeCheck(target: Target, opts: CheckOptions): Promise<CheckReport> {
  checked.push({ target, extraNames: opts.extraNames });
  opts.onProgress?.(1, 1, "done");
  const bad = target.host.startsWith("mx2.");
  return {
    schema: "sealpost-check/1",
    target,
    startedAt: new Date().toISOString(),
    durationMs: 1,
    error: null,
    starttls: { protocol: "smtp", offered: true, injection: "not-vulnerable", detail: "" },
    protocols: [],
    ciphers: [],
    certificate: null,
    findings: bad ? [{ id: "tls1_0-offered", severity: "high", title: "TLS 1.0 offered", detail: "" }] : [],
    verdicts: { strictSenders: { ok: !bad, text: bad ? "no" : "yes" }, legacyClients: { ok: true, text: "" } },
    probes: 1,
    gaps: [],
    otherCertificates: [],
    features: null,
  };
}

function zone(tlsa: Buffer, secure = false): Zone {
  return {
    "two.test": { MX: [{ preference: 10, exchange: "mx1.two.test" }, { preference: 20, exchange: "mx2.two.test" }] },
    "mx1.two.test": { A: ["127.0.0.1"], CAA: [{ flags: 0, tag: "issue", value: "ca.two.test" }] },
    "mx2.two.test": { A: ["127.0.0.1"] },
    "_25._tcp.mx1.two.test": { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: tlsa }], secure },
    "_25._tcp.mx2.two.test": { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) }], secure },
    "_mta-sts.two.test": { TXT: ["v=STSv1; id=20260101"] },
    "mta-sts.two.test": { A: ["127.0.0.1"] },
    "_smtp._tls.two.test": { TXT: ["v=TLSRPTv1; rua=mailto:tls@two.test,https://rpt.two.test/r"] },
    "nullmx.test": { MX: [{ preference: 0, exchange: "." }] },
    "implicit.test": { A: ["127.0.0.1"] },
    "broken.test": { servfail: true },
    "noaddr.test": { MX: [{ preference: 10, exchange: "mx.noaddr.test" }] },
  };
}

before(async () => {
  ca = await testCa();
  leaf = await generateSelfSigned({ hostnames: ["mx1.two.test", "mx2.two.test"], issuer: ca });
  dns = await startDnsServer(zone(spkiSha256(leaf.certPem)));
  validating = await startDnsServer(zone(spkiSha256(leaf.certPem), true));
  smtp = await startTinySmtp(leaf.certPem, leaf.keyPem);
  sts = await startPolicyServer(["mta-sts.two.test"]);
  sts.reply = { body: "version: STSv1\nmode: enforce\nmx: mx1.two.test\nmax_age: 604800\n" };
});

after(async () => {
  await Promise.all([validating.close(), smtp.close(), sts.close()]);
  await dns.close();
});

function options(dnsAddr: string, extra: Partial<MxCheckOptions> = {}): MxCheckOptions {
  return {
    resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }),
    dnsServer: parseDnsServer(dnsAddr),
    mxPort: smtp.port,
    mtaStsPort: sts.port,
    timeoutMs: 3000,
    concurrency: 4,
    ca: [ca.certPem],
    check: fakeCheck,
    ...extra,
  };
}

test("every MX is checked as an SMTP STARTTLS target named by its host, with MTA-STS, TLS-RPT and DANE", async () => {
  checked.length = 0;
  const progress: string[] = [];
  const r = await runMxCheck("Two.Test.", options(validating.address, { onProgress: (d, t, what) => progress.push(`${d}/${t} ${what}`) }));
  assert.equal(r.schema, "sealpost-check-mx/1");
  assert.equal(r.domain, "two.test");
  assert.equal(r.error, null);
  assert.equal(r.destination, "mx");
  assert.deepEqual(r.hosts.map((h) => [h.host, h.preference, h.address]), [["mx1.two.test", 10, "127.0.0.1"], ["mx2.two.test", 20, "127.0.0.1"]]);
  assert.deepEqual(
    checked.map((c) => [c.target.host, c.target.port, c.target.servername, c.target.access, c.extraNames]).sort(),
    [["mx1.two.test", smtp.port, "mx1.two.test", "smtp", ["mx1.two.test"]], ["mx2.two.test", smtp.port, "mx2.two.test", "smtp", ["mx2.two.test"]]],
  );
  assert.ok(progress.some((p) => p.startsWith("2/2 ")), progress.join("; "));
  // MTA-STS: the policy names mx1 only, in enforce mode.
  assert.equal(r.mtaSts.id, "20260101");
  assert.deepEqual(r.mtaSts.policy, { mode: "enforce", mx: ["mx1.two.test"], maxAge: 604800 });
  assert.deepEqual(r.hosts.map((h) => h.mtaStsMatch), [true, false]);
  const mismatch = r.findings.find((f) => f.id === "mta-sts-mx-mismatch");
  assert.equal(mismatch?.severity, "high");
  assert.match(mismatch?.title ?? "", /mx2\.two\.test/);
  assert.deepEqual(r.tlsRpt.rua, ["mailto:tls@two.test", "https://rpt.two.test/r"]);
  assert.ok(!r.findings.some((f) => f.id.startsWith("tlsrpt")));
  // DANE through the validating resolver: mx1's record matches its key, mx2's does not.
  assert.deepEqual(r.hosts.map((h) => [h.dane.authenticated, h.dane.status]), [[true, "valid"], [true, "invalid"]]);
  assert.ok(r.findings.some((f) => f.id === "dane-mismatch" && f.title.includes("mx2.two.test")));
  // CAA (RFC 8659): mx1 has its own record; for mx2 neither it nor two.test nor test has one.
  assert.deepEqual(r.hosts.map((h) => [h.caa.name, h.caa.records, h.caa.error]), [["mx1.two.test", ['0 issue "ca.two.test"'], null], [null, [], null]]);
  assert.deepEqual(r.findings.filter((f) => f.id === "caa-missing").map((f) => [f.severity, f.title]), [["low", "No CAA record for mx2.two.test"]]);
  assert.equal(r.verdict.ok, false);
  assert.equal(
    r.verdict.text,
    "Mail from senders that require TLS 1.2 and a valid certificate may not reach two.test: mx2.two.test (TLS 1.0 offered) fails; only mx1.two.test passes." +
      " Senders that apply MTA-STS will not use mx2.two.test (not in the enforce policy). Senders that apply DANE will not use mx2.two.test (no TLSA record matches its certificate).",
  );
  assert.equal(mxExitStatus(r), 1);
  assert.deepEqual(validateAgainstSchema(MX_SCHEMA, JSON.parse(JSON.stringify(r))), []);
  const bad = JSON.parse(JSON.stringify(r)) as { hosts: Array<{ report: { probes: unknown }; dane: { status: string } }> };
  if (bad.hosts[0] !== undefined) {
    bad.hosts[0].report.probes = "1";
    bad.hosts[0].dane.status = "maybe";
  }
  assert.deepEqual(validateAgainstSchema(MX_SCHEMA, bad), ['$.hosts[0].report.probes: expected integer, got string', '$.hosts[0].dane.status: "maybe" is not one of "not-validated", "none", "valid", "invalid", "error"']);
});

test("without AD from the resolver, DANE is not evaluated and no certificate is fetched for it", async () => {
  const before = smtp.connections;
  const r = await runMxCheck("two.test", options(dns.address));
  assert.deepEqual(r.hosts.map((h) => h.dane.status), ["not-validated", "not-validated"]);
  assert.equal(r.hosts[0]?.dane.records[0]?.matches, null);
  assert.equal(smtp.connections, before);
  const f = r.findings.find((x) => x.id === "dane-not-validated");
  assert.equal(f?.title, "DNSSEC not validated by the resolver; DANE not evaluated");
  assert.equal(f?.severity, "info");
});

test("a policy fetch failure with a TXT record is a finding; every MX passing makes the verdict", async () => {
  sts.reply = { status: 404, body: "no" };
  try {
    const pass = async (t: Target, o: CheckOptions): Promise<CheckReport> => ({ ...(await fakeCheck({ ...t, host: "mx1.x" }, o)), target: t });
    const r = await runMxCheck("two.test", options(dns.address, { check: pass }));
    assert.match(r.mtaSts.fetchError ?? "", /HTTP 404/);
    assert.equal(r.findings.find((f) => f.id === "mta-sts-fetch-failed")?.severity, "medium");
    assert.deepEqual(r.hosts.map((h) => h.mtaStsMatch), [null, null]);
    assert.equal(r.verdict.ok, true);
    assert.equal(r.verdict.text, "Mail from senders that require TLS 1.2 and a valid certificate will reach two.test: every MX passes (mx1.two.test, mx2.two.test).");
  } finally {
    sts.reply = { body: "version: STSv1\nmode: enforce\nmx: mx1.two.test\nmax_age: 604800\n" };
  }
});

test("null MX, implicit MX, no such domain, a host without address, and a failed MX lookup", async () => {
  const nul = await runMxCheck("nullmx.test", options(dns.address));
  assert.deepEqual([nul.destination, nul.hosts.length, nul.verdict.ok, mxExitStatus(nul)], ["null-mx", 0, false, 0]);
  assert.match(nul.verdict.text, /null MX/);
  const imp = await runMxCheck("implicit.test", options(dns.address));
  assert.deepEqual([imp.destination, imp.hosts[0]?.host, imp.hosts[0]?.implicit], ["implicit", "implicit.test", true]);
  assert.ok(imp.findings.some((f) => f.id === "mx-implicit" && f.severity === "low"));
  assert.ok(imp.findings.some((f) => f.id === "mta-sts-missing"));
  assert.ok(imp.findings.some((f) => f.id === "tlsrpt-missing" && f.severity === "info"));
  assert.equal(mxExitStatus(imp), 0);
  const none = await runMxCheck("nosuch.test", options(dns.address));
  assert.deepEqual([none.destination, mxExitStatus(none)], ["not-found", 1]);
  assert.ok(none.findings.some((f) => f.id === "mx-none" && f.severity === "high"));
  const noaddr = await runMxCheck("noaddr.test", options(dns.address));
  assert.match(noaddr.hosts[0]?.error ?? "", /has no address/);
  assert.ok(noaddr.findings.some((f) => f.id === "mx-unreachable"));
  assert.match(noaddr.verdict.text, /will not reach noaddr\.test: every MX fails/);
  const broken = await runMxCheck("broken.test", options(dns.address));
  assert.match(broken.error ?? "", /MX lookup for broken\.test failed/);
  assert.equal(mxExitStatus(broken), 2);
  for (const r of [nul, imp, none, noaddr, broken]) assert.deepEqual(validateAgainstSchema(MX_SCHEMA, JSON.parse(JSON.stringify(r))), [], r.domain);
});

test("parseTlsRpt: one v=TLSRPTv1 record with mailto:/https: URIs", () => {
  assert.deepEqual(parseTlsRpt(["v=spf1 -all", "v=TLSRPTv1;rua=mailto:a@b.test"]), { records: ["v=TLSRPTv1;rua=mailto:a@b.test"], rua: ["mailto:a@b.test"], error: null });
  assert.equal(parseTlsRpt([]).error, null);
  assert.match(parseTlsRpt(["v=TLSRPTv1; rua=mailto:a@b.test", "v=TLSRPTv1; rua=mailto:c@b.test"]).error ?? "", /2 TLSRPTv1 records/);
  assert.match(parseTlsRpt(["v=TLSRPTv1; x=y"]).error ?? "", /no rua/);
  assert.match(parseTlsRpt(["v=TLSRPTv1; rua=ftp://x"]).error ?? "", /neither mailto: nor https:/);
});
