/**
 * At most `limit` probe connections at once, a count of the connections made, and progress
 * reports: `total` is the number of probes planned so far (it grows as the enumeration finds
 * suites), `done` those finished.
 */

export class ProbePool {
  readonly limit: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((done: number, total: number, what: string) => void) | undefined;
  #running = 0;
  readonly #queue: Array<() => void> = [];
  planned = 0;
  done = 0;

  constructor(limit: number, signal?: AbortSignal, onProgress?: (done: number, total: number, what: string) => void) {
    this.limit = Math.max(1, Math.floor(limit) || 1);
    this.#signal = signal;
    this.#onProgress = onProgress;
  }

  async #acquire(): Promise<void> {
    if (this.#running < this.limit) {
      this.#running++;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.#running--;
  }

  /** Runs one probe in a slot; `what` names it in progress reports. */
  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.planned++;
    await this.#acquire();
    try {
      this.#signal?.throwIfAborted();
      return await fn();
    } finally {
      this.#release();
      this.done++;
      if (this.#signal?.aborted !== true) this.#onProgress?.(this.done, this.planned, what);
    }
  }
}
