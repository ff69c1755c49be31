/**
 * The checker page's bookkeeping, in this process's memory: how many checks each account started
 * in the last hour (a sliding window), which accounts have one running (at most one each, and a
 * few at once in all), and the finished reports, kept for a short time for their account alone.
 * Per process: with several worker processes each would count and keep on its own (DESIGN.md's
 * process model moves such limits to one place when it comes to that).
 */
import { randomBytes } from "node:crypto";
import type { CheckReport, MxReport } from "../check/index.ts";

export type KeptReport = { kind: "target"; report: CheckReport } | { kind: "mx"; report: MxReport };

/** Why a check may not start now. */
export type Refusal = "running" | "rate-limited" | "busy";

interface DeskOptions {
  /** Checks one account may start per hour (read at every start: the config can change). */
  perHour: () => number;
  /** Checks running at once over all accounts. */
  maxRunning?: number;
  /** How long a report is kept, ms. */
  keepMs?: number;
  /** Reports kept per account (the oldest goes first). */
  keepPerAccount?: number;
  /** Reports kept in all. */
  keepTotal?: number;
  now?: () => number;
}

const HOUR_MS = 3_600_000;
/** A report id: 18 random bytes, base64url. */
const ID_SHAPE = /^[A-Za-z0-9_-]{24}$/;

interface Kept {
  accountId: number;
  at: number;
  kept: KeptReport;
}

export class CheckDesk {
  readonly #opts: Required<Omit<DeskOptions, "perHour" | "now">>;
  readonly #perHour: () => number;
  readonly #now: () => number;
  /** Start times within the last hour, oldest first, per account. */
  readonly #starts = new Map<number, number[]>();
  readonly #running = new Set<number>();
  /** In insertion order, which is age order. */
  readonly #reports = new Map<string, Kept>();

  constructor(opts: DeskOptions) {
    this.#perHour = opts.perHour;
    this.#now = opts.now ?? Date.now;
    this.#opts = { maxRunning: opts.maxRunning ?? 4, keepMs: opts.keepMs ?? 30 * 60_000, keepPerAccount: opts.keepPerAccount ?? 5, keepTotal: opts.keepTotal ?? 500 };
  }

  /**
   * Takes a slot for a check of `accountId`: the release function (call it when the check ends),
   * or why not. Every start counts against the hour, a refused address too: each one costs DNS
   * look-ups, and uncounted refusals would let anyone map which names point inside.
   */
  start(accountId: number): (() => void) | Refusal {
    if (this.#running.has(accountId)) return "running";
    const now = this.#now();
    const starts = (this.#starts.get(accountId) ?? []).filter((t) => t > now - HOUR_MS);
    if (starts.length >= this.#perHour()) {
      this.#starts.set(accountId, starts);
      return "rate-limited";
    }
    if (this.#running.size >= this.#opts.maxRunning) return "busy";
    starts.push(now);
    this.#starts.set(accountId, starts);
    this.#running.add(accountId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running.delete(accountId);
    };
  }

  /** Seconds until `accountId` may start a check again (for Retry-After). */
  retryAfter(accountId: number): number {
    const oldest = this.#starts.get(accountId)?.[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + HOUR_MS - this.#now()) / 1000));
  }

  /** Keeps a finished report for its account; returns its id. */
  keep(accountId: number, kept: KeptReport): string {
    this.#prune();
    const own = [...this.#reports].filter(([, k]) => k.accountId === accountId);
    for (const [id] of own.slice(0, Math.max(0, own.length - this.#opts.keepPerAccount + 1))) this.#reports.delete(id);
    while (this.#reports.size >= this.#opts.keepTotal) {
      const oldest = this.#reports.keys().next();
      if (oldest.done === true) break;
      this.#reports.delete(oldest.value);
    }
    const id = randomBytes(18).toString("base64url");
    this.#reports.set(id, { accountId, at: this.#now(), kept });
    return id;
  }

  /** The report `id` when it is `accountId`'s and still kept; another account's is as unknown as a made-up id. */
  find(accountId: number, id: string): KeptReport | undefined {
    if (!ID_SHAPE.test(id)) return undefined;
    this.#prune();
    const k = this.#reports.get(id);
    return k !== undefined && k.accountId === accountId ? k.kept : undefined;
  }

  #prune(): void {
    const cutoff = this.#now() - this.#opts.keepMs;
    for (const [id, k] of this.#reports) {
      if (k.at > cutoff) break;
      this.#reports.delete(id);
    }
    // Hour windows of accounts that have not started a check for an hour.
    for (const [account, starts] of this.#starts) if ((starts.at(-1) ?? 0) <= this.#now() - HOUR_MS) this.#starts.delete(account);
  }
}
