/**
 * A map of at most `maxKeys` keys whose least recently used keys give way to new ones — for keys an
 * attacker chooses. Two generations (the "hashlru" scheme): a key used is (re)entered in the young
 * map; when that holds half the keys, it becomes the old map and the previous old one is dropped
 * whole. So a key survives while it is used, and nothing is ever deleted from a map one by one —
 * V8's Map turns a delete and re-insert of the same key in a large map into a rehash (~0.1 ms at
 * 50,000 keys), which is exactly what a throttled attacker would repeat. Every operation is O(1).
 */
export class LruMap<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  readonly #half: number;

  constructor(maxKeys: number) {
    this.#half = Math.max(1, Math.floor(maxKeys / 2));
  }

  /** Map entries held (a key in both generations counts twice): never more than `maxKeys`. */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** The key's value, now among the recently used; undefined if it has none. */
  get(key: string): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  /** Forgets the key (rare: a stale entry found on use; see the class comment on deletes). */
  delete(key: string): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#young = new Map();
    this.#old = new Map();
  }

  set(key: string, value: V): void {
    this.#young.set(key, value);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}
