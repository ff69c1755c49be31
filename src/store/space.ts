/**
 * Free space on the data directory's file systems, and the floor the store keeps free (Postfix's
 * `queue_minfree`): a message that would leave less than the floor free is refused before a byte
 * is written, with a typed error each protocol turns into its own answer (SMTP 452 4.3.1, RFC 3463
 * §3.4 "mail system full"; IMAP NO [OVERQUOTA], RFC 5530 §3).
 *
 * `statfs` is asked at most once per `cacheMs` (concurrent checks share one call, which runs in the
 * thread pool); bytes the store writes in between (and those being written) are subtracted from the
 * reading, so a burst of deliveries is counted without asking again. A refusal rests on a reading
 * at most a second old (freed space is seen within a second), and a write or a commit that fails
 * with ENOSPC anyway (another process filled the disk) drops the reading, so the next check asks the file system.
 */
import { statfs } from "node:fs/promises";

/** The store has no room: below the free-space floor, or the file system or database said "full". */
export class StorageFullError extends Error {
  override name = "StorageFullError";
}

/** ENOSPC / EDQUOT from the file system, SQLITE_FULL ("database or disk is full") from SQLite, disk_full from PostgreSQL. */
export function isStorageFull(e: unknown): boolean {
  if (e instanceof StorageFullError) return true;
  if (typeof e !== "object" || e === null) return false;
  const { code, errcode } = e as { code?: unknown; errcode?: unknown };
  if (code === "ENOSPC" || code === "EDQUOT") return true;
  // PostgreSQL's SQLSTATE 53100, disk_full (its own disk, not the data directory's: the message says which).
  if (code === "53100") return true;
  // SQLite result code 13, SQLITE_FULL (the low byte of an extended code).
  return code === "ERR_SQLITE_ERROR" && typeof errcode === "number" && (errcode & 0xff) === 13;
}

/** The error to pass on: a full-storage error becomes StorageFullError (the cause kept), others stay. */
export function asStorageError(e: unknown): unknown {
  if (e instanceof StorageFullError || !isStorageFull(e)) return e;
  const where = (e as { code?: unknown }).code === "53100" ? "the PostgreSQL server's disk" : "the data directory's file system";
  return new StorageFullError(`no space left on ${where}`, { cause: e });
}

export interface DiskSpaceOptions {
  /** Bytes that must stay free after any write (read at every check, so a reload applies at once). */
  minFree: () => number;
  /** How long one statfs answer is reused, ms. */
  cacheMs: () => number;
  /** Told when the store starts refusing (low: true) and when it takes messages again. */
  onChange?: (low: boolean, detail: string) => void;
  /** The statfs call (tests count or fake it). */
  statfs?: (path: string) => Promise<{ bavail: number; bsize: number }>;
}

const MB = 1024 * 1024;
/** The oldest reading a refusal may rest on, ms (at most one statfs per second while refusing). */
const REFUSAL_READING_MS = 1000;
const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;

export class DiskSpace {
  readonly #paths: readonly string[];
  readonly #o: DiskSpaceOptions;
  #reading: { at: number; bytes: number } | null = null;
  #asking: Promise<void> | null = null;
  /** Bytes of writes in progress: counted whatever a reading says (it may have seen part of them). */
  #reserved = 0;
  /** Bytes of writes finished since the last reading was asked for. */
  #written = 0;
  #low = false;

  /** `paths`: the data directory and the blob directory (a separate volume is checked too). */
  constructor(paths: readonly string[], opts: DiskSpaceOptions) {
    this.#paths = paths;
    this.#o = opts;
  }

  /** Bytes available to the server now, as far as is known (the last reading minus writes since). */
  async available(): Promise<number> {
    await this.#current();
    return this.#free();
  }

  /** Throws StorageFullError when `need` more bytes would leave less than the floor free. */
  async check(need: number): Promise<void> {
    await this.#fresh(need);
    this.#admit(need);
  }

  /**
   * `check`, then counts `need` as being written: the comparison and the count happen together,
   * after the last await, so concurrent writers cannot both take the last room. Follow with
   * `written` or `release`.
   */
  async reserve(need: number): Promise<void> {
    await this.#fresh(need);
    this.#admit(need);
    this.#reserved += need;
  }

  /** A reserved write finished: its bytes count until a reading asked for after now. */
  written(bytes: number): void {
    this.#reserved -= bytes;
    this.#written += bytes;
  }

  /** A reserved write failed: nothing of it stays. */
  release(bytes: number): void {
    this.#reserved -= bytes;
  }

  /** Forgets the reading (after ENOSPC): the next check asks the file system. */
  invalidate(detail: string): void {
    this.#reading = null;
    this.#state(true, detail);
  }

  #free(): number {
    return (this.#reading?.bytes ?? Infinity) - this.#reserved - this.#written;
  }

  /** A reading no older than cacheMs. */
  async #current(): Promise<void> {
    const r = this.#reading;
    if (r === null || Date.now() - r.at >= this.#o.cacheMs()) await this.#ask();
  }

  /** A reading fit to decide on `need` bytes: a refusal rests on one at most a second old, so space freed meanwhile is seen. */
  async #fresh(need: number): Promise<void> {
    await this.#current();
    const at = this.#reading?.at ?? Date.now();
    if (this.#free() - need < this.#o.minFree() && Date.now() - at >= Math.min(this.#o.cacheMs(), REFUSAL_READING_MS)) await this.#ask();
  }

  /** The decision, synchronous: throws StorageFullError when `need` bytes would go below the floor. */
  #admit(need: number): void {
    const free = this.#free();
    const floor = this.#o.minFree();
    if (free - need < floor) {
      const detail = `${mb(free)} free, ${mb(need)} wanted, ${mb(floor)} kept free`;
      this.#state(true, detail);
      throw new StorageFullError(`insufficient storage: ${detail}`);
    }
    this.#state(false, `${mb(free)} free`);
  }

  #state(low: boolean, detail: string): void {
    if (low === this.#low) return;
    this.#low = low;
    this.#o.onChange?.(low, detail);
  }

  #ask(): Promise<void> {
    this.#asking ??= this.#read().finally(() => (this.#asking = null));
    return this.#asking;
  }

  async #read(): Promise<void> {
    const call = this.#o.statfs ?? ((p: string) => statfs(p));
    const seen = this.#written;
    let least = Infinity;
    for (const path of this.#paths) {
      try {
        const s = await call(path);
        least = Math.min(least, s.bavail * s.bsize);
      } catch (e) {
        // A directory not made yet (blobs/ before the first message) has nothing to say.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    this.#reading = { at: Date.now(), bytes: least };
    // Writes finished before the call are in the reading; those finished during it may not be.
    this.#written -= seen;
  }
}
