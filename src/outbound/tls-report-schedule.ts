/**
 * When our TLS reports go out (RFC 8460 §4.1: one report per day and domain, for the UTC day that
 * has ended): a check a few seconds after start, then about every hour — each interval drawn
 * with a jitter, so that servers started together do not all report at once (§5: receivers get
 * reports from many senders at the day's turn) — and at once when the clock jumps (src/clock: a
 * rehearsal or a test moves the calendar). A check sends the day before the server's calendar
 * day, then the due retries of earlier days (tls-reports.ts keeps both once only). Their rows go
 * with the audit's retention (store/retention.ts).
 */
import type { Clock } from "../clock/index.ts";
import type { Config } from "../config/index.ts";
import type { Resolver } from "../dns/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";
import { dayName, previousDay, retryEarlierDays, sendDayReports, type ReportContext } from "./tls-reports.ts";

const HOUR_MS = 60 * 60_000;
/** The first check: 1 to 5 s after start (not during it). */
const FIRST_MS = 1000;
const FIRST_JITTER_MS = 4000;
/** ± this much around the hour. */
const JITTER_MS = 5 * 60_000;

interface ScheduleOptions {
  store: Store;
  config: () => Config;
  /** The outbound service's resolver and trust anchors, as a reload left them. */
  parts: () => { resolver: Resolver; ca: readonly string[] };
  clock: Clock;
  log: Logger;
  /** Wakes the queue runner once a report mail is queued. */
  wake: () => void;
}

export class TlsReportSchedule {
  readonly #o: ScheduleOptions;
  #timer: NodeJS.Timeout | null = null;
  #unjump: (() => void) | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  /** The last check's summary: a check that changes nothing says nothing. */
  #said = "";

  constructor(o: ScheduleOptions) {
    this.#o = o;
  }

  start(): void {
    this.#arm(FIRST_MS + Math.random() * FIRST_JITTER_MS);
    this.#unjump = this.#o.clock.onJump(() => this.#kick());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#unjump?.();
    this.#unjump = null;
    await this.#running;
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#kick();
    }, ms);
    this.#timer.unref();
  }

  /** Checks now, or right after the check that runs; then waits about an hour. */
  #kick(): void {
    if (this.#stopped) return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    this.#running = this.check()
      .catch((e: unknown) => this.#o.log.error("tls reports: the check failed; trying again at the next", e))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.#kick();
        } else this.#arm(HOUR_MS + (Math.random() * 2 - 1) * JITTER_MS);
      });
  }

  /** One check (see the module comment). */
  async check(): Promise<void> {
    const config = this.#o.config();
    if (!config.tls_reports.enabled) return;
    const now = this.#o.clock.now();
    const ctx: ReportContext = { store: this.#o.store, config, ...this.#o.parts(), now, log: this.#o.log, queued: this.#o.wake };
    const day = previousDay(now);
    const { rows } = await sendDayReports(ctx, day);
    await retryEarlierDays(ctx, day);
    const count = (states: readonly string[]): number => rows.filter((r) => states.includes(r.state)).length;
    const line = `tls reports for ${dayName(day)}: ${count(["sent", "sending"])} sent, ${count(["no-record"])} without a TLS-RPT record, ${count(["no-sessions"])} without TLS sessions, ${count(["dns-retry", "dns-failed"])} with a failed lookup`;
    if (line !== this.#said) this.#o.log.info(line);
    this.#said = line;
  }
}
