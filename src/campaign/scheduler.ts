/**
 * The campaign's scheduler, in the server: every 10 s, at start and whenever the clock jumps, it
 * refreshes the cut-off watch (the legacy listeners read it), then
 *  - on the cut-off's date: ends every legacy grant and marks the cut-off done, in one commit;
 *  - before it, on a notify day (`dueNotifyDay`: the closest reached; a cut-off tomorrow sends one
 *    notice, the 1-day one): sends each affected account that has none its notice for that day.
 * A notice is a delivery like any other (store/deliver.ts: the blob fsynced, then its rows
 * committed, then IDLE sessions told) whose commit also holds its `cutoff_notices` row: the row
 * exists exactly when the message does, so a notice goes out once per account and notify day,
 * across restarts and crashes (a crash before the commit leaves no row and an orphan file for the
 * sweep; the next tick sends it). Work per tick is bounded; a failure is logged and retried.
 * Several nodes on one database each run a scheduler: the commit looks for the row first (write
 * transactions run one at a time, store/postgres.ts), so the node that comes second finds the
 * notice sent and stores nothing — an account gets one notice, not one per node.
 */
import { setImmediate as yieldLoop } from "node:timers/promises";
import type { Clock } from "../clock/index.ts";
import { endLegacyGrants, type Language } from "../directory/index.ts";
import type { Logger } from "../log/index.ts";
import { deliverMessage, type Store } from "../store/index.ts";
import { affectedAccounts, type AffectedAccount } from "./affected.ts";
import { dueNotifyDay, markCutoffDone, type Cutoff, type CutoffWatch } from "./cutoff.ts";
import { buildNotice, type NoticeSettings } from "./notice.ts";

const TICK_MS = 10_000;
/** Notices committed together (they share the group commit's fsync). */
const BATCH = 25;
/** Notices per tick at most; the rest follow in a tick right after. */
const PER_TICK = 500;
/** A notify day whose affected accounts all had their notice is looked at again after this long (new old devices show up). */
const RECHECK_MS = 5 * 60_000;
/**
 * How old the count of affected accounts the status page shows may be. Reading who is affected
 * goes through the whole login history's window (seconds on a large installation, on the event
 * loop): it is done here, on the scheduler's own cadence, never because a visitor asked.
 */
const COUNT_MS = 60 * 60_000;

interface SchedulerOptions {
  store: Store;
  watch: CutoffWatch;
  clock: Clock;
  log: Logger;
  /** Read at each tick (a reload changes them): where mail programs connect, and who writes the notices. */
  settings: () => NoticeSettings;
  /** `[notices] language`. */
  defaultLanguage: () => Language;
  /** `[audit] retention_days`. */
  retentionDays: () => number;
}

interface TickReport {
  ended: boolean;
  sent: number;
  /** Notices another node (another scheduler on the database) had sent first. */
  sentElsewhere: number;
  failed: number;
  /** Affected accounts still without their notice for the due day after this tick. */
  left: number;
}

const asLanguage = (s: string | null, fallback: Language): Language => (s === "en" || s === "de" ? s : fallback);

/** The notice was in the database when this commit looked: another node sent it first. */
class SentElsewhere extends Error {}

export class CutoffScheduler {
  readonly #o: SchedulerOptions;
  #timer: NodeJS.Timeout | null = null;
  #soon: NodeJS.Timeout | null = null;
  #unjump: (() => void) | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  /** "cutoff:day" whose pass found nothing left to send, and when (Date.now): not looked at again for RECHECK_MS. */
  #complete: { key: string; at: number } | null = null;
  /** The accounts the announced cut-off affects, as last read (Date.now), for the status page. */
  #counted: { cutoffId: number; accounts: AffectedAccount[]; at: number } | null = null;

  constructor(opts: SchedulerOptions) {
    this.#o = opts;
  }

