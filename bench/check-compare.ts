/**
 * For `npm run bench:check`: Sealpost's findings next to testssl.sh's on the same target, item by
 * item, for what testssl.sh's vulnerability scan (and the parts of its server defaults and
 * forward-secrecy sections the issue names) reports. testssl.sh's `--jsonfile` gives one entry per
 * test id with a severity (OK, INFO, LOW, MEDIUM, HIGH, CRITICAL, WARN …); an item counts as
 * flagged by testssl.sh when one of its ids is LOW or worse, and by Sealpost when one of its
 * finding ids is in the report with severity low or worse. Session resumption is no finding in
 * either tool (both say INFO): there the facts are compared.
 */
import type { CheckReport } from "../src/check/index.ts";

export interface TestsslEntry {
  id: string;
  severity: string;
  finding: string;
}

interface Item {
  name: string;
  /** testssl.sh ids (a " <cert#1>" suffix is ignored). */
  testssl: readonly string[];
  /** Sealpost finding ids, or a fact of the report compared with testssl.sh's "supported"/"not supported". */
  ours: readonly string[] | ((r: CheckReport) => boolean | null);
}

const ITEMS: readonly Item[] = [
  { name: "secure renegotiation", testssl: ["secure_renego"], ours: ["renegotiation-insecure"] },
  { name: "client renegotiation", testssl: ["secure_client_renego"], ours: ["client-renegotiation"] },
  { name: "compression (CRIME)", testssl: ["CRIME_TLS"], ours: ["compression"] },
  { name: "Heartbleed", testssl: ["heartbleed"], ours: ["heartbleed"] },
  { name: "fallback SCSV", testssl: ["fallback_SCSV"], ours: ["fallback-scsv-missing", "fallback-scsv-wrong-alert"] },
  { name: "DH group (Logjam)", testssl: ["DH_groups", "LOGJAM", "LOGJAM-common_primes"], ours: ["dh-group-weak"] },
  { name: "ECDHE curves", testssl: ["PFS_ECDHE_curves", "FS_ECDHE_curves"], ours: ["ecdh-curve-weak"] },
  { name: "OCSP stapling", testssl: ["OCSP_stapling"], ours: ["ocsp-stapling-missing", "ocsp-stapled-error", "cert-revoked"] },
  { name: "CRL / OCSP URL", testssl: ["cert_revocation"], ours: ["cert-no-revocation"] },
  { name: "BEAST", testssl: ["BEAST"], ours: ["beast"] },
  { name: "LUCKY13", testssl: ["LUCKY13"], ours: ["lucky13"] },
  { name: "SWEET32", testssl: ["SWEET32"], ours: ["sweet32"] },
  { name: "resumption by ID", testssl: ["sessionresumption_ID"], ours: (r) => r.features?.resumption.ids ?? null },
  { name: "resumption by ticket", testssl: ["sessionresumption_ticket"], ours: (r) => r.features?.resumption.tickets ?? null },
];

const FLAGGED = new Set(["LOW", "MEDIUM", "HIGH", "CRITICAL"]);

export type Agreement = "agree" | "only Sealpost" | "only testssl.sh" | "no answer";

export interface ComparedItem {
  item: string;
  testssl: string;
  sealpost: string;
  agreement: Agreement;
}

/** testssl.sh's --jsonfile (an array of entries); [] when it is not one. */
export function parseTestsslJson(text: string): TestsslEntry[] {
  try {
    const data = JSON.parse(text) as unknown;
    if (!Array.isArray(data)) return [];
    return data.flatMap((e: unknown) => {
      if (typeof e !== "object" || e === null) return [];
      const { id, severity, finding } = e as Record<string, unknown>;
      return typeof id === "string" && typeof severity === "string" ? [{ id: id.replace(/ <.*>$/, ""), severity, finding: typeof finding === "string" ? finding : "" }] : [];
    });
  } catch {
    return [];
  }
}

function clip(s: string, n = 48): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Each item on one line: testssl.sh's verdict, Sealpost's, and whether they agree. */
export function compareFindings(report: CheckReport, testssl: readonly TestsslEntry[]): ComparedItem[] {
  return ITEMS.map((item): ComparedItem => {
    const theirs = testssl.filter((e) => item.testssl.includes(e.id));
    const worst = theirs.find((e) => FLAGGED.has(e.severity)) ?? theirs[0];
    const theirText = worst === undefined ? "(not reported)" : clip(`${worst.severity} ${worst.finding}`);
    if (typeof item.ours === "function") {
      const fact = item.ours(report);
      const ourText = fact === null ? "(not tested)" : fact ? "supported" : "not supported";
      const theirFact = worst === undefined ? null : /^not supported|^no\b|No Session ID/i.test(worst.finding) ? false : /^supported/i.test(worst.finding) ? true : null;
      const agreement: Agreement = fact === null || theirFact === null ? "no answer" : fact === theirFact ? "agree" : fact ? "only Sealpost" : "only testssl.sh";
      return { item: item.name, testssl: theirText, sealpost: ourText, agreement };
    }
    const ids = item.ours;
    const ours = report.findings.filter((f) => ids.includes(f.id) && f.severity !== "info");
    const ourText = ours.length === 0 ? "-" : ours.map((f) => `${f.severity} ${f.id}`).join(", ");
    const theyFlag = theirs.some((e) => FLAGGED.has(e.severity));
    const weFlag = ours.length > 0;
    // Not reported by testssl.sh counts as not flagged: it names some items only when they fail (cert_revocation).
    const agreement: Agreement = theyFlag === weFlag ? "agree" : weFlag ? "only Sealpost" : "only testssl.sh";
    return { item: item.name, testssl: theirText, sealpost: ourText, agreement };
  });
}
