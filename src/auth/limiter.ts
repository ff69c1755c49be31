/**
 * Sign-in limits that cannot be raced and cannot lock an owner out.
 *
 * Three counters per attempt: the client address, its network (/24, /64: see net/client-key.ts),
 * and the user name *from that address* — so an account under attack is throttled for the
 * attacking addresses only, never for its owner's other addresses (Dovecot's auth penalty and
 * mox's limiter key on the client, not on the account, for the same reason). A user name that
 * signed in from an address lately (KNOWN_FOR_MS) answers there to its own counter only, so a
 * neighbour on the owner's address or network cannot lock the owner out either.
 *
 * A slot is taken before the password is checked: a check in flight counts against every limit
 * like a failure, until it ends as one (it stays counted) or as a success (it is given back). An
 * attempt that finds a counter full of checks still in flight (not of failures) waits in line for
 * one of them to end and asks again — so fifty parallel wrong passwords from one address get
 * exactly as many password checks as the limit, and fifty parallel right ones (an office behind
 * one address, a client opening many connections) all get in. Each check that ends wakes the
 * first in line, not all of them (a burst of n waits costs O(n), not O(n²)); one that is refused
 * on waking passes its turn on; one whose client is gone leaves the line.
 *
 * Each counter covers a fixed window from its first attempt (Postfix's anvil counts the same
 * way). The counters live in maps of bounded size whose least recently used keys give way to new
 * ones — an attacker chooses the keys — and every attempt costs O(1).
 */
import { clientKey } from "../net/index.ts";
import { LruMap } from "./lru.ts";

export interface LimiterSettings {
  /** Failed sign-ins (and checks in flight) from one address within the window. */
  maxFailuresPerIp: number;
  /** The same from one network: an IPv4 /24 or an IPv6 /64. */
  maxFailuresPerNetwork: number;
  /** The same for one user name from one address. */
  maxFailuresPerUser: number;
  windowMs: number;
}

/** Which counter refused an attempt. */
type LimitKind = "user" | "address" | "network";

/**
 * Refused attempts counted together, one row of the login history: those of one user name from one
 * address in one window when that name has been tried from there; else those the refusing counter
 * (the address's or the network's) refused in its window — so an attacker cycling through names
 * adds neither rows nor keys.
 */
interface ThrottleTally {
  /** When the first of them was refused. */
  readonly since: number;
  attempts: number;
}

/** A place in a counter's line, once it was woken. */
interface Turn {
  /** The woken attempt did not take the place (it was refused, or its client is gone): the next in line gets it. */
  passOn(): void;
}

export type Admission =
  | { kind: "admitted"; slot: Slot }
  /**
   * Below every limit in failures, but a counter is full with checks in flight: wait in line, then
   * ask again (`admit` with `retry`). Resolves null if `signal` aborts first (the attempt has left the line).
   */
  | { kind: "wait"; until: (signal?: AbortSignal) => Promise<Turn | null> }
  | {
      kind: "refused";
      limit: LimitKind;
      /** The limit that was reached. */
      max: number;
      /** The address or network it was reached for. */
      from: string;
      tally: ThrottleTally;
    };

/** Largest number of keys each counter keeps: about 250 bytes each, so 3 × 50,000 keys ≈ 35 MB at most. */
const DEFAULT_MAX_KEYS = 50_000;

interface Entry {
  start: number;
  failures: number;
  inFlight: number;
  tally: ThrottleTally | null;
  /** Attempts waiting for one of this counter's checks in flight to end, first in line first. */
  waiters: Array<() => void>;
}

/** Wakes the first attempt in `e`'s line, if any. */
function wakeNext(e: Entry): void {
  e.waiters.shift()?.();
}

/** Joins `e`'s line (at its head when retrying, so a retry keeps its place). */
function line(e: Entry, retry: boolean): (signal?: AbortSignal) => Promise<Turn | null> {
  return (signal) =>
    new Promise((resolve) => {
      if (signal?.aborted === true) return resolve(null);
      const wake = (): void => {
        signal?.removeEventListener("abort", leave);
        resolve({ passOn: () => wakeNext(e) });
      };
      const leave = (): void => {
        const i = e.waiters.indexOf(wake);
        if (i >= 0) e.waiters.splice(i, 1);
        resolve(null);
      };
      if (retry) e.waiters.unshift(wake);
      else e.waiters.push(wake);
      signal?.addEventListener("abort", leave, { once: true });
    });
}

