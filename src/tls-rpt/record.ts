/**
 * The TLS-RPT record (RFC 8460 §3): `_smtp._tls.DOMAIN` TXT "v=TLSRPTv1; rua=mailto:a@b,https://c/d".
 * Exactly one record starting with "v=TLSRPTv1" must be there (§3: more than one means none);
 * the rua URIs are mailto: and https: only (§3), others are ignored.
 */

interface ReportDestination {
  kind: "mailto" | "https";
  /** The address (mailto, percent-decoded) or the whole URL (https). */
  target: string;
}

/** The name of a domain's TLS-RPT record (§3). */
export function tlsRptName(domain: string): string {
  return `_smtp._tls.${domain}`;
}

/** The destinations of the one TLS-RPT record among `txt`, or null when there is none, several, or no usable rua. */
export function reportDestinations(txt: readonly string[]): ReportDestination[] | null {
  // §3: "v=TLSRPTv1" first; records not starting so are not TLS-RPT records.
  const records = txt.filter((t) => /^v=TLSRPTv1\s*(;|$)/.test(t.trim()));
  const only = records[0];
  if (only === undefined || records.length > 1) return null;
  const fields = new Map<string, string>();
  for (const part of only.split(";").slice(1)) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    // §3: a field that appears twice makes the record invalid.
    if (fields.has(key)) return null;
    fields.set(key, part.slice(eq + 1).trim());
  }
  const rua = fields.get("rua");
  if (rua === undefined) return null;
  const found: ReportDestination[] = [];
  for (const uri of rua.split(",").map((u) => u.trim())) {
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
