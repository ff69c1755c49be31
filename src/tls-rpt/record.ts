/**
 * The TLS-RPT record (RFC 8460 §3): `_smtp._tls.DOMAIN` TXT "v=TLSRPTv1; rua=mailto:a@b,https://c/d".
 * One reading for the checker (which names what is wrong) and for our reports (which go to the
 * usable destinations): of the TXT records, those not starting with "v=TLSRPTv1" are discarded;
 * unless exactly one remains, there is no reporting.
 */

/** What a domain's TXT records say about TLS reporting. */
export interface TlsRptResult {
  /** The `v=TLSRPTv1` TXT records at `_smtp._tls.DOMAIN`. */
  records: string[];
  /** Where reports go (the rua URIs as written), from the one record. */
  rua: string[];
  error: string | null;
}

interface ReportDestination {
  kind: "mailto" | "https";
  /** The address (mailto, percent-decoded) or the whole URL (https). */
  target: string;
}

/** The name of a domain's TLS-RPT record (§3). */
export function tlsRptName(domain: string): string {
  return `_smtp._tls.${domain}`;
}

/** §3: `v=TLSRPTv1; rua=URI[,URI…]` with mailto: or https: URIs. */
export function parseTlsRpt(txt: readonly string[]): TlsRptResult {
  const records = txt.filter((r) => /^v=TLSRPTv1[ \t]*(;|$)/.test(r));
  if (records.length === 0) return { records, rua: [], error: null };
  if (records.length > 1) return { records, rua: [], error: `${records.length} TLSRPTv1 records (exactly one is allowed)` };
  const fields = (records[0] ?? "").split(/[ \t]*;[ \t]*/).slice(1).filter((f) => f !== "");
  const ruas = fields.filter((f) => f.toLowerCase().startsWith("rua="));
  if (ruas.length === 0) return { records, rua: [], error: "no rua= field" };
  // A field given twice leaves it open which is meant: no reporting rather than a guess.
  if (ruas.length > 1) return { records, rua: [], error: "rua= given more than once" };
  const uris = (ruas[0] ?? "").slice(4).split(/[ \t]*,[ \t]*/).filter((u) => u !== "");
  const bad = uris.find((u) => !/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/i.test(u));
  if (uris.length === 0) return { records, rua: [], error: "rua= is empty" };
  if (bad !== undefined) return { records, rua: uris, error: `rua URI ${JSON.stringify(bad)} is neither mailto: nor https:` };
  return { records, rua: uris, error: null };
}

/** The usable destinations of the one TLS-RPT record among `txt`, or null when there is none (others are skipped). */
export function reportDestinations(txt: readonly string[]): ReportDestination[] | null {
  const found: ReportDestination[] = [];
  for (const uri of parseTlsRpt(txt).rua) {
    const lower = uri.toLowerCase();
    if (lower.startsWith("mailto:")) {
      let address: string;
      try {
        address = decodeURIComponent(uri.slice("mailto:".length));
      } catch {
        continue;
      }
      if (/^[^\s@<>]+@[^\s@<>]+$/.test(address)) found.push({ kind: "mailto", target: address });
    } else if (lower.startsWith("https://")) {
      try {
        found.push({ kind: "https", target: new URL(uri).href });
      } catch {
        continue;
      }
    }
  }
  return found.length > 0 ? found : null;
}
