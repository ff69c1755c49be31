/**
 * Whether DANE applies to a delivery and how (RFC 7672 §2.2), from the answers of validating
 * resolvers the caller trusts (RFC 7672 §2.1.1: loopback, see dns's `trustsAd`): the destination's
 * MX RRset must be secure (§2.2.1); then, per MX host, its address records (§2.2.2) and its TLSA
 * RRset at _PORT._tcp.HOST (§2.2.3, RFC 6698 §3). Secure usable records make TLS mandatory with the
 * certificate authenticated by them; secure records that are all unusable make TLS mandatory
 * without authentication; a lookup that fails (a validating resolver says SERVFAIL for bogus data)
 * means the host is not tried; anything insecure means DANE does not apply.
 */
import { DnsError, queryDns, type DnsServerAddress } from "../dns/index.ts";
import { usableTlsa, type TlsaRecord } from "./tlsa.ts";

interface TlsaLookup {
  /** The resolver set AD: it validated the answer with DNSSEC. */
  authenticated: boolean;
  records: TlsaRecord[];
  /** "NOERROR", "NXDOMAIN", "SERVFAIL" … */
  rcode: string;
}

/** Asks `server` for the TLSA records of `name`; throws on a timeout or a network error. */
export async function queryTlsa(name: string, server: DnsServerAddress, timeoutMs: number): Promise<TlsaLookup> {
  const reply = await queryDns(name, "TLSA", server, timeoutMs);
  const records: TlsaRecord[] = [];
  for (const a of reply.answers) {
    if (a.type !== "TLSA") continue;
    records.push({ usage: a.data.usage, selector: a.data.selector, matchingType: a.data.matchingType, data: a.data.certificate.toString("hex") });
  }
  return { authenticated: reply.authenticated, records, rcode: reply.rcode };
}

/** What DANE makes of one MX host. */
export type HostDane =
  /** DANE does not apply (an insecure name, no TLSA records): the usual policy. */
  | { kind: "none" }
  /** Secure TLSA records, some usable: TLS, and the certificate must match one of `records` (the usable ones). */
  | { kind: "authenticate"; name: string; records: TlsaRecord[] }
  /** Secure TLSA records, none usable: TLS without authentication (RFC 7672 §2.2). */
  | { kind: "encrypt"; name: string }
  /** A lookup failed: the host must not be tried (RFC 7672 §2.2). */
  | { kind: "unavailable"; name: string; detail: string };

/** The answers that say something: a name's records or their absence. */
const ANSWERED = new Set(["NOERROR", "NXDOMAIN"]);

interface Answer {
  rcode: string;
  authenticated: boolean;
}

/** A lookup's answer, or why there is none. */
function settle<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
}

/** An answer that says something: the name's records, or that there are none. */
function answered<T extends Answer>(r: T | Error): r is T {
  return !(r instanceof Error) && ANSWERED.has(r.rcode);
}

/** "failed: timed out …", "answered SERVFAIL". */
function failure(r: Answer | Error): string {
  return r instanceof Error ? `failed: ${r.message}` : `answered ${r.rcode}`;
}

/** Raw lookups with the AD bit, to the first of `servers` that answers. */
export class DaneLookup {
  readonly #servers: readonly DnsServerAddress[];
  readonly #timeoutMs: number;

  /** `servers`: validating resolvers whose AD bit can be trusted (the caller checks); at least one. */
  constructor(servers: readonly DnsServerAddress[], timeoutMs: number) {
    if (servers.length === 0) throw new RangeError("DANE needs a resolver");
    this.#servers = servers;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * RFC 7672 §2.2.1: whether the domain's MX RRset (or, for an implicit MX, the denial that it has
   * one) is DNSSEC-validated. Throws a temporary DnsError when no resolver answers or one answers
   * SERVFAIL (bogus): the message waits.
   */
  async mxSecure(domain: string): Promise<boolean> {
    const r = await this.#ask(domain, "MX");
    if (!ANSWERED.has(r.rcode)) throw new DnsError("temporary", domain, "MX", r.rcode, `DNSSEC-validated MX lookup for ${domain} answered ${r.rcode}`);
    return r.rcode === "NOERROR" && r.authenticated;
  }

  /** RFC 7672 §2.2.2 and §2.2.3 for one MX host of a domain whose MX RRset is secure; `port`: the SMTP port used. */
  async host(host: string, port: number): Promise<HostDane> {
    const name = `_${port}._tcp.${host}`;
    // The three at once; the TLSA answer counts only when the addresses are secure.
    const [a, aaaa, tlsa] = await Promise.all([settle(this.#ask(host, "A")), settle(this.#ask(host, "AAAA")), settle(this.#tlsa(name))]);
    // An insecure answer for either family: the host's zone is not signed, DANE does not apply.
    if ([a, aaaa].some((r) => answered(r) && !r.authenticated)) return { kind: "none" };
    for (const [type, r] of [["A", a], ["AAAA", aaaa]] as const) {
      if (!answered(r)) return { kind: "unavailable", name, detail: `the ${type} lookup of ${host} ${failure(r)}` };
    }
    if (!answered(tlsa)) return { kind: "unavailable", name, detail: `the TLSA lookup of ${name} ${failure(tlsa)}` };
    if (!tlsa.authenticated || tlsa.records.length === 0) return { kind: "none" };
    const usable = tlsa.records.filter(usableTlsa);
    return usable.length > 0 ? { kind: "authenticate", name, records: usable } : { kind: "encrypt", name };
  }

  async #ask(name: string, type: "MX" | "A" | "AAAA"): Promise<Answer> {
    return this.#first((server) => queryDns(name, type, server, this.#timeoutMs));
  }

  #tlsa(name: string): Promise<TlsaLookup> {
    return this.#first((server) => queryTlsa(name, server, this.#timeoutMs));
  }

  /** The first server's answer; the next server when one does not answer at all. */
  async #first<T>(ask: (server: DnsServerAddress) => Promise<T>): Promise<T> {
    let last: unknown = null;
    for (const server of this.#servers) {
      try {
        return await ask(server);
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new Error("no resolver answered");
  }
}
