/** fsync of a file or a directory by path, in the thread pool (never on the event loop). */
import { open, type FileHandle } from "node:fs/promises";

export async function syncPath(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * fsyncs of the same few paths again and again (the WAL after each group commit, the current hour's
 * blob directory before it), on handles kept open: one round trip to the thread pool instead of
 * three (open, fsync, close). The fsync and an fstat run side by side; a handle whose file is no
 * longer linked (a directory the sweep removed, a WAL SQLite deleted) is dropped and the path is
 * synced afresh, so what is synced is always what the path names now. A missing path has nothing
 * to sync when `missingOk`.
 */
export class HeldSync {
  /** Handles by path, the most recently used last; at most `#limit`. */
  readonly #held = new Map<string, FileHandle>();
  readonly #limit: number;
  readonly #missingOk: boolean;
  constructor(opts: { limit: number; missingOk?: boolean }) {
    this.#limit = opts.limit;
    this.#missingOk = opts.missingOk ?? false;
  }

  async sync(path: string): Promise<void> {
    let fh = this.#held.get(path);
    if (fh === undefined) {
      try {
        fh = await open(path, "r");
      } catch (e) {
        if (this.#missingOk && (e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw e;
      }
      const raced = this.#held.get(path);
      if (raced !== undefined) {
        await fh.close();
        fh = raced;
      } else this.#keep(path, fh);
    } else {
      this.#held.delete(path);
      this.#held.set(path, fh);
    }
    const [, st] = await Promise.all([fh.sync(), fh.stat()]);
    if (st.nlink > 0) return;
    // Unlinked since it was opened: what the path names now is another file (or none).
    if (this.#held.get(path) === fh) this.#held.delete(path);
    await fh.close().catch(() => undefined);
    try {
      await syncPath(path);
    } catch (e) {
      if (!(this.#missingOk && (e as NodeJS.ErrnoException).code === "ENOENT")) throw e;
    }
  }

  #keep(path: string, fh: FileHandle): void {
    this.#held.set(path, fh);
    while (this.#held.size > this.#limit) {
      const [oldest, old] = this.#held.entries().next().value ?? [];
      if (oldest === undefined || old === undefined) break;
      this.#held.delete(oldest);
      old.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const all = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(all.map((fh) => fh.close().catch(() => undefined)));
  }
}
