/**
 * Our own aggregate reports (RFC 8460 §4): a day of one destination domain's delivery attempts
 * counted per policy as successful and failed TLS sessions, failures grouped by result type (§4.3),
 * receiving MX and address; and the mail that carries the report (§5.3).
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { fold, rfc5322Date, type DeliveryProblem } from "../bounce/index.ts";
import type { FailureDetail, PolicyResult, PolicyType, ResultType, TlsReport } from "./types.ts";

/** What a report needs of one delivery attempt (outbound's attempt log has it). */
export interface AttemptFacts {
  mxHost: string | null;
  address: string | null;
  tlsVersion: string | null;
  starttlsOffered: boolean | null;
  /** "delivered", "deferred", "bounced", "tls-fallback". */
  outcome: string;
  problem: DeliveryProblem | null;
  /** The policy the attempt was held to, as the attempt log names its source ("mta-sts", "dane", "default" …). */
  policySource: string;
  /** How many attempts these facts stand for (the attempt log read grouped); 1 when absent. */
  count?: number;
}

type Classified = { kind: "success" } | { kind: "failure"; type: ResultType; reason: string | null };

/** The policy type an attempt's policy source stands for (§4.4). */
function policyTypeOf(source: string): PolicyType {
  if (source.includes("mta-sts")) return "sts";
  if (source.includes("dane")) return "tlsa";
  return "no-policy-found";
}

/**
 * An attempt as a TLS session result, or null when it never came to TLS (no connection, a DNS
 * failure, an SMTP error before STARTTLS): §4 counts TLS sessions, not deliveries.
 */
export function classifyAttempt(a: AttemptFacts): Classified | null {
  const p = a.problem;
  // A TLS or certificate problem first: a handshake can complete before the certificate is refused.
  if (p !== null) {
    switch (p.kind) {
      case "no-starttls":
        return { kind: "failure", type: a.policySource.includes("dane") ? "dane-required" : "starttls-not-supported", reason: null };
      case "certificate":
        if (p.problem === "expired") return { kind: "failure", type: "certificate-expired", reason: null };
        if (p.problem === "hostname") return { kind: "failure", type: "certificate-host-mismatch", reason: null };
        if (p.problem === "untrusted") return { kind: "failure", type: "certificate-not-trusted", reason: null };
        // RFC 8460 §4.3.2: none of the DNSSEC-validated TLSA records matched.
        if (p.problem === "dane-mismatch") return { kind: "failure", type: "tlsa-invalid", reason: null };
        return { kind: "failure", type: "validation-failure", reason: `certificate-${p.problem}` };
      case "tls-version":
      case "weak-cipher":
      case "tls-handshake":
        return { kind: "failure", type: "validation-failure", reason: p.kind };
      case "dane-lookup":
        // The TLSA lookup failed on a signed zone: DANE could not be evaluated (§4.3.2 dnssec-invalid).
        return { kind: "failure", type: "dnssec-invalid", reason: null };
      case "mta-sts-mismatch":
        return { kind: "failure", type: "validation-failure", reason: "mx-not-in-sts-policy" };
      default:
        break;
    }
  }
  if (a.outcome !== "tls-fallback" && a.tlsVersion !== null) return { kind: "success" };
  // Delivered or refused in plaintext because the server offered no STARTTLS (the "may" level).
  if (a.address !== null && a.starttlsOffered === false) return { kind: "failure", type: "starttls-not-supported", reason: null };
  return null;
}

/** How a policy in a report is described: its text lines and MX patterns (§4.4), when known; an empty list is left out. */
export interface PolicyDescription {
  strings: string[];
  mxHost: string[];
}

