/**
 * `sealpost check`: the TLS checker. One target (host, port, STARTTLS protocol or implicit TLS)
 * is scanned for protocol versions and cipher suites with hand-built hellos (probe/), its
 * certificate is read and judged (certificate.ts, RFC 5280, RFC 6125), STARTTLS is tested for
 * command injection (starttls.ts, CVE-2011-0411), what testssl.sh's vulnerability scan tests is
 * probed beside the scan (features/: renegotiation, compression, heartbeat, fallback SCSV,
 * resumption, DH/ECDH groups, OCSP stapling), and the facts become findings with severities
 * (findings.ts, findings-vulns.ts), two plain-words verdicts (verdicts.ts), a table for people
 * (render.ts) and a JSON report with a stable schema (schema.ts). `--mx DOMAIN` checks every MX
 * host of a domain with its MTA-STS, TLS-RPT, DANE and CAA records (mx.ts).
 */
import type { MxCheckOptions, MxReport } from "./mx.ts";

export type {
  Access,
  CertificateInfo,
  CheckOptions,
  CheckReport,
  CipherList,
  StartTlsProtocol,
  SuiteResult,
  Target,
  TlsFeatures,
} from "./types.ts";
export { runCheck } from "./run.ts";
export { renderReport, exitStatus } from "./render.ts";
export { CHECK_SCHEMA, validateAgainstSchema } from "./schema.ts";
export { buildFindings, type FindingNotes, type ReportFacts } from "./findings.ts";
export { buildVerdicts } from "./verdicts.ts";
export { accessFor, isDomainName, parseTarget, TargetError, unreachableReport } from "./target.ts";
export { assertPublic, assertPublicMx, publicOnly, RestrictedAddressError } from "./scope.ts";

export type { MxReport } from "./mx.ts";

export { renderMxReport, mxExitStatus } from "./mx-render.ts";

/**
 * `--mx DOMAIN` (mx.ts), loaded when called: a single-target check does not pay for the DNS,
 * MTA-STS, DANE and CAA code (about 10 ms of the CLI's start-up).
 */
export async function runMxCheck(domain: string, opts: MxCheckOptions): Promise<MxReport> {
  return (await import("./mx.ts")).runMxCheck(domain, opts);
}
export { MX_SCHEMA } from "./mx-schema.ts";
