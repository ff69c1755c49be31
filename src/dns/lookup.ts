/**
 * node:dns's `resolve(name, rrtype)` over the configured resolvers, for libraries that take a
 * function of that shape (mailauth's SPF, DKIM, DMARC and ARC lookups): answers as node:dns gives
 * them, failures as node:dns's errors with their `code` (ENOTFOUND, ENODATA, ETIMEOUT, ESERVFAIL…),
 * which is what such libraries read. Never the system's servers when servers are configured.
 *
 * Each lookup is bounded by c-ares' timeout and tries; a `signal` bounds a whole group of lookups by
 * one deadline: once it is aborted, a lookup in flight and every later one fail at once with
 * ETIMEOUT (a temporary failure, RFC 7208 §2.6.6 temperror), instead of waiting for the server.
 */
import { DnsError } from "./errors.ts";
import { nodeResolver, type ResolverOptions } from "./resolver.ts";

/** One question: resolves with node:dns's answer for `rrtype`, or rejects with its error (or ETIMEOUT past `signal`). */
export type Lookup = (name: string, rrtype: string, signal?: AbortSignal) => Promise<unknown>;

const pastDeadline = (name: string, rrtype: string): DnsError => new DnsError("temporary", name, rrtype, "ETIMEOUT", `DNS ${rrtype} lookup for ${name}: deadline passed`);

export function createLookup(opts: ResolverOptions = {}): Lookup {
  const r = nodeResolver(opts);
  return (name, rrtype, signal) => {
    if (signal?.aborted === true) return Promise.reject(pastDeadline(name, rrtype));
    const answer: Promise<unknown> = r.resolve(name, rrtype);
    if (signal === undefined) return answer;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(pastDeadline(name, rrtype));
      signal.addEventListener("abort", onAbort, { once: true });
      // The question itself runs on to its own timeout; its answer is then dropped.
      answer.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  };
}
