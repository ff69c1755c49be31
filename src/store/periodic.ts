/**
 * The store's background upkeep (the blob sweep, the audit prune): a task on an unref'd timer that
 * runs first after `firstDelayMs` (0: at once), then `intervalMs()` after each run ends (read each
 * time, so a reload applies). `stop` aborts a run between its batches and waits for it to end.
 */
interface PeriodicOptions {
  firstDelayMs: number;
  intervalMs: () => number;
}

export class Periodic {
  readonly #work: (signal: AbortSignal) => Promise<void>;
  readonly #o: PeriodicOptions;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  /** `work` reports its own outcome and errors; a rejection is dropped (the next run comes all the same). */
  constructor(work: (signal: AbortSignal) => Promise<void>, opts: PeriodicOptions) {
    this.#work = work;
    this.#o = opts;
  }

  start(): void {
    if (this.#o.firstDelayMs <= 0) this.#run();
    else this.#schedule(this.#o.firstDelayMs);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#abort.signal.aborted) return;
    this.#timer = setTimeout(() => this.#run(), ms);
    this.#timer.unref();
  }

  #run(): void {
    if (this.#abort.signal.aborted) return;
    this.#running = this.#work(this.#abort.signal)
      .catch(() => undefined)
      .finally(() => {
        this.#running = null;
        this.#schedule(this.#o.intervalMs());
      });
  }
}
