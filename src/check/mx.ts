/**
 * `sealpost check --mx DOMAIN`: every MX host of a domain (RFC 5321 §5.1, null MX per RFC 7505)
 * checked in parallel as a sender would reach it (SMTP STARTTLS, the MX host name as SNI and as the
 * name the certificate must carry), plus what the domain publishes about its transport security:
 * MTA-STS (RFC 8461), TLS-RPT (RFC 8460), where the resolver validates DNSSEC DANE (RFC 7672), and
 * for each MX host name the CAA records that say which CAs may issue its certificates (RFC 8659).
 */
import { lookupCaa, type CaaResult } from "./caa.ts";
import { destinationHosts, systemDnsServer, trustsAd, type DnsServerAddress, type Resolver } from "../dns/index.ts";
import { matchTlsa, queryTlsa } from "../dane/index.ts";
import { fetchSmtpChain } from "./dane.ts";
import { lookupMtaSts, lookupTlsRpt, mtaStsFindings, mtaStsMatch, tlsRptFindings } from "./mx-policy.ts";
import type { DaneResult, MxHostResult, MxReport } from "./mx-types.ts";
import { sortFindings } from "./findings.ts";
import { runCheck } from "./run.ts";
import type { CheckOptions, CheckReport, Finding, Target, Verdict } from "./types.ts";

export type { MxReport } from "./mx-types.ts";
export { mxExitStatus } from "./mx-render.ts";

export interface MxCheckOptions extends CheckOptions {
  /** MX, A/AAAA and TXT lookups. */
  resolver: Resolver;
  /** Where the raw TLSA queries go (the --dns server); default: the system's first resolver. */
  dnsServer?: DnsServerAddress | null;
  /** Port of the MX hosts (25; tests use others). */
  mxPort?: number;
  /** Port of the MTA-STS policy host (443; tests use others). */
  mtaStsPort?: number;
  /** The check of one host; default runCheck. */
  check?: (target: Target, opts: CheckOptions) => Promise<CheckReport>;
}

const STRICT = "Mail from senders that require TLS 1.2 and a valid certificate";

export async function runMxCheck(domainArg: string, opts: MxCheckOptions): Promise<MxReport> {
  const started = Date.now();
  const domain = domainArg.toLowerCase().replace(/\.$/, "");
  const report: MxReport = {
    schema: "sealpost-check-mx/1",
    domain,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    error: null,
    destination: null,
    hosts: [],
    mtaSts: { records: [], id: null, txtError: null, policy: null, fetchError: null },
    tlsRpt: { records: [], rua: [], error: null },
    findings: [],
    verdict: { ok: false, text: `${STRICT}: ${domain} could not be checked.` },
  };
  const stsPromise = lookupMtaSts(domain, { resolver: opts.resolver, port: opts.mtaStsPort ?? 443, ca: opts.ca, timeoutMs: opts.timeoutMs });
  const rptPromise = lookupTlsRpt(domain, opts.resolver);
  let dest;
  try {
    dest = await destinationHosts(domain, opts.resolver);
  } catch (e) {
    await Promise.allSettled([stsPromise, rptPromise]);
    report.error = `MX lookup for ${domain} failed: ${e instanceof Error ? e.message : String(e)}`;
    report.durationMs = Date.now() - started;
    return report;
  }
  if (dest.kind === "null-mx") {
    report.destination = "null-mx";
    report.findings.push({ id: "mx-null", severity: "info", title: "Null MX: the domain accepts no mail", detail: `${domain} publishes a null MX (RFC 7505): senders return mail for it at once. Nothing to check.` });
    report.verdict = { ok: false, text: `${STRICT} will not reach ${domain}: it publishes a null MX (RFC 7505) and accepts no mail.` };
  } else if (dest.kind === "not-found") {
    report.destination = "not-found";
    report.findings.push({ id: "mx-none", severity: "high", title: "No MX records and no address", detail: `${domain} has neither MX records nor an address (RFC 5321 §5.1): mail to it cannot be delivered. Publish MX records.` });
    report.verdict = { ok: false, text: `${STRICT} will not reach ${domain}: it has no MX records and no address.` };
  } else {
    report.destination = dest.hosts.some((h) => h.implicit) ? "implicit" : "mx";
    if (report.destination === "implicit") {
      report.findings.push({ id: "mx-implicit", severity: "low", title: "No MX records: the domain's own address is used", detail: `${domain} has no MX records, so senders deliver to its address (implicit MX, RFC 5321 §5.1). Publish an MX record naming the mail server.` });
    }
    const progress = combinedProgress(opts.onProgress);
    // Equal preferences in name order: the report is the same on every run.
    const hosts = [...dest.hosts].sort((a, b) => a.preference - b.preference || a.host.localeCompare(b.host));
    report.hosts = await Promise.all(hosts.map((h) => checkHost(h, opts, progress(h.host))));
  }
  report.mtaSts = await stsPromise;
  report.tlsRpt = await rptPromise;
  for (const h of report.hosts) h.mtaStsMatch = mtaStsMatch(report.mtaSts, h.host);
  if (report.destination !== "null-mx" && report.destination !== "not-found") {
    report.findings.push(...hostFindings(report.hosts), ...mtaStsFindings(domain, report.mtaSts, report.hosts.map((h) => h.host)));
    report.findings.push(...tlsRptFindings(domain, report.tlsRpt), ...daneFindings(report.hosts), ...caaFindings(report.hosts));
    report.verdict = strictVerdict(domain, report.hosts, report.mtaSts.policy?.mode === "enforce");
  }
  report.durationMs = Date.now() - started;
  return report;
}

