/**
 * `sealpost check`: the protocol scan, the feature probes (renegotiation, compression, heartbeat,
 * fallback SCSV, resumption, groups; sharing the scan's connection limit), the certificate (with
 * its stapled OCSP response) and (for STARTTLS) the injection test run at once against one target;
 * their results become one report with findings and verdicts.
 *
 * A missing or refused STARTTLS is a finding, not a failure: the check ran and found it. Only
 * when the target cannot be reached or does not speak its protocol (CheckError "connect",
 * "timeout", "protocol", or an abort) does the report carry `error` (exit status 2).
 *
 * A port checked for implicit TLS that answers every hello with a plaintext mail greeting is
 * checked again through that protocol's STARTTLS when `startTlsIfGreeted` is set — what the user
 * meant by `sealpost check host:10025` — and an info finding says so.
 */
import { inspectOtherCertificate, readCertificate } from "./certificate.ts";
import { judgeFeatures, probeFeatures } from "./features/index.ts";
import { buildFindings, sortFindings, type FindingNotes, type ReportFacts } from "./findings.ts";
import { CheckError, ProbePool, readGreeting, scanProtocols, type Greeting } from "./probe/index.ts";
import { runInjectionTest, type InjectionOutcome } from "./starttls.ts";
import type { CertificateInfo, CheckOptions, CheckReport, ProtocolScan, StartTlsInfo, Target, VersionResult } from "./types.ts";
import { buildVerdicts } from "./verdicts.ts";

function message(e: unknown): string {
  if (e instanceof Error) return e.name === "AbortError" ? "the check was aborted" : e.message;
  return String(e);
}

function kindOf(e: unknown): string | null {
  return e instanceof CheckError ? e.kind : null;
}

/** Runs every check against `target` and returns the report (never throws for network trouble). */
export async function runCheck(target: Target, opts: CheckOptions): Promise<CheckReport> {
  const report = await checkOnce(target, opts);
  if (target.access !== "tls" || opts.startTlsIfGreeted !== true || report.error !== null || report.protocols.some((p) => p.offered)) return report;
  const greeting = await readGreeting(target, opts).catch((): null => null);
  if (greeting === null) return report;
  const again = await checkOnce({ ...target, access: greeting.protocol }, opts);
  return {
    ...again,
    durationMs: report.durationMs + again.durationMs,
    probes: report.probes + again.probes + 1,
    findings: sortFindings([greetedFinding(target.port, greeting), ...again.findings]),
  };
}

function greetedFinding(port: number, g: Greeting): CheckReport["findings"][number] {
  const name = g.protocol.toUpperCase();
  return {
    id: "plaintext-greeting",
    severity: "info",
    title: `Port ${port} speaks ${name} in plaintext: checked through ${g.protocol === "pop3" ? "STLS" : "STARTTLS"}`,
    detail: `No implicit TLS handshake succeeded on port ${port}: the server greets in plaintext ("${g.line}"), as ${name} with STARTTLS does. It was checked through STARTTLS, as --starttls ${g.protocol} would.`,
  };
}

async function checkOnce(target: Target, opts: CheckOptions): Promise<CheckReport> {
  const started = opts.now?.() ?? new Date();
  const t0 = performance.now();
  const viaStartTls = target.access !== "tls";
  const pool = new ProbePool(opts.concurrency, opts.signal, opts.onProgress);
  let versionsKnown: (v: readonly VersionResult[]) => void = () => undefined;
  const versions = new Promise<readonly VersionResult[]>((resolve) => (versionsKnown = resolve));
  // A scan that ends without its version probes (an abort) must not leave the features waiting.
  const scanning = scanProtocols(target, opts, pool, versionsKnown).finally(() => versionsKnown([]));
  const [scanR, certR, injR, featR] = await Promise.allSettled([
    scanning,
    readCertificate(target, opts),
    viaStartTls ? runInjectionTest(target, opts) : Promise.resolve(null),
    probeFeatures(target, opts, pool, versions),
  ]);
  const scan: ProtocolScan | null = scanR.status === "fulfilled" ? scanR.value : null;
  const certificate: CertificateInfo | null = certR.status === "fulfilled" ? certR.value.certificate : null;
  // A second certificate of the other key type, when the server has one (one more connection).
  const other = certificate !== null ? await inspectOtherCertificate(target, opts, certificate).catch(() => null) : null;
  const injection: InjectionOutcome | null = injR.status === "fulfilled" ? injR.value : null;
  const failures = [scanR, certR].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  const notOffered = failures.find((e) => kindOf(e) === "starttls-not-offered");
  const refused = failures.find((e) => kindOf(e) === "starttls-refused");

  let error: string | null = null;
  if (scanR.status === "rejected" && notOffered === undefined && refused === undefined) error = message(scanR.reason);

  const notes: FindingNotes = {
    certificateError: certR.status === "rejected" ? message(certR.reason) : null,
    starttlsRefused: refused !== undefined && notOffered === undefined ? message(refused) : null,
    starttlsAnnounced: injection?.announced ?? null,
  };
  const starttls = viaStartTls ? starttlsInfo(target, scan !== null, notOffered, refused, injection, injR) : null;
  const features =
    error === null && scan !== null && featR.status === "fulfilled"
      ? judgeFeatures(featR.value, { protocols: scan.versions, renegotiationInfo: scan.renegotiationInfo, certificate, ocsp: certR.status === "fulfilled" ? certR.value.ocsp : null })
      : null;
  const facts: ReportFacts = {
    schema: "sealpost-check/1",
    target,
    startedAt: started.toISOString(),
    durationMs: 0,
    error,
    starttls: error !== null ? null : starttls,
    protocols: scan?.versions ?? [],
    ciphers: scan?.ciphers ?? [],
    certificate: error !== null ? null : certificate,
    otherCertificates: error !== null || other === null ? [] : [other],
    features,
    // The pooled probes (scan and features), the certificate's connection, the injection test's.
    probes: pool.done + 1 + (viaStartTls ? 1 : 0),
    gaps: error !== null ? [] : (scan?.gaps ?? []),
  };
  const findings = buildFindings(facts, notes);
  const verdicts = buildVerdicts(facts);
  return { ...facts, durationMs: Math.round(performance.now() - t0), findings, verdicts };
}

function starttlsInfo(
  target: Target,
  scanned: boolean,
  notOffered: unknown,
  refused: unknown,
  injection: InjectionOutcome | null,
  injR: PromiseSettledResult<InjectionOutcome | null>,
): StartTlsInfo | null {
  if (target.access === "tls") return null;
  const protocol = target.access;
  if (notOffered !== undefined) return { protocol, offered: false, injection: "not-tested", detail: message(notOffered) };
  if (refused !== undefined) {
    return { protocol, offered: true, injection: "not-tested", detail: `${message(refused)}; the injection test did not run.` };
  }
  if (injection !== null) {
    // The scan got TLS sessions through STARTTLS, so it is offered whatever the injection run saw.
    if (scanned && !injection.info.offered) {
      return { protocol, offered: true, injection: "not-tested", detail: `The injection test did not get through: ${injection.info.detail}` };
    }
    return injection.info;
  }
  const why = injR.status === "rejected" ? message(injR.reason) : "unknown";
  return { protocol, offered: true, injection: "not-tested", detail: `The injection test could not run: ${why}.` };
}
