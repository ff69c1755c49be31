/**
 * Matching a certificate's names against the names we accept (RFC 6125 §6, RFC 8461 §4.1).
 *
 * Presented identifiers are the subjectAltName dNSNames, or the subject CN only when there is no
 * dNSName (RFC 6125 §6.4.4). A presented wildcard is valid only as the whole leftmost label
 * ("*.example.net", never "f*.example.net" or "a.*.example.net") over at least two labels, and it
 * matches exactly one label (§6.4.3). Reference identifiers are host names or MTA-STS patterns:
 * "*.example.net" matches a host with exactly one more leftmost label (RFC 8461 §4.1), and a
 * presented wildcard equal to that pattern. Comparison is case-insensitive (ASCII; IDNs are
 * compared as A-labels) and ignores one trailing dot. IP references match iPAddress entries only.
 */
import { isIP } from "node:net";

export interface PresentedNames {
  dns: readonly string[];
  ips: readonly string[];
  cn: string | null;
}

interface NameMatch {
  /** The certificate's name that matched. */
  presented: string;
  /** The accepted name or pattern it matched. */
  reference: string;
}

function normalise(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** True for a well-formed dotted name with no empty label ("*" allowed as the leftmost label). */
function wellFormed(name: string, allowWildcard: boolean): boolean {
  if (name === "" || name.length > 253) return false;
  const labels = name.split(".");
  return labels.every((l, i) => {
    if (l === "") return false;
    if (l === "*") return allowWildcard && i === 0 && labels.length >= 3;
    return !l.includes("*");
  });
}

/** One presented DNS identifier against one reference (host name or "*." pattern). */
export function nameMatches(presentedRaw: string, referenceRaw: string): boolean {
  const presented = normalise(presentedRaw);
  const reference = normalise(referenceRaw);
  if (!wellFormed(presented, true) || !wellFormed(reference, true)) return false;
  const pWild = presented.startsWith("*.");
  const rWild = reference.startsWith("*.");
  if (pWild && rWild) return presented === reference;
  if (pWild) return parentOf(reference) === presented.slice(2);
  if (rWild) return parentOf(presented) === reference.slice(2);
  return presented === reference;
}

/** The name without its leftmost label; null for a single label. */
function parentOf(name: string): string | null {
  const dot = name.indexOf(".");
  return dot > 0 ? name.slice(dot + 1) : null;
}

function canonicalIp(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, "");
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1).toLowerCase();
  return bare;
}

/** The DNS identifiers we compare: dNSNames, or the CN when there are none. */
export function identifiersOf(names: PresentedNames): string[] {
  if (names.dns.length > 0) return [...names.dns];
  return names.cn !== null ? [names.cn] : [];
}

/** The first (reference order) accepted name the certificate covers, or null. */
export function findNameMatch(names: PresentedNames, references: readonly string[]): NameMatch | null {
  const ids = identifiersOf(names);
  for (const reference of references) {
    const ref = reference.trim();
    if (isIP(ref.replace(/^\[|\]$/g, "")) !== 0) {
      const want = canonicalIp(ref);
      const hit = names.ips.find((ip) => isIP(ip) !== 0 && canonicalIp(ip) === want);
      if (hit !== undefined) return { presented: hit, reference };
      continue;
    }
    const hit = ids.find((id) => nameMatches(id, ref));
    if (hit !== undefined) return { presented: hit, reference };
  }
  return null;
}
