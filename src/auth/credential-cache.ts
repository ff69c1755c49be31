/**
 * Recently verified credentials (as Dovecot's auth cache): a sign-in whose password was verified
 * against an account's stored hash a moment ago is not verified again with scrypt, so a client
 * that logs in for every check of its mail costs one indexed row read, not 32 MiB of scrypt.
 *
 * The hash at rest is not weakened: the cache lives only in the process's memory, and nothing
 * in it reveals a password. An entry's key is HMAC-SHA256(a random secret made when the process
 * starts, account id ‖ password); its value is the stored hash the password was verified
 * against, the account's role then, and when it expires. A memory dump holds the keys and the
 * secret, so it lets one test a guessed password quickly (one HMAC instead of one scrypt), but
 * only for the accounts with an entry and only while the process runs; the hashes in the
 * database stay as hard to attack as before.
 *
 * A hit needs the row the sign-in reads anyway (the one indexed read by address): the same
 * stored hash (a password changed by anyone, the CLI in another process included, is a new hash
 * with a new salt), the same role, the account not disabled. Any difference drops the entry, and
 * the sign-in takes the full check. Only successes are entered, so a wrong password still costs
 * the full scrypt, as before.
 */
import { createHmac, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { LruMap } from "./lru.ts";

export interface CredentialCacheSettings {
  /** How long an entry serves sign-ins after its password was verified, ms; 0 turns the cache off. */
  ttlMs: number;
  /** Entries at most; the least recently used give way. */
  maxEntries: number;
}

/** What a sign-in's row read found: what a hit is checked against. */
export interface StoredCredentials {
  id: number;
  password_hash: string;
  role: string;
  disabled: number;
}

interface Entry {
  /** The stored hash the password was verified against. */
  hash: string;
  role: string;
  /** When the entry stops serving, on the `now` clock (ms). */
  expires: number;
}

export class CredentialCache {
  /** The HMAC key: random per process, never written anywhere. */
  readonly #secret = randomBytes(32);
  readonly #settings: () => CredentialCacheSettings;
  /** A monotonic clock (ms): a TTL is a duration, not a calendar decision. */
  readonly #now: () => number;
  #entries: LruMap<Entry>;
  #maxEntries: number;

  constructor(settings: () => CredentialCacheSettings, now: () => number = () => performance.now()) {
    this.#settings = settings;
    this.#now = now;
    this.#maxEntries = settings().maxEntries;
    this.#entries = new LruMap(this.#maxEntries);
  }

  /** Entries held (never more than the size cap). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Whether `password` was verified against this account's current stored hash within the TTL,
   * with the same role and the account enabled. A stale entry is dropped.
   */
  hit(account: StoredCredentials, password: string): boolean {
    if (!this.#enabled()) return false;
    const key = this.#key(account.id, password);
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.expires > this.#now() && entry.hash === account.password_hash && entry.role === account.role && account.disabled === 0) return true;
    this.#entries.delete(key);
    return false;
  }

  /** Enters a password just verified against the account's stored hash (successes only). */
  remember(account: StoredCredentials, password: string): void {
    if (!this.#enabled() || account.disabled !== 0) return;
    this.#entries.set(this.#key(account.id, password), { hash: account.password_hash, role: account.role, expires: this.#now() + this.#settings().ttlMs });
  }

  /** The settings as they are now: a TTL of 0 empties the cache; a new size cap starts a new one. */
  #enabled(): boolean {
    const { ttlMs, maxEntries } = this.#settings();
    if (ttlMs <= 0 || maxEntries <= 0) {
      if (this.#entries.size > 0) this.#entries.clear();
      return false;
    }
    if (maxEntries !== this.#maxEntries) {
      this.#maxEntries = maxEntries;
      this.#entries = new LruMap(maxEntries);
    }
    return true;
  }

  /** HMAC-SHA256(secret, id ":" password): the id is digits, so the split is unambiguous. */
  #key(accountId: number, password: string): string {
    return createHmac("sha256", this.#secret).update(`${accountId}:`).update(password, "utf8").digest("base64");
  }
}
