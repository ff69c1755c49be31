/** Problems and durations in one line: `queue list`, `queue log`, the tls-report's outbound section, the log. */
import type { DeliveryProblem } from "../bounce/index.ts";

/** "5 days", "1 hour", "30 seconds": the queue lifetime in a DSN. */
export function humanDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

/**
 * A one-line summary of a problem for `queue list` (the DSN explains it fully). Words, not the
 * kind's name: the tls-report prints the kind before it ("dns ×2: …"), and the line must not
 * say it twice.
 */
export function problemLine(p: DeliveryProblem): string {
  switch (p.kind) {
    case "rejected":
      return p.reply;
    case "tls-version":
      return `${p.host} offered only ${p.offered}`;
    case "certificate":
      return `${p.host}: certificate ${p.problem}: ${p.detail}`;
    case "expired":
      return `expired after ${p.lifetime}${p.last !== null ? `; last: ${problemLine(p.last)}` : ""}`;
    case "operator":
      return "returned by the operator";
    case "null-mx":
      return `${p.domain} accepts no mail (null MX, RFC 7505)`;
    case "no-such-domain":
      return `${p.domain} does not exist or has no MX or address records`;
    case "dns":
      // The resolver's message names the domain already: "DNS MX lookup for x.test failed: ESERVFAIL".
      return p.detail.includes(p.domain) ? p.detail : `${p.domain}: ${p.detail}`;
    case "mta-sts-mismatch":
      return `${p.host} is not allowed by the MTA-STS policy (${p.patterns.join(", ")})`;
    case "dane-lookup":
      return `${p.host}: DANE: ${p.detail}; not tried`;
    case "requiretls":
      return requireTlsLine(p);
    case "no-starttls":
      return `${p.host} does not offer STARTTLS`;
    case "weak-cipher":
      return `${p.host} would only use ${p.cipher} (${p.weakness})`;
    case "connect":
    case "protocol":
    case "tls-handshake":
      return `${p.host}: ${p.detail}`;
  }
}

/** RFC 8689 §4.2.1: why a REQUIRETLS message did not go to the host. */
function requireTlsLine(p: Extract<DeliveryProblem, { kind: "requiretls" }>): string {
  switch (p.reason) {
    case "mx-unauthenticated":
      return `REQUIRETLS: ${p.host} is named by MX records that are neither DNSSEC-signed nor in an MTA-STS policy`;
    case "not-offered":
      return `REQUIRETLS: ${p.host} does not offer REQUIRETLS`;
    case "tls":
      return `REQUIRETLS: ${p.tls === null ? `${p.host}: no verified TLS` : problemLine(p.tls)}`;
  }
}