interface ReportInput {
  /** The destination domain (the policy domain). */
  domain: string;
  /** The day, as the start of its UTC day in ms. */
  dayStart: number;
  /** Our host name: the organization, the submitter. */
  hostname: string;
  contact: string;
  attempts: readonly AttemptFacts[];
  describe: (type: PolicyType) => PolicyDescription | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The report for a day of attempts to one domain; null when none of them came to TLS (nothing to report). */
export function buildReport(input: ReportInput): TlsReport | null {
  const byPolicy = new Map<PolicyType, { ok: number; failed: number; details: Map<string, FailureDetail> }>();
  for (const a of input.attempts) {
    const c = classifyAttempt(a);
    if (c === null) continue;
    const type = policyTypeOf(a.policySource);
    const n = a.count ?? 1;
    let entry = byPolicy.get(type);
    if (entry === undefined) byPolicy.set(type, (entry = { ok: 0, failed: 0, details: new Map() }));
    if (c.kind === "success") {
      entry.ok += n;
      continue;
    }
    entry.failed += n;
    const key = JSON.stringify([c.type, a.mxHost, a.address, c.reason]);
    const detail = entry.details.get(key);
    if (detail !== undefined) detail["failed-session-count"] += n;
    else {
      entry.details.set(key, {
        "result-type": c.type,
        ...(a.mxHost !== null ? { "receiving-mx-hostname": a.mxHost } : {}),
        ...(a.address !== null ? { "receiving-ip": a.address } : {}),
        "failed-session-count": n,
        ...(c.reason !== null ? { "failure-reason-code": c.reason } : {}),
      });
    }
  }
  if (byPolicy.size === 0) return null;
  const policies: PolicyResult[] = [...byPolicy].map(([type, e]) => {
    const described = type === "no-policy-found" ? null : input.describe(type);
    return {
      policy: {
        "policy-type": type,
        ...(described !== null && described.strings.length > 0 ? { "policy-string": described.strings } : {}),
        "policy-domain": input.domain,
        ...(described !== null && described.mxHost.length > 0 ? { "mx-host": described.mxHost } : {}),
      },
      summary: { "total-successful-session-count": e.ok, "total-failure-session-count": e.failed },
      ...(e.details.size > 0 ? { "failure-details": [...e.details.values()] } : {}),
    };
  });
  const day = new Date(input.dayStart).toISOString().slice(0, 10);
  return {
    "organization-name": input.hostname,
    "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
    "contact-info": input.contact,
    // The same day and domain always give the same id: a report sent again after a crash is recognisable.
    "report-id": `${day}.${input.domain}@${input.hostname}`,
    policies,
  };
}

/** §5.1: "sender!policy-domain!begin-timestamp!end-timestamp!unique-id.json.gz" (seconds since the epoch). */
function reportFileName(report: TlsReport, submitter: string, domain: string): string {
  const begin = Math.floor(Date.parse(report["date-range"]["start-datetime"]) / 1000);
  const end = Math.floor(Date.parse(report["date-range"]["end-datetime"]) / 1000);
  const unique = createHash("sha256").update(report["report-id"]).digest("hex").slice(0, 12);
  return `${submitter}!${domain}!${begin}!${end}!${unique}.json.gz`;
}

/** The report, gzipped, as its HTTPS upload body (§5.4: POST, application/tlsrpt+gzip). */
export function reportBody(report: TlsReport): Buffer {
  return gzipSync(JSON.stringify(report));
}

interface ReportMail {
  report: TlsReport;
  domain: string;
  submitter: string;
  from: string;
  to: string;
  now: number;
}

/** The mail that carries a report to a mailto: destination (§5.3): multipart/report; report-type="tlsrpt". */
export function reportMessage(m: ReportMail): Buffer {
  const id = m.report["report-id"];
  const boundary = `tlsrpt-${createHash("sha256").update(`${id}${m.now}`).digest("hex").slice(0, 24)}`;
  const body = reportBody(m.report).toString("base64").replace(/.{1,76}/g, "$&\r\n");
  const name = reportFileName(m.report, m.submitter, m.domain);
  const lines = [
    `From: <${m.from}>`,
    `To: <${m.to}>`,
    // §5.3: the subject names the report domain, the submitter and the report id.
    ...fold("Subject", `Report Domain: ${m.domain} Submitter: ${m.submitter} Report-ID: <${id}>`),
    `Date: ${rfc5322Date(m.now)}`,
    `Message-ID: <${createHash("sha256").update(`${id}/${m.to}/${m.now}`).digest("hex").slice(0, 32)}@${m.submitter}>`,
    // §5.3: both fields are required.
    `TLS-Report-Domain: ${m.domain}`,
    `TLS-Report-Submitter: ${m.submitter}`,
    "Auto-Submitted: auto-generated",
    // RFC 8460 §5.3: a report must reach its receiver even when TLS to it fails — the failure may be
    // what it reports. RFC 8689 §5: this header lets the report go without the sender's TLS policy.
    "TLS-Required: No",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type="tlsrpt";`,
    ` boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    `This is an aggregate TLS report (RFC 8460) from ${m.submitter} for ${m.domain},`,
    `${m.report["date-range"]["start-datetime"]} to ${m.report["date-range"]["end-datetime"]}.`,
    "",
    `--${boundary}`,
    "Content-Type: application/tlsrpt+gzip",
    "Content-Transfer-Encoding: base64",
    `Content-Disposition: attachment; filename="${name}"`,
    "",
    body.trimEnd(),
    `--${boundary}--`,
    "",
  ];
  return Buffer.from(lines.join("\r\n"), "utf8");
}

/** The start of the UTC day `ms` falls in. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