  start(): void {
    this.#timer = setInterval(() => this.#kick(), TICK_MS);
    this.#timer.unref();
    this.#unjump = this.#o.clock.onJump(() => {
      this.#complete = null;
      this.#counted = null;
      this.#kick();
    });
    this.#kick();
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#soon !== null) clearTimeout(this.#soon);
    this.#timer = this.#soon = null;
    this.#unjump?.();
    this.#unjump = null;
    this.#again = false;
    await this.#running;
  }

  /** Runs a tick now, or right after the one running. */
  #kick(): void {
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    this.#running = this.tick()
      .then((r) => {
        if (r.left > 0 && r.failed === 0 && this.#timer !== null) this.#soon = setTimeout(() => this.#kick(), 100).unref();
      })
      .catch((e: unknown) => this.#o.log.error("cut-off campaign: tick failed; trying again at the next", e))
      .finally(() => {
        this.#running = null;
        if (this.#again && this.#timer !== null) {
          this.#again = false;
          this.#kick();
        }
      });
  }

  /** The accounts the announced cut-off affects, as last read (at most COUNT_MS old while one is announced); null before the first reading. */
  affected(): readonly AffectedAccount[] | null {
    const c = this.#o.watch.cutoff;
    return c !== null && this.#counted?.cutoffId === c.id ? this.#counted.accounts : null;
  }

  /** One tick (see the module comment). */
  async tick(): Promise<TickReport> {
    const report: TickReport = { ended: false, sent: 0, sentElsewhere: 0, failed: 0, left: 0 };
    const c = await this.#o.watch.refresh();
    if (c === null || c.state === "cancelled") return report;
    const now = this.#o.clock.now();
    if (c.state === "done") {
      await this.#count(c, now);
      return report;
    }
    if (now >= c.date) {
      report.ended = await this.#end(c, now);
      return report;
    }
    const day = dueNotifyDay(c, now);
    if (day === null) {
      await this.#count(c, now);
      return report;
    }
    const key = `${c.id}:${day}`;
    if (this.#complete?.key === key && Date.now() - this.#complete.at < RECHECK_MS) return report;
    const { todo, affected } = await this.#unnotified(c, day, now);
    const work = todo.slice(0, PER_TICK);
    for (let i = 0; i < work.length; i += BATCH) {
      const results = await Promise.allSettled(work.slice(i, i + BATCH).map((a) => this.#send(c, day, a, now)));
      for (const [j, r] of results.entries()) {
        if (r.status === "fulfilled") report.sent++;
        else if (r.reason instanceof SentElsewhere) report.sentElsewhere++;
        else {
          report.failed++;
          this.#o.log.error(`cut-off campaign: the ${day}-day notice to ${work[i + j]?.address ?? "?"} failed; trying again at the next tick`, r.reason);
        }
      }
      await yieldLoop();
    }
    report.left = todo.length - report.sent - report.sentElsewhere;
    if (report.sent > 0) this.#o.log.info(`cut-off campaign: sent ${report.sent} notice(s) for ${day} day(s) before the cut-off on ${new Date(c.date).toISOString()}`);
    if (report.left === 0 && this.#complete?.key !== key) this.#o.log.info(`cut-off campaign: every affected account (${affected}) has its notice for ${day} day(s) before the cut-off`);
    this.#complete = report.left === 0 ? { key, at: Date.now() } : null;
    return report;
  }

  /** The cut-off's date has come: every grant ends and the cut-off is done, in one commit; true the one time it happens. */
  async #end(c: Cutoff, now: number): Promise<boolean> {
    const ended = await this.#o.store.committer.submit(async (trx) => {
      const n = await endLegacyGrants(trx);
      return (await markCutoffDone(trx, c.id, now)) ? n : null;
    });
    await this.#o.watch.refresh();
    if (ended === null) return false;
    this.#o.log.info(`cut-off reached (${new Date(c.date).toISOString()}): TLS 1.0/1.1 refused on every listener, ${ended} legacy grant(s) ended`);
    return true;
  }

  /** Reads how many accounts `c` affects when the last reading is older than COUNT_MS (or of another cut-off). */
  async #count(c: Cutoff, now: number): Promise<void> {
    if (this.#counted?.cutoffId === c.id && Date.now() - this.#counted.at < COUNT_MS) return;
    const affected = await affectedAccounts(this.#o.store.db, { now, retentionDays: this.#o.retentionDays() });
    this.#counted = { cutoffId: c.id, accounts: affected, at: Date.now() };
  }

  /** The affected accounts without a notice for (`c`, `day`), and how many are affected. */
  async #unnotified(c: Cutoff, day: number, now: number): Promise<{ todo: AffectedAccount[]; affected: number }> {
    const affected = await affectedAccounts(this.#o.store.db, { now, retentionDays: this.#o.retentionDays() });
    this.#counted = { cutoffId: c.id, accounts: affected, at: Date.now() };
    if (affected.length === 0) return { todo: [], affected: 0 };
    const sent = await this.#o.store.db.selectFrom("cutoff_notices").select("account_id").where("cutoff_id", "=", c.id).where("notify_day", "=", day).execute();
    const done = new Set(sent.map((r) => r.account_id));
    return { todo: affected.filter((a) => !done.has(a.id)), affected: affected.length };
  }

  /** Delivers one notice into the account's INBOX with its `cutoff_notices` row in the same commit. */
  async #send(c: Cutoff, day: number, a: AffectedAccount, now: number): Promise<void> {
    const settings = this.#o.settings();
    const id = `cutoff-${c.id}-${day}d-${a.id}`;
    const message = buildNotice({
      lang: asLanguage(a.language, this.#o.defaultLanguage()),
      to: a.address,
      cutoffDate: c.date,
      now,
      messageId: `${id}.${now.toString(36)}@${settings.hostname}`,
      devices: a.devices,
      settings,
    });
    await deliverMessage(this.#o.store, {
      id,
      message: [message],
      accounts: [a.id],
      internalDate: now,
      // Sent by another node meanwhile: nothing commits (the message file is removed). A second
      // notice for the same day would break the primary key anyway.
      alsoInCommit: async (trx) => {
        const sent = await trx.selectFrom("cutoff_notices").select("account_id").where("cutoff_id", "=", c.id).where("account_id", "=", a.id).where("notify_day", "=", day).executeTakeFirst();
        if (sent !== undefined) throw new SentElsewhere(`the ${day}-day notice to ${a.address} was sent by another node`);
        await trx.insertInto("cutoff_notices").values({ cutoff_id: c.id, account_id: a.id, notify_day: day, sent_at: now, devices: a.devices.length }).execute();
      },
    });
  }
}
