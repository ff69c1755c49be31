/** Opens the store's database (SQLite in the data directory, or PostgreSQL), applies migrations, and wires blobs and group commit. */
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { Migrator, type MigrationProvider } from "kysely/migration";
import { openSqlite, type NodeSqliteDatabase } from "./sqlite.ts";
import { migrations } from "./migrations.ts";
import { postgresMigrations } from "./migrations-postgres.ts";
import { postgresDialect, postgresPool } from "./postgres.ts";
import { PgBus, type ClusterBus } from "./pg-notify.ts";
import { BlobStore } from "./blobs.ts";
import { GroupCommitter } from "./committer.ts";
import { DiskSpace, type DiskSpaceOptions } from "./space.ts";
import type { Database } from "./schema.ts";
import { HeldSync } from "./fsync.ts";

/**
 * Mailbox change notices ("changed", mailboxId): IMAP IDLE and concurrent sessions. `relayed`: the
 * change was committed by another process (src/workers passes it on), so it is not passed on again.
 * A session hears only its selected mailbox through `watch`: a change reaches that mailbox's
 * watchers, not every session of the process (10,000 idle sessions must not make each change, or
 * each session's end, cost 10,000 steps).
 */
class MailboxEvents extends EventEmitter<{ changed: [mailboxId: number, relayed?: boolean] }> {
  readonly #watchers = new Map<number, Set<() => void>>();

  constructor() {
    super();
    this.setMaxListeners(0);
    this.on("changed", (mailboxId) => {
      const set = this.#watchers.get(mailboxId);
      if (set !== undefined) for (const fn of [...set]) fn();
    });
  }

  /** Calls `fn` after each change of `mailboxId` until the returned function is called. */
  watch(mailboxId: number, fn: () => void): () => void {
    let set = this.#watchers.get(mailboxId);
    if (set === undefined) this.#watchers.set(mailboxId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.#watchers.get(mailboxId) === set) this.#watchers.delete(mailboxId);
    };
  }
}

/** The database engine: SQLite in the data directory (one machine), or PostgreSQL (several nodes). */
export type Engine = "sqlite" | "postgres";

export interface Store {
  readonly db: Kysely<Database>;
  readonly events: MailboxEvents;
  readonly blobs: BlobStore;
  readonly committer: GroupCommitter;
  /** Free space and the floor kept free (`[store] min_free_space`). */
  readonly space: DiskSpace;
  readonly dataDir: string;
  /** Items to the other processes and nodes on the database (pg-notify.ts); null on SQLite. */
  readonly bus: ClusterBus | null;
  close(): Promise<void>;
}

interface StoreOptions {
  auditFlushMs?: number;
  /**
   * "async-wal-fsync" (the server): commits use synchronous=NORMAL and the committer fsyncs the
   * WAL file in the thread pool before acknowledging; "full" (default): SQLite fsyncs in COMMIT.
   */
  durability?: "full" | "async-wal-fsync";
  /** The free-space floor and how often statfs is asked; default: no floor (the CLI, tests), 1 s. */
  space?: Partial<DiskSpaceOptions>;
  /** The PostgreSQL database's URL (`[store.postgres] url`); unset: SQLite in the data directory. */
  postgres?: string;
  /** The message files' directory (`[store.postgres] blob_dir`, shared by the nodes); unset: DIR/blobs. */
  blobDir?: string;
}

/** The database behind a store, opened and migrated: SQLite in the data directory, or PostgreSQL. */
interface Opened {
  db: Kysely<Database>;
  /** Makes commits durable when COMMIT does not (SQLite with synchronous=NORMAL). */
  syncWal?: () => Promise<void>;
  bus?: ClusterBus;
  close(): Promise<void>;
}

async function migrate(db: Kysely<Database>, provider: MigrationProvider): Promise<void> {
  // Migration names are handed out per branch ahead of time, and branches merge in any order: a
  // database may have run 0009 before 0008 arrives. Each migration stands alone, so run it late.
  const { error } = await new Migrator({ db, provider, allowUnorderedMigrations: true }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
}

async function openSqliteStore(dbPath: string, asyncWal: boolean): Promise<Opened> {
  const sqlite: NodeSqliteDatabase = openSqlite(dbPath, asyncWal ? "NORMAL" : "FULL");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  // A migration that rebuilds a table (0015) must not fire the foreign keys of the rows it moves
  // (a DROP TABLE deletes them first, and ON DELETE CASCADE would follow): SQLite's own procedure
  // is keys off while the schema changes, then a check that every reference still holds.
  sqlite.raw.exec("PRAGMA foreign_keys = OFF");
  await migrate(db, migrations);
  sqlite.raw.exec("PRAGMA foreign_keys = ON");
  const broken = sqlite.raw.prepare("PRAGMA foreign_key_check").all();
  if (broken.length > 0) {
    await db.destroy();
    throw new Error(`database migration left ${broken.length} broken references (first: ${JSON.stringify(broken[0])})`);
  }
  const walSync = new HeldSync({ limit: 1, missingOk: true });
  return {
    db,
    // The WAL, held open (a missing file has nothing unsynced: SQLite removed it after a full checkpoint).
    ...(asyncWal ? { syncWal: () => walSync.sync(`${dbPath}-wal`) } : {}),
    async close() {
      await db.destroy();
      await walSync.close();
    },
  };
}

async function openPostgresStore(url: string, events: MailboxEvents): Promise<Opened> {
  const pool = postgresPool(url);
  const db = new Kysely<Database>({ dialect: postgresDialect(pool) });
  await migrate(db, postgresMigrations);
  const bus = new PgBus(url, pool);
  try {
    await bus.start();
  } catch (e) {
    await bus.close();
    await db.destroy();
    throw e;
  }
  // This process's commits' changes to the others, theirs to this process's sessions.
  const onChange = (mailboxId: number, relayed?: boolean): void => {
    if (relayed !== true) bus.publish("mailbox", String(mailboxId), true);
  };
  events.on("changed", onChange);
  bus.subscribe("mailbox", (item) => {
    const id = Number(item);
    if (Number.isSafeInteger(id) && id > 0) events.emit("changed", id, true);
  });
  return {
    db,
    bus,
    async close() {
      events.off("changed", onChange);
      await bus.close();
      await db.destroy();
    },
  };
}

export async function openStore(dataDir: string, opts: StoreOptions = {}): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const asyncWal = opts.durability === "async-wal-fsync";
  const events = new MailboxEvents();
  const opened = opts.postgres === undefined ? await openSqliteStore(join(dataDir, "sealpost.db"), asyncWal) : await openPostgresStore(opts.postgres, events);
  const { db, syncWal } = opened;
  const blobDir = opts.blobDir ?? join(dataDir, "blobs");
  const space = new DiskSpace([dataDir, blobDir], { minFree: () => 0, cacheMs: () => 1000, ...opts.space });
  const blobs = new BlobStore(blobDir, space);
  const committer = new GroupCommitter(db, {
    syncDirs: (dirs) => blobs.syncDirs(dirs),
    onFull: () => space.invalidate("the database could not commit: no space left"),
    ...(syncWal !== undefined ? { syncWal } : {}),
    ...(opts.auditFlushMs !== undefined ? { auditFlushMs: opts.auditFlushMs } : {}),
  });
  return {
    db,
    events,
    blobs,
    committer,
    space,
    dataDir,
    bus: opened.bus ?? null,
    async close() {
      await committer.flush();
      await opened.close();
      await blobs.close();
    },
  };
}
