/**
 * Policy discovery with a cache (RFC 8461 §3, §5.1): the TXT record says whether a policy exists
 * and which version (id) is current; the policy is fetched only when the cached one is missing,
 * expired (max_age) or has another id. The cache stands in when the TXT record disappears or a
 * refresh fails, until its max_age runs out; without it, failures mean "no policy" (§3.3, §5).
 */
import { fetchPolicy } from "./fetch.ts";
import { selectTxtRecord } from "./txt.ts";
import type { FetchOptions, MtaStsPolicy, PolicyLookup, PolicyStore } from "./types.ts";

export class MtaStsCache {
  readonly #store: PolicyStore;
  readonly #opts: FetchOptions;
  readonly #now: () => number;
  /** Concurrent lookups of one domain share one discovery. */
  readonly #inFlight = new Map<string, Promise<PolicyLookup>>();

  constructor(store: PolicyStore, opts: FetchOptions) {
    this.#store = store;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The policy to apply to mail for `domain` (the recipient domain, not an MX host). */
  lookup(domain: string): Promise<PolicyLookup> {
    const name = domain.toLowerCase().replace(/\.$/, "");
    const pending = this.#inFlight.get(name);
    if (pending !== undefined) return pending;
    const p = this.#discover(name).finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, p);
    return p;
  }

  async #discover(domain: string): Promise<PolicyLookup> {
    const errors: string[] = [];
    const cached = await this.#loadValid(domain, errors);
    const fallback = (error: string | null): PolicyLookup =>
      cached === null ? { policy: null, source: "none", error } : { policy: cached, source: "cache", error };

    let records: string[];
    try {
      records = await this.#opts.resolver.txt(`_mta-sts.${domain}`);
    } catch (err) {
      errors.push(`TXT _mta-sts.${domain}: ${err instanceof Error ? err.message : String(err)}`);
      return fallback(errors.join("; "));
    }
    const txt = selectTxtRecord(records);
    // §5.1: a cached, unexpired policy stays in force when the TXT record is gone or invalid.
    if (txt === null) return fallback(errors.length === 0 ? null : errors.join("; "));
    if ("error" in txt) {
      errors.push(txt.error);
      return fallback(errors.join("; "));
    }
    // §5.1: the same id means the cached policy is current; no fetch.
    if (cached !== null && cached.id === txt.id) return { policy: cached, source: "cache", error: errors.length === 0 ? null : errors.join("; ") };

    const fetched = await fetchPolicy(domain, this.#opts);
    if (!fetched.ok) {
      errors.push(fetched.error);
      return fallback(errors.join("; "));
    }
    const policy: MtaStsPolicy = { id: txt.id, ...fetched.policy, fetchedAt: this.#now() };
    try {
      await this.#store.save(domain, policy);
    } catch (err) {
      errors.push(`saving the policy: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { policy, source: "fetched", error: errors.length === 0 ? null : errors.join("; ") };
  }

  /** The stored policy if it is still within its max_age, else null; a store failure counts as none. */
  async #loadValid(domain: string, errors: string[]): Promise<MtaStsPolicy | null> {
    let stored: MtaStsPolicy | null;
    try {
      stored = await this.#store.load(domain);
    } catch (err) {
      errors.push(`loading the cached policy: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
    if (stored === null) return null;
    return this.#now() < stored.fetchedAt + stored.maxAge * 1000 ? stored : null;
  }
}

/** A PolicyStore in memory (tests, and a server without a database). */
export function memoryPolicyStore(): PolicyStore {
  const policies = new Map<string, MtaStsPolicy>();
  return {
    async load(domain: string): Promise<MtaStsPolicy | null> {
      const p = policies.get(domain);
      return p === undefined ? null : { ...p, mx: [...p.mx] };
    },
    async save(domain: string, policy: MtaStsPolicy): Promise<void> {
      policies.set(domain, { ...policy, mx: [...policy.mx] });
    },
  };
}
