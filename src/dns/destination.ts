/**
 * Where mail for a domain goes: the MX hosts in the order RFC 5321 §5.1 prescribes, the implicit
 * MX when there are none, or a definite "no mail here" (RFC 7505 null MX, or no such domain).
 */
import { randomInt } from "node:crypto";
import { DnsError } from "./errors.ts";
import type { Resolver } from "./resolver.ts";

interface DestinationHost {
  /** Host name, lower case, no trailing dot. */
  host: string;
  preference: number;
  /** True for the implicit MX (the domain itself, RFC 5321 §5.1). */
  implicit: boolean;
}

export type Destination =
  | { kind: "hosts"; hosts: DestinationHost[] }
  /** RFC 7505: the domain accepts no mail (a single MX "." with preference 0). */
  | { kind: "null-mx" }
  /** NXDOMAIN, or no MX records and no addresses. */
  | { kind: "not-found" };

interface DestinationOptions {
  /** Returns an integer in [0, n); default crypto.randomInt. Tests pass their own. */
  randomInt?: (n: number) => number;
}

/** Resolves `domain`'s destination; temporary DNS failures throw a DnsError of kind "temporary". */
export async function destinationHosts(domain: string, resolver: Resolver, opts: DestinationOptions = {}): Promise<Destination> {
  const name = normalizeHost(domain);
  let records: Array<{ exchange: string; priority: number }>;
  try {
    records = await resolver.mx(name);
  } catch (err) {
    if (err instanceof DnsError && err.kind === "not-found") return { kind: "not-found" };
    throw err;
  }
  if (records.length === 0) {
    // RFC 5321 §5.1: no MX records, so the domain itself is the implicit MX with preference 0,
    // provided it has an address.
    const addrs = await resolver.addresses(name);
    return addrs.length === 0 ? { kind: "not-found" } : { kind: "hosts", hosts: [{ host: name, preference: 0, implicit: true }] };
  }
  // RFC 7505 §3: a null MX is the root as exchange; node:dns reports it as "" (our Resolver strips a
  // trailing dot, so "." becomes "" too). §4.3 lets domains publish nothing else; if they mix it with
  // real MX records, the real ones are used (as Postfix does), and a set of only null MXs means
  // no mail.
  const real = records.filter((r) => normalizeHost(r.exchange) !== "");
  if (real.length === 0) return { kind: "null-mx" };
  return { kind: "hosts", hosts: orderHosts(real, opts.randomInt ?? randomInt) };
}

/**
 * RFC 5321 §5.1: lower preference first; hosts with equal preference in random order "to spread
 * the load". A host listed twice keeps its most preferred entry.
 */
function orderHosts(records: Array<{ exchange: string; priority: number }>, rand: (n: number) => number): DestinationHost[] {
  const best = new Map<string, number>();
  for (const r of records) {
    const host = normalizeHost(r.exchange);
    const seen = best.get(host);
    if (seen === undefined || r.priority < seen) best.set(host, r.priority);
  }
  const groups = new Map<number, string[]>();
  for (const [host, preference] of best) {
    const group = groups.get(preference);
    if (group === undefined) groups.set(preference, [host]);
    else group.push(host);
  }
  const out: DestinationHost[] = [];
  for (const preference of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(preference) ?? [];
    shuffle(group, rand);
    for (const host of group) out.push({ host, preference, implicit: false });
  }
  return out;
}

/** Fisher–Yates. */
function shuffle<T>(items: T[], rand: (n: number) => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}

/** Lower case, without a trailing dot ("." becomes ""). */
function normalizeHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}
