/**
 * The server's view of its maintenance windows: the windows that are open, upcoming or ended in
 * the last days, kept in memory and read again every few seconds (the CLI adds and deletes windows
 * while the server runs) and at once when the clock jumps. The queue runner asks `holdsDelivery`
 * before every look at the queue — a loop over a handful of windows, no query — and is woken when
 * a window that paused delivery ends (a timer set to the next start or end, reset on every jump).
 * The pause and the resume are logged once each.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../clock/index.ts";
import type { Logger } from "../log/index.ts";
import type { Database } from "../store/index.ts";
import { listWindows, phaseOf, type MaintenanceWindow } from "./windows.ts";

/** How far back ended windows are kept (the status page's "past" list). */
const PAST_DAYS = 7;
/** At most this many windows are kept (an operator does not announce thousands). */
const KEPT = 500;
const REFRESH_MS = 5_000;
/** setTimeout's longest delay (about 24.8 days); a later boundary is reached by the refreshes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class MaintenanceWatch {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #refreshMs: number;
  #windows: readonly MaintenanceWindow[] = [];
  /** The window that holds delivery, as last logged (null: delivery is not held by a window). */
  #holding: MaintenanceWindow | null = null;
  #onResume: () => void = () => undefined;
  #interval: NodeJS.Timeout | null = null;
  #boundary: NodeJS.Timeout | null = null;
  #unjump: (() => void) | null = null;
  #refreshing: Promise<void> | null = null;
  #again = false;
  #version = 0;

  constructor(db: Kysely<Database>, clock: Clock, log: Logger, opts: { refreshMs?: number } = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#log = log;
    this.#refreshMs = opts.refreshMs ?? REFRESH_MS;
  }

  /** Reads the windows again and acts on a change (at most one read at a time; a request meanwhile reads once more after it). */
  refresh(): Promise<void> {
    if (this.#refreshing !== null) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          const now = this.#clock.now();
          this.#windows = await listWindows(this.#db, { endsAfter: now - PAST_DAYS * 86_400_000, limit: KEPT });
          this.#version++;
          this.#update();
        } while (this.#again);
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  /** Reads every few seconds and on clock jumps; `onResume` is called when a window that paused delivery ends. */
  start(onResume: () => void): void {
    this.#onResume = onResume;
    const refresh = (): void => {
      this.refresh().catch((e: unknown) => this.#log.error("maintenance windows: could not read them", e));
    };
    this.#interval = setInterval(refresh, this.#refreshMs);
    this.#interval.unref();
    this.#unjump = this.#clock.onJump(refresh);
    refresh();
  }

  stop(): void {
    if (this.#interval !== null) clearInterval(this.#interval);
    if (this.#boundary !== null) clearTimeout(this.#boundary);
    this.#unjump?.();
    this.#interval = this.#boundary = this.#unjump = null;
  }

  /** The windows kept: open, upcoming, and ended in the last PAST_DAYS days, by start. */
  windows(): readonly MaintenanceWindow[] {
    return this.#windows;
  }

  /** Grows with every read of the windows (a cache of what was made from them knows it is stale). */
  get version(): number {
    return this.#version;
  }

  /** The open window that pauses delivery now, if any (the one ending last). */
  #pausing(now: number): MaintenanceWindow | null {
    let found: MaintenanceWindow | null = null;
    for (const w of this.#windows) if (w.pauseDelivery && phaseOf(w, now) === "open" && (found === null || w.endsAt > found.endsAt)) found = w;
    return found;
  }

  /** Whether an open window pauses delivery now (the queue runner's check before each look at the queue). */
  holdsDelivery(): boolean {
    return this.#pausing(this.#clock.now()) !== null;
  }

  /** Logs a pause or a resume, wakes the runner on a resume, and sets the timer for the next start or end. */
  #update(): void {
    const now = this.#clock.now();
    const pausing = this.#pausing(now);
    if (pausing !== null && this.#holding === null) {
      this.#log.info(`delivery paused: maintenance window ${pausing.id} is open until ${new Date(pausing.endsAt).toISOString()}; mail is accepted and queued`);
    } else if (pausing === null && this.#holding !== null) {
      this.#log.info(`delivery resumed: maintenance window ${this.#holding.id} ended`);
    }
    const resumed = pausing === null && this.#holding !== null;
    this.#holding = pausing;
    if (resumed) this.#onResume();
    if (this.#boundary !== null) clearTimeout(this.#boundary);
    this.#boundary = null;
    let next = Infinity;
    for (const w of this.#windows) {
      if (!w.pauseDelivery) continue;
      if (w.startsAt > now) next = Math.min(next, w.startsAt);
      if (w.endsAt > now) next = Math.min(next, w.endsAt);
    }
    if (next !== Infinity && this.#interval !== null) {
      this.#boundary = setTimeout(() => this.#update(), Math.min(MAX_TIMER_MS, next - now + 1));
      this.#boundary.unref();
    }
  }
}
