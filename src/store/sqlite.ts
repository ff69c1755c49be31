/**
 * Kysely over `node:sqlite` (Node 24's built-in SQLite, no native addon).
 *
 * Kysely's SqliteDialect expects the better-sqlite3 shape (`prepare().reader/all/run/iterate`);
 * this adapter gives a `DatabaseSync` that shape and caches prepared statements per SQL text,
 * since Kysely prepares every query anew.
 */
import { DatabaseSync, type StatementSync, type SQLInputValue } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

const CACHE_LIMIT = 256;

class Statement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...(parameters as SQLInputValue[]));
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(...(parameters as SQLInputValue[]));
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...(parameters as SQLInputValue[]));
  }
}

/**
 * Kysely's ROLLBACK after a failed transaction. SQLite may already have rolled the transaction
 * back itself (a COMMIT that fails with SQLITE_FULL does); a ROLLBACK then fails with "no
 * transaction is active", and that error would replace the one that says why (a full disk, which
 * the committer turns into StorageFullError). So: roll back only what is still open.
 */
class Rollback implements SqliteStatement {
  readonly reader = false;
  readonly #raw: DatabaseSync;
  constructor(raw: DatabaseSync) {
    this.#raw = raw;
  }
  all(): unknown[] {
    this.run();
    return [];
  }
  run(): { changes: number; lastInsertRowid: number } {
    if (this.#raw.isTransaction) this.#raw.exec("ROLLBACK");
    return { changes: 0, lastInsertRowid: 0 };
  }
  iterate(): IterableIterator<unknown> {
    return this.all().values();
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  readonly #cache = new Map<string, Statement>();
  constructor(raw: DatabaseSync) {
    this.raw = raw;
  }
  prepare(sql: string): SqliteStatement {
    if (sql === "rollback") return new Rollback(this.raw);
    // Kysely's BEGIN, as BEGIN IMMEDIATE: the write lock is taken at the start, where the busy
    // timeout waits for it. A deferred transaction that reads and then writes fails at once with
    // SQLITE_BUSY (no waiting) when another process — the CLI, or another worker — wrote meanwhile.
    if (sql === "begin") sql = "begin immediate";
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      stmt = new Statement(this.raw.prepare(sql));
      if (this.#cache.size >= CACHE_LIMIT) {
        const oldest = this.#cache.keys().next();
        if (oldest.done !== true) this.#cache.delete(oldest.value);
      }
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }
  close(): void {
    this.#cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

/**
 * Opens the database file in WAL mode. `synchronous` FULL (the CLI, tests) fsyncs the WAL inside
 * every COMMIT, on the calling thread. The server uses NORMAL — the WAL is written at COMMIT and
 * synced at checkpoints — and makes each commit durable itself by fsyncing the WAL file off the
 * event loop before anything is acknowledged (see GroupCommitter), so one slow fsync never stalls
 * every session. `busy_timeout` lets the CLI and the server share the file.
 */
export function openSqlite(path: string, synchronous: "FULL" | "NORMAL" = "FULL"): NodeSqliteDatabase {
  const raw = new DatabaseSync(path, { timeout: 5000 });
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec(`PRAGMA synchronous = ${synchronous}`);
  raw.exec("PRAGMA foreign_keys = ON");
  return new NodeSqliteDatabase(raw);
}