/** Counts per key in fixed windows, for at most `maxKeys` keys (lru.ts). */
class Counters {
  readonly #entries: LruMap<Entry>;

  constructor(maxKeys: number) {
    this.#entries = new LruMap(maxKeys);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The key's entry in its current window, now among the recently used; undefined if it has none. */
  find(key: string, now: number, windowMs: number): Entry | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    // A window ends on the first look after it; an entry that holds nothing starts a new one.
    if (now - e.start >= windowMs || (e.failures === 0 && e.inFlight === 0 && e.tally === null)) {
      e.start = now;
      e.failures = 0;
      e.tally = null;
    }
    return e;
  }

  /** The key's entry, created if it has none. */
  obtain(key: string, now: number, windowMs: number): Entry {
    const found = this.find(key, now, windowMs);
    if (found !== undefined) return found;
    const e: Entry = { start: now, failures: 0, inFlight: 0, tally: null, waiters: [] };
    this.#entries.set(key, e);
    return e;
  }
}

/** A reserved password check; ends exactly once: as a failure, a success, or released uncounted. */
export class Slot {
  readonly #user: Entry;
  readonly #others: readonly Entry[];
  readonly #onSuccess: () => void;
  #open = true;

  /** `user` is the user name's entry; `others` the address's and the network's. */
  constructor(user: Entry, others: readonly Entry[], onSuccess: () => void) {
    this.#user = user;
    this.#others = others;
    this.#onSuccess = onSuccess;
  }

