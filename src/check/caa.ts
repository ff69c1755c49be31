/**
 * CAA records (RFC 8659) of an MX host name: which CAs may issue certificates for it. The
 * relevant record set is the host's own, else that of its closest ancestor that has one (RFC 8659
 * §3, tree climbing); all the names are asked at once and the nearest answer wins.
 */
import { queryDns, type DnsServerAddress } from "../dns/index.ts";

export interface CaaResult {
  /** The name whose CAA records apply: the host or its closest ancestor with some; null when none has any. */
  name: string | null;
  /** The records in presentation form (`0 issue "letsencrypt.org"`). */
  records: string[];
  /** Why the lookup failed (a timeout, SERVFAIL), else null. */
  error: string | null;
}

/** The host and each ancestor below the root: mx.example.net, example.net, net. */
function climb(host: string): string[] {
  const labels = host.replace(/\.$/, "").split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

export async function lookupCaa(host: string, server: DnsServerAddress, timeoutMs: number): Promise<CaaResult> {
  const names = climb(host);
  const answers = await Promise.all(
    names.map(async (name) => {
      try {
        return await queryDns(name, "CAA", server, timeoutMs);
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    }),
  );
  for (const [i, a] of answers.entries()) {
    const name = names[i] ?? host;
    if (a instanceof Error) return { name: null, records: [], error: `CAA lookup for ${name} failed: ${a.message}` };
    // RFC 8659 §3: a failed lookup (other than "no such name") must not be taken as "no records".
    if (a.rcode !== "NOERROR" && a.rcode !== "NXDOMAIN") return { name: null, records: [], error: `CAA lookup for ${name} answered ${a.rcode}` };
    const records = a.answers.flatMap((r) => (r.type === "CAA" ? [`${r.data.flags} ${r.data.tag} "${r.data.value}"`] : []));
    if (records.length > 0) return { name, records, error: null };
  }
  return { name: null, records: [], error: null };
}
