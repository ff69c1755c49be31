/**
 * A few seconds' memory of a rendered part of a page, per account: a person who reloads their
 * account page, or several browsers of one account, cost one set of queries per interval, not
 * one per request. Bounded (least recently stored goes first); an account's entries can be dropped
 * at once (its own sign-in shows on the next page at once).
 */
export class ViewCache<V> {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, { accountId: number; at: number; value: V }>();

  constructor(opts: { ttlMs: number; max: number }) {
    this.#ttlMs = opts.ttlMs;
    this.#max = opts.max;
  }

  /** The value stored for `key` less than the TTL ago, else `make()`'s, stored. */
  async get(accountId: number, key: string, make: () => Promise<V>, now = Date.now()): Promise<V> {
    const full = `${accountId}|${key}`;
    const hit = this.#entries.get(full);
    if (hit !== undefined && now - hit.at < this.#ttlMs) return hit.value;
    const value = await make();
    this.#entries.delete(full);
    this.#entries.set(full, { accountId, at: now, value });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return value;
  }

  forget(accountId: number): void {
    for (const [k, e] of this.#entries) if (e.accountId === accountId) this.#entries.delete(k);
  }
}