  /** The check failed: the slot stays taken, as a failure, until its window ends. */
  fail(): void {
    if (this.#end()) for (const e of [this.#user, ...this.#others]) e.failures++;
  }

  /** The check succeeded: the slot is given back, and the user name starts afresh at this address. */
  succeed(): void {
    if (!this.#end()) return;
    this.#user.failures = 0;
    this.#onSuccess();
  }

  /** No check took place (an internal error): the slot is given back uncounted. */
  release(): void {
    this.#end();
  }

  /** Gives the slot back (waking the first attempt in each of its counters' lines); false if it had ended already. */
  #end(): boolean {
    if (!this.#open) return false;
    this.#open = false;
    for (const e of [this.#user, ...this.#others]) {
      e.inFlight = Math.max(0, e.inFlight - 1);
      wakeNext(e);
    }
    return true;
  }
}

/**
 * How long a user name that signed in from an address stays known there: its sign-ins from that
 * address are held to the per-user limit only, not to the address's and the network's — so an
 * attacker sharing the owner's address or network (a carrier NAT, a campus, a cloud /24) cannot
 * lock the owner out of an address the owner has used this month.
 */
export const KNOWN_FOR_MS = 30 * 86_400_000;

/** The user-name counter's key: the typed name (not the account it may resolve to: an unknown name counts like a known one) at an address. */
const userKeyOf = (user: string, address: string): string => `${user.trim().toLowerCase().slice(0, 255)}\n${address}`;

export class LoginLimiter {
  readonly #users: Counters;
  readonly #addresses: Counters;
  readonly #networks: Counters;
  /** When each user name last signed in from each address (the key as for #users). */
  readonly #known: LruMap<number>;

  constructor(maxKeys = DEFAULT_MAX_KEYS) {
    this.#users = new Counters(maxKeys);
    this.#addresses = new Counters(maxKeys);
    this.#networks = new Counters(maxKeys);
    this.#known = new LruMap(maxKeys);
  }

  /** Keys held per counter (user name at address, address, network) and of known sign-ins: for tests and metrics. */
  get sizes(): { users: number; addresses: number; networks: number; known: number } {
    return { users: this.#users.size, addresses: this.#addresses.size, networks: this.#networks.size, known: this.#known.size };
  }

  /**
   * Takes a slot for one password check of `user` from `ip`, or refuses the attempt, or puts it in
   * line. Synchronous: nothing can slip in between the look at the counts and the reservation.
   * `retry`: the attempt was woken from a line, and keeps its place at the head if it must wait again.
   */
  admit(user: string, ip: string, s: LimiterSettings, now: number, retry = false): Admission {
    const { address, network } = clientKey(ip);
    const userKey = userKeyOf(user, address);
    const w = s.windowMs;
    const byUser = this.#users.find(userKey, now, w);
    const byAddress = this.#addresses.find(address, now, w);
    const byNetwork = this.#networks.find(network, now, w);
    // A name known at this address answers to its own limit only (KNOWN_FOR_MS).
    const known = now - (this.#known.get(userKey) ?? -Infinity) < KNOWN_FOR_MS;
    const sharedAddress = known ? undefined : byAddress;
    const sharedNetwork = known ? undefined : byNetwork;
    const failed = (e: Entry | undefined, max: number): e is Entry => e !== undefined && e.failures >= max;
    const refusal = failed(byUser, s.maxFailuresPerUser)
      ? { limit: "user" as const, max: s.maxFailuresPerUser, from: address, counter: byUser }
      : failed(sharedAddress, s.maxFailuresPerIp)
        ? { limit: "address" as const, max: s.maxFailuresPerIp, from: address, counter: sharedAddress }
        : failed(sharedNetwork, s.maxFailuresPerNetwork)
          ? { limit: "network" as const, max: s.maxFailuresPerNetwork, from: network, counter: sharedNetwork }
          : null;
    if (refusal !== null) {
      const { counter, ...which } = refusal;
      const holder = byUser ?? counter;
      holder.tally ??= { since: now, attempts: 0 };
      holder.tally.attempts++;
      return { kind: "refused", ...which, tally: holder.tally };
    }
    // Full only with checks in flight: whether this attempt may have a check depends on how they end.
    const full = (e: Entry | undefined, max: number): e is Entry => e !== undefined && e.failures + e.inFlight >= max;
    const blocking = full(byUser, s.maxFailuresPerUser) ? byUser : full(sharedAddress, s.maxFailuresPerIp) ? sharedAddress : full(sharedNetwork, s.maxFailuresPerNetwork) ? sharedNetwork : null;
    if (blocking !== null) return { kind: "wait", until: line(blocking, retry) };
    const forUser = byUser ?? this.#users.obtain(userKey, now, w);
    const others = [byAddress ?? this.#addresses.obtain(address, now, w), byNetwork ?? this.#networks.obtain(network, now, w)];
    for (const e of [forUser, ...others]) e.inFlight++;
    return { kind: "admitted", slot: new Slot(forUser, others, () => this.#known.set(userKey, now)) };
  }

  /**
   * Another node's password check of `user` from `ip` failed (src/auth/gate.ts hears it): it
   * counts here as a failure too, so a client that spreads its guesses over the nodes meets one set
   * of limits. It was never in flight here; failures only grow, so no one in line is woken.
   */
  failedElsewhere(user: string, ip: string, s: LimiterSettings, now: number): void {
    const { address, network } = clientKey(ip);
    this.#users.obtain(userKeyOf(user, address), now, s.windowMs).failures++;
    this.#addresses.obtain(address, now, s.windowMs).failures++;
    this.#networks.obtain(network, now, s.windowMs).failures++;
  }

  /** Another node's check of `user` from `ip` succeeded: the name starts afresh at that address, and is known there. */
  succeededElsewhere(user: string, ip: string, s: LimiterSettings, now: number): void {
    const userKey = userKeyOf(user, clientKey(ip).address);
    const e = this.#users.find(userKey, now, s.windowMs);
    if (e !== undefined) e.failures = 0;
    this.#known.set(userKey, now);
  }

  /**
   * `admit`, waiting in line while checks in flight fill a counter: a slot or a refusal, or null
   * if `signal` aborted first (the attempt's session has ended; it has left the line).
   */
  async enter(user: string, ip: string, s: LimiterSettings, signal?: AbortSignal): Promise<Exclude<Admission, { kind: "wait" }> | null> {
    let a = this.admit(user, ip, s, Date.now());
    while (a.kind === "wait") {
      const turn = await a.until(signal);
      if (turn === null) return null;
      if (signal?.aborted === true) {
        turn.passOn();
        return null;
      }
      a = this.admit(user, ip, s, Date.now(), true);
      if (a.kind === "refused") turn.passOn();
    }
    return a;
  }
}
