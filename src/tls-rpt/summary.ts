/** A received report in words, for `sealpost tls-report`: "gmail.com reported 3 failed sessions to mx1.example.org: certificate expired". */
import type { ResultType, TlsReport } from "./types.ts";

const RESULT_WORDS: Record<ResultType, string> = {
  "starttls-not-supported": "STARTTLS not offered",
  "certificate-host-mismatch": "certificate does not name the host",
  "certificate-expired": "certificate expired",
  "certificate-not-trusted": "certificate not trusted",
  "validation-failure": "TLS negotiation failed",
  "tlsa-invalid": "no TLSA record matched (DANE)",
  "dnssec-invalid": "DNSSEC validation failed (DANE)",
  "dane-required": "DANE required TLS, STARTTLS not offered",
  "sts-policy-fetch-error": "MTA-STS policy could not be fetched",
  "sts-policy-invalid": "MTA-STS policy invalid",
  "sts-webpki-invalid": "MTA-STS policy host's certificate invalid",
};

/** The words for a result type; an unknown one (a later RFC's) as it is written. */
function resultWords(type: string): string {
  return (RESULT_WORDS as Record<string, string>)[type] ?? type;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "s"}`;

/** One line per policy's totals and one per failure detail; strings come from the reporter, so callers print them as text. */
export function reportLines(report: TlsReport): string[] {
  const who = report["organization-name"];
  const lines: string[] = [];
  for (const p of report.policies) {
    const domain = p.policy["policy-domain"];
    const s = p.summary;
    lines.push(`${who} reported ${plural(s["total-successful-session-count"], "successful session")} and ${plural(s["total-failure-session-count"], "failed session")} to ${domain} (policy ${p.policy["policy-type"]})`);
    for (const d of p["failure-details"] ?? []) {
      const to = d["receiving-mx-hostname"] ?? d["receiving-ip"] ?? domain;
      const code = d["failure-reason-code"] !== undefined ? ` (${d["failure-reason-code"]})` : "";
      lines.push(`${who} reported ${plural(d["failed-session-count"], "failed session")} to ${to}: ${resultWords(d["result-type"])}${code}`);
    }
  }
  return lines;
}

/** The report's sessions over all its policies. */
export function reportTotals(report: TlsReport): { successful: number; failed: number } {
  let successful = 0;
  let failed = 0;
  for (const p of report.policies) {
    successful += p.summary["total-successful-session-count"];
    failed += p.summary["total-failure-session-count"];
  }
  return { successful, failed };
}
