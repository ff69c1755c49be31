/** Opens the data directory's SQLite database, applies migrations, and wires blobs and group commit. */
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { Migrator } from "kysely/migration";
import { openSqlite, type NodeSqliteDatabase } from "./sqlite.ts";
import { migrations } from "./migrations.ts";
import { BlobStore } from "./blobs.ts";
import { GroupCommitter } from "./committer.ts";
import type { Database } from "./schema.ts";

/** Mailbox change notices within this process ("changed", mailboxId): IMAP IDLE and concurrent sessions. */
export class MailboxEvents extends EventEmitter<{ changed: [mailboxId: number] }> {}

export interface Store {
  readonly db: Kysely<Database>;
  readonly events: MailboxEvents;
  readonly blobs: BlobStore;
  readonly committer: GroupCommitter;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function openStore(dataDir: string, opts: { auditFlushMs?: number } = {}): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite: NodeSqliteDatabase = openSqlite(join(dataDir, "sealpost.db"));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: migrations });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
  const blobs = new BlobStore(join(dataDir, "blobs"));
  const committer = new GroupCommitter(db, {
    syncDirs: (dirs) => blobs.syncDirs(dirs),
    ...(opts.auditFlushMs !== undefined ? { auditFlushMs: opts.auditFlushMs } : {}),
  });
  const events = new MailboxEvents();
  events.setMaxListeners(0);
  return {
    db,
    events,
    blobs,
    committer,
    dataDir,
    async close() {
      await committer.flush();
      await db.destroy();
    },
  };
}