type Progress = CheckOptions["onProgress"];

/** One progress callback over every host's probes. */
function combinedProgress(outer: Progress): (host: string) => Progress {
  if (outer === undefined) return () => undefined;
  const state = new Map<string, { done: number; total: number }>();
  return (host) => (done, total, what) => {
    state.set(host, { done, total });
    let d = 0;
    let t = 0;
    for (const s of state.values()) {
      d += s.done;
      t += s.total;
    }
    outer(d, t, `${host}: ${what}`);
  };
}

async function checkHost(h: { host: string; preference: number; implicit: boolean }, opts: MxCheckOptions, onProgress: Progress): Promise<MxHostResult> {
  const port = opts.mxPort ?? 25;
  const result: MxHostResult = {
    ...h,
    addresses: [],
    address: null,
    report: null,
    error: null,
    mtaStsMatch: null,
    dane: { name: `_25._tcp.${h.host}`, status: "error", authenticated: null, records: [], detail: "" },
    caa: { name: null, records: [], error: "not looked up" },
  };
  const caaPromise = caa(h.host, opts);
  try {
    result.addresses = await opts.resolver.addresses(h.host);
  } catch (e) {
    result.error = `address lookup failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  const address = result.addresses[0];
  if (address === undefined) {
    result.error ??= `${h.host} has no address (A or AAAA)`;
    result.dane = await dane(result.dane.name, h.host, null, port, opts);
    result.caa = await caaPromise;
    return result;
  }
  result.address = address;
  const check = opts.check ?? runCheck;
  const target: Target = { host: h.host, port, address, servername: h.host, access: "smtp" };
  const checkOpts: CheckOptions = { ...opts, extraNames: [h.host], ...(onProgress !== undefined ? { onProgress } : {}) };
  const [report, daneResult] = await Promise.all([
    check(target, checkOpts).catch((e: unknown) => {
      result.error = e instanceof Error ? e.message : String(e);
      return null;
    }),
    dane(result.dane.name, h.host, address, port, opts),
  ]);
  result.report = report;
  result.dane = daneResult;
  result.caa = await caaPromise;
  return result;
}

/** The CAA records for the host, from the same resolver as the TLSA queries. */
async function caa(host: string, opts: MxCheckOptions): Promise<CaaResult> {
  const server = opts.dnsServer ?? systemDnsServer();
  if (server === null) return { name: null, records: [], error: "no resolver to ask for CAA records" };
  return lookupCaa(host, server, opts.timeoutMs);
}

/** The DANE evaluation of one MX host (RFC 7672 §2.2). */
async function dane(name: string, host: string, address: string | null, port: number, opts: MxCheckOptions): Promise<DaneResult> {
  const result: DaneResult = { name, status: "error", authenticated: null, records: [], detail: "" };
  const server = opts.dnsServer ?? systemDnsServer();
  if (server === null) return { ...result, detail: "no resolver to ask for TLSA records" };
  let lookup;
  try {
    lookup = await queryTlsa(name, server, opts.timeoutMs);
  } catch (e) {
    return { ...result, detail: `TLSA lookup failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const trusted = trustsAd(server);
  result.authenticated = lookup.authenticated && trusted;
  result.records = lookup.records.map((r) => ({ ...r, matches: null, detail: "not evaluated" }));
  // A validating resolver answers SERVFAIL for bogus data, never with AD: DANE senders defer.
  if (lookup.rcode === "SERVFAIL") return { ...result, detail: `TLSA lookup answered SERVFAIL (DNSSEC-bogus or broken): DANE senders defer mail to ${host} (RFC 7672 §2.2)` };
  if (!lookup.authenticated) return { ...result, status: "not-validated", detail: "DNSSEC not validated by the resolver; DANE not evaluated" };
  if (!trusted) return { ...result, status: "not-validated", detail: `the resolver ${server.host} is not on this machine, so its DNSSEC validation (AD bit) cannot be trusted; DANE not evaluated` };
  if (lookup.rcode !== "NOERROR" && lookup.rcode !== "NXDOMAIN") return { ...result, detail: `TLSA lookup answered ${lookup.rcode}: DANE senders defer mail to ${host} (RFC 7672 §2.2)` };
  if (lookup.records.length === 0) return { ...result, status: "none", detail: "no TLSA records (DNSSEC-validated): DANE senders use opportunistic TLS" };
  if (address === null) return { ...result, detail: "TLSA records exist but the host has no address" };
  let chain: Buffer[];
  try {
    chain = await fetchSmtpChain({ address, port, servername: host, timeoutMs: opts.timeoutMs });
  } catch (e) {
    return { ...result, detail: `could not fetch the certificate: ${e instanceof Error ? e.message : String(e)}` };
  }
  result.records = matchTlsa(lookup.records, chain, host);
  const ok = result.records.some((r) => r.matches === true);
  const usable = result.records.some((r) => r.matches !== null);
  if (ok) return { ...result, status: "valid", detail: "a TLSA record matches the certificate" };
  return { ...result, status: "invalid", detail: usable ? "no TLSA record matches the certificate: DANE senders will not deliver" : "no usable TLSA record (DANE-TA or DANE-EE): DANE senders will not deliver" };
}

function hostFindings(hosts: readonly MxHostResult[]): Finding[] {
  const out: Finding[] = [];
  for (const h of hosts) {
    const why = h.error ?? h.report?.error ?? null;
    if (why === null) continue;
    out.push({ id: "mx-unreachable", severity: "high", title: `MX ${h.host} could not be checked`, detail: `${h.host}${h.address !== null ? ` [${h.address}]` : ""}: ${why}. Senders cannot deliver through it.` });
  }
  return out;
}

function daneFindings(hosts: readonly MxHostResult[]): Finding[] {
  const out: Finding[] = [];
  if (hosts.some((h) => h.dane.status === "not-validated")) {
    out.push({ id: "dane-not-validated", severity: "info", title: "DNSSEC not validated by the resolver; DANE not evaluated", detail: "The resolver did not mark the TLSA answers authentic (AD). Point --dns at a validating resolver to evaluate DANE (RFC 7672)." });
  }
  for (const h of hosts) {
    if (h.dane.status === "invalid") out.push({ id: "dane-mismatch", severity: "high", title: `DANE: no TLSA record of ${h.host} matches its certificate`, detail: `${h.dane.name}: ${h.dane.detail}. Update the TLSA records before (or together with) the certificate.` });
    if (h.dane.status === "error" && h.dane.authenticated === true) out.push({ id: "dane-error", severity: "medium", title: `DANE could not be evaluated for ${h.host}`, detail: h.dane.detail });
  }
  return out;
}

/** testssl.sh (DNS_CAArecord): LOW when a host name has no CAA record. */
function caaFindings(hosts: readonly MxHostResult[]): Finding[] {
  const missing = hosts.filter((h) => h.caa.name === null && h.caa.error === null).map((h) => h.host);
  if (missing.length === 0) return [];
  return [
    {
      id: "caa-missing",
      severity: "low",
      title: `No CAA record for ${missing.join(", ")}`,
      detail: `Neither ${missing.length === 1 ? "the host name" : "these host names"} nor a parent domain publishes CAA records (RFC 8659), so every CA may issue certificates for ${missing.length === 1 ? "it" : "them"}. Publish one naming the CA you use (e.g. example.net. CAA 0 issue "letsencrypt.org").`,
    },
  ];
}

/** Why a host fails the strict-sender question, in a few words. */
function failure(h: MxHostResult): string | null {
  if (h.error !== null) return h.error;
  if (h.report === null) return "not checked";
  if (h.report.error !== null) return h.report.error;
  if (h.report.verdicts.strictSenders.ok) return null;
  const worst = sortFindings(h.report.findings)[0];
  return worst?.title ?? h.report.verdicts.strictSenders.text;
}

function strictVerdict(domain: string, hosts: readonly MxHostResult[], enforce: boolean): Verdict {
  const failing = hosts.map((h) => ({ host: h.host, why: failure(h) })).filter((f): f is { host: string; why: string } => f.why !== null);
  // What senders with stricter rules of their own skip besides (RFC 8461 §5, RFC 7672 §2.2).
  const skipped = (hs: MxHostResult[], who: string, why: string): string =>
    hs.length === 0 ? "" : ` Senders that apply ${who} will not use ${hs.map((h) => h.host).join(", ")} (${why}).`;
  const notes =
    skipped(enforce ? hosts.filter((h) => h.mtaStsMatch === false) : [], "MTA-STS", "not in the enforce policy") +
    skipped(hosts.filter((h) => h.dane.status === "invalid"), "DANE", "no TLSA record matches its certificate");
  if (failing.length === 0) return { ok: true, text: `${STRICT} will reach ${domain}: every MX passes (${hosts.map((h) => h.host).join(", ")}).${notes}` };
  const list = failing.map((f) => `${f.host} (${f.why})`).join(", ");
  if (failing.length === hosts.length) return { ok: false, text: `${STRICT} will not reach ${domain}: every MX fails: ${list}.${notes}` };
  const passing = hosts.filter((h) => !failing.some((f) => f.host === h.host)).map((h) => h.host);
  return { ok: false, text: `${STRICT} may not reach ${domain}: ${list} ${failing.length === 1 ? "fails" : "fail"}; only ${passing.join(", ")} ${passing.length === 1 ? "passes" : "pass"}.${notes}` };
}
