/**
 * Group commit: every write that must be durable before a reply goes through here. Work items
 * that arrive while a commit is in flight are batched into the next transaction, so many
 * concurrent deliveries share one fsync of the WAL (and one fsync per new-blob directory) instead
 * of paying one each. A batch whose transaction fails is retried item by item, so one bad item
 * cannot fail its neighbours. A full disk (ENOSPC, SQLITE_FULL) rejects with StorageFullError.
 *
 * Audit rows are "best effort soon": they ride along with the next batch, or are flushed by a
 * short timer when no mail is moving.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.ts";
import { asStorageError, StorageFullError } from "./space.ts";

export type Work<T> = (trx: Transaction<Database>) => Promise<T>;

/** How soon the WAL is fsynced after a commit of `apply`'s lane (if no durable commit did it first). */
const SOON_SYNC_MS = 200;

interface Item {
  work: Work<unknown>;
  dirs: readonly string[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface CommitterOptions {
  /** fsyncs directories holding new blob files; called before the transaction commits. */
  syncDirs: (dirs: Iterable<string>) => Promise<void>;
  /** Makes committed transactions durable, when the database does not fsync in COMMIT itself. */
  syncWal?: () => Promise<void>;
  /** How long audit rows may wait for a batch to ride on. */
  auditFlushMs?: number;
  /** Told when a commit failed for want of space (so the free-space reading is dropped). */
  onFull?: (e: StorageFullError) => void;
}

export class GroupCommitter {
  readonly #db: Kysely<Database>;
  readonly #opts: CommitterOptions;
  #pending: Item[] = [];
  #audit: Work<unknown>[] = [];
  #running: Promise<void> | null = null;
  /** The lane without fsync (`apply`): its queue, its run, and the timer of the fsync that follows. */
  #soon: Item[] = [];
  #soonRun: Promise<void> | null = null;
  #syncTimer: NodeJS.Timeout | null = null;
  #auditTimer: NodeJS.Timeout | null = null;
  /** How many transactions committed how many items: the group-commit ratio, for tests and metrics. */
  readonly stats = { transactions: 0, items: 0 };
  /** flushAuditSoon callers: for the rows queued now, and for a commit that was running when they asked. */
  #auditWaiters: Array<() => void> = [];
  #inFlightWaiters: Array<() => void> = [];

  constructor(db: Kysely<Database>, opts: CommitterOptions) {
    this.#db = db;
    this.#opts = opts;
  }

  /** Runs `work` inside a transaction that is committed (fsynced) before the promise resolves. */
  submit<T>(work: Work<T>, dirs: readonly string[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, dirs, resolve: resolve as (v: unknown) => void, reject });
      this.#kick();
    });
  }

  /**
   * Runs `work` in a transaction that is committed — seen by every session and process, kept
   * through a crash of this process — but not yet fsynced when the promise resolves: for changes
   * that a power loss may undo without losing mail (flags, expunges, \Recent claims), which
   * Dovecot's default `mail_fsync = optimized` does not fsync either. Such changes never wait for
   * a batch's fsync; the WAL holding them is fsynced within `SOON_SYNC_MS`, or sooner by any
   * durable commit (and before the blob sweep trusts what it reads: it commits durably).
   */
  apply<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#soon.push({ work, dirs: [], resolve: resolve as (v: unknown) => void, reject });
      if (this.#soonRun === null) this.#soonRun = new Promise<void>((r) => setImmediate(r)).then(() => this.#runSoon());
    });
  }

  async #runSoon(): Promise<void> {
    while (this.#soon.length > 0) {
      const batch = this.#soon;
      this.#soon = [];
      await this.#transact(batch);
      if (this.#opts.syncWal !== undefined) this.#syncLater();
    }
    this.#soonRun = null;
  }

  /** One transaction for `batch`, each item resolved after COMMIT (the lane without fsync). */
  async #transact(batch: Item[]): Promise<void> {
    const results: unknown[] = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const item of batch) results.push(await item.work(trx));
      });
    } catch (e) {
      if (isBusy(e)) {
        for (const item of batch) item.reject(e);
        return;
      }
      for (const item of batch) {
        await this.#db
          .transaction()
          .execute(item.work)
          .then(item.resolve, (err: unknown) => item.reject(this.#failure(err)));
      }
      return;
    }
    batch.forEach((item, i) => item.resolve(results[i]));
  }

  #syncLater(): void {
    if (this.#syncTimer !== null) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = null;
      this.#opts.syncWal?.().catch(() => undefined);
    }, SOON_SYNC_MS);
  }

  /** Queues an audit write; it is committed with the next batch or within `auditFlushMs`. */
  audit(work: Work<unknown>): void {
    this.#audit.push(work);
    if (this.#auditTimer === null) {
      this.#auditTimer = setTimeout(() => {
        this.#auditTimer = null;
        this.#kick();
      }, this.#opts.auditFlushMs ?? 200);
      this.#auditTimer.unref();
    }
  }

  /** Commits everything queued so far, audit rows included. */
  async flush(): Promise<void> {
    while (this.#running !== null || this.#pending.length > 0 || this.#audit.length > 0 || this.#soonRun !== null) {
      if (this.#running === null) this.#kick();
      await this.#running;
      await this.#soonRun;
    }
    // What `apply` committed is made durable now rather than by its timer.
    if (this.#syncTimer !== null) {
      clearTimeout(this.#syncTimer);
      this.#syncTimer = null;
      await this.#opts.syncWal?.();
    }
  }

  /**
   * Resolves once the audit rows queued so far are committed (or their commit failed), without
   * waiting for their timer: a sign-in shows on the page it leads to. Later rows do not hold the
   * caller, however fast they arrive.
   */
  flushAuditSoon(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#audit.length > 0) {
        this.#auditWaiters.push(resolve);
        this.#kick();
      } else if (this.#running !== null) this.#inFlightWaiters.push(resolve);
      else resolve();
    });
  }

  #kick(): void {
    if (this.#running !== null) return;
    if (this.#pending.length === 0 && this.#audit.length === 0) return;
    this.#running = this.#runBatches().finally(() => {
      this.#running = null;
      if (this.#pending.length > 0) this.#kick();
    });
  }

  /** The error a failed commit rejects with: a full disk as StorageFullError, reported to onFull. */
  #failure(e: unknown): unknown {
    const err = asStorageError(e);
    if (err instanceof StorageFullError) this.#opts.onFull?.(err);
    return err;
  }

  async #runBatches(): Promise<void> {
    while (this.#pending.length > 0 || this.#audit.length > 0) {
      const batch = this.#pending;
      const audit = this.#audit;
      // Who waits for these audit rows, and who asked while the previous commit ran (their rows may be in it or in this one).
      const waiters = [...this.#auditWaiters, ...this.#inFlightWaiters];
      this.#pending = [];
      this.#audit = [];
      this.#auditWaiters = [];
      this.#inFlightWaiters = [];
      let outcome: "busy" | undefined;
      try {
        outcome = await this.#commit(batch, audit);
      } finally {
        for (const w of waiters) w();
      }
      if (outcome === "busy") break;
    }
    for (const w of this.#inFlightWaiters.splice(0)) w();
  }

  /** "busy": the database stayed locked; the caller stops until the next submission or the audit timer. */
  async #commit(batch: Item[], audit: Work<unknown>[]): Promise<"busy" | undefined> {
    try {
      await this.#opts.syncDirs(batch.flatMap((i) => i.dirs));
    } catch (e) {
      for (const item of batch) item.reject(this.#failure(e));
      batch = [];
    }
    const results: unknown[] = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const item of batch) results.push(await item.work(trx));
        for (const a of audit) await a(trx);
      });
    } catch (e) {
      // The database is locked (another process held the write lock past the busy timeout): every
      // item would wait as long again, so the batch fails as one.
      if (isBusy(e)) {
        for (const item of batch) item.reject(e);
        // Its audit rows wait for a later batch (the audit timer's), not for an immediate retry.
        for (const a of audit) this.audit(a);
        return "busy";
      }
      // One item (or audit row) spoiled the batch: redo each in its own transaction.
      for (const item of batch) {
        try {
          const result = await this.#db.transaction().execute(item.work);
          await this.#opts.syncWal?.();
          item.resolve(result);
        } catch (e) {
          item.reject(this.#failure(e));
        }
      }
      for (const a of audit) {
        await this.#db.transaction().execute(a).catch(() => undefined);
      }
      return;
    }
    this.stats.transactions++;
    this.stats.items += batch.length;
    if (batch.length > 0 && this.#opts.syncWal !== undefined) {
      try {
        await this.#opts.syncWal();
      } catch (e) {
        // Committed but not known to be on disk: nothing may be acknowledged.
        for (const item of batch) item.reject(this.#failure(e));
        return;
      }
    }
    batch.forEach((item, i) => item.resolve(results[i]));
  }
}

/** SQLITE_BUSY or SQLITE_LOCKED (with any extended code) from node:sqlite: the lock, not the item. */
function isBusy(e: unknown): boolean {
  const { errcode, code } = (e ?? {}) as { errcode?: unknown; code?: unknown };
  // PostgreSQL: SQLSTATE 55P03, lock_not_available (the write lock's lock_timeout, postgres.ts).
  if (code === "55P03") return true;
  // SQLite: SQLITE_BUSY or SQLITE_LOCKED (the low byte of an extended code).
  return typeof errcode === "number" && ((errcode & 0xff) === 5 || (errcode & 0xff) === 6);
}
