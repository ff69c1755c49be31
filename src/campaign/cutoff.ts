/**
 * The announced cut-off of TLS 1.0/1.1 (issue 12; the notices `002_…`, `000_…`): a date, the days
 * before it on which the affected accounts are told, and its state. At most one cut-off is
 * scheduled at a time; scheduling again moves it (the old one is kept, cancelled, with the notices
 * it sent). On its date the scheduler ends every legacy grant and marks it done; from that
 * instant the legacy listeners refuse every handshake below TLS 1.2 (`CutoffWatch.passed`).
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database } from "../store/index.ts";

export interface Cutoff {
  id: number;
  date: number;
  /** Days before the date on which notices go out, largest first: [30, 7, 1]. */
  notifyDays: number[];
  state: "scheduled" | "done" | "cancelled";
  createdAt: number;
  endedAt: number | null;
}

/** A bad --date or --notify-days: the CLI prints it as a usage error (exit 2) by its name. */
class CutoffError extends Error {
  override name = "CutoffError";
}

const DAY_MS = 86_400_000;

/** "30,7,1" → [30, 7, 1]: whole days from 0 to 365, each once, largest first; throws a one-line error. */
export function parseNotifyDays(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  const days = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (parts.length > 10 || days.some((d) => !Number.isInteger(d) || d > 365)) {
    throw new CutoffError(`--notify-days: expected up to 10 whole days from 0 to 365, comma-separated (e.g. 30,7,1), got "${text.slice(0, 80)}"`);
  }
  return [...new Set(days)].sort((a, b) => b - a);
}

function fromRow(r: Selectable<Database["cutoffs"]>): Cutoff {
  return {
    id: r.id,
    date: r.date,
    notifyDays: r.notify_days === "" ? [] : r.notify_days.split(",").map(Number),
    state: r.state as Cutoff["state"],
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

/** The cut-off that has taken effect by `now` (done, or scheduled with its date reached): it cannot be moved or undone. */
async function takenEffect(db: Kysely<Database> | Transaction<Database>, now: number): Promise<void> {
  const last = await db.selectFrom("cutoffs").select(["date", "state"]).where("state", "in", ["scheduled", "done"]).orderBy("id", "desc").limit(1).executeTakeFirst();
  if (last !== undefined && (last.state === "done" || last.date <= now)) {
    throw new CutoffError(`the cut-off on ${new Date(last.date).toISOString()} has taken effect: TLS 1.0/1.1 stay off, and it cannot be moved or cancelled`);
  }
}

/** Schedules the cut-off for `date` (after `now`), replacing one that is scheduled; refused once one has taken effect. */
export async function scheduleCutoff(db: Kysely<Database>, opts: { date: number; notifyDays: number[]; now: number }): Promise<Cutoff> {
  if (!(opts.date > opts.now)) throw new CutoffError(`--date: ${new Date(opts.date).toISOString()} is not in the future`);
  return db.transaction().execute(async (trx) => {
    await takenEffect(trx, opts.now);
    await trx.updateTable("cutoffs").set({ state: "cancelled", ended_at: opts.now }).where("state", "=", "scheduled").execute();
    const row = await trx
      .insertInto("cutoffs")
      .values({ date: opts.date, notify_days: opts.notifyDays.join(","), state: "scheduled", created_at: opts.now, ended_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row);
  });
}

/** The cut-off people should know about: the scheduled one, else the last one done; null if none. */
export async function currentCutoff(db: Kysely<Database>): Promise<Cutoff | null> {
  const row = await db.selectFrom("cutoffs").selectAll().where("state", "in", ["scheduled", "done"]).orderBy("id", "desc").limit(1).executeTakeFirst();
  return row === undefined ? null : fromRow(row);
}

/** Cancels the scheduled cut-off; returns it, or null if none was scheduled; refused once it has taken effect. */
export async function cancelCutoff(db: Kysely<Database>, now: number): Promise<Cutoff | null> {
  await takenEffect(db, now);
  const row = await db.updateTable("cutoffs").set({ state: "cancelled", ended_at: now }).where("state", "=", "scheduled").returningAll().executeTakeFirst();
  return row === undefined ? null : fromRow(row);
}

/** Marks the scheduled cut-off `id` done (its date came); false if it was no longer scheduled. */
export async function markCutoffDone(db: Kysely<Database> | Transaction<Database>, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable("cutoffs").set({ state: "done", ended_at: now }).where("id", "=", id).where("state", "=", "scheduled").executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** The notify day whose notice is due at `now` (the closest to the date among those already reached), or null. */
export function dueNotifyDay(c: Pick<Cutoff, "date" | "notifyDays" | "state">, now: number): number | null {
  if (c.state !== "scheduled" || now >= c.date) return null;
  const reached = c.notifyDays.filter((d) => now >= c.date - d * DAY_MS);
  return reached.length === 0 ? null : Math.min(...reached);
}

/**
 * The server's view of the cut-off, read from the database by `refresh` (the campaign scheduler
 * calls it every few seconds and when the clock jumps) and compared with the clock at each use: so
 * the legacy listeners close at the date's instant, not at the next refresh.
 */
export class CutoffWatch {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;
  #cutoff: Cutoff | null = null;

  constructor(db: Kysely<Database>, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  async refresh(): Promise<Cutoff | null> {
    this.#cutoff = await currentCutoff(this.#db);
    return this.#cutoff;
  }

  get cutoff(): Cutoff | null {
    return this.#cutoff;
  }

  /** True from the cut-off's date on: no TLS below 1.2 anywhere, no legacy grant honoured. */
  passed(): boolean {
    const c = this.#cutoff;
    return c !== null && (c.state === "done" || this.#now() >= c.date);
  }
}
