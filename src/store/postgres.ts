/**
 * Kysely over PostgreSQL (`pg`), for installations of several nodes on one database (issue 16).
 *
 * The queries are the ones SQLite runs; two things make PostgreSQL answer them as SQLite does:
 * - 64-bit integers and sums come back as numbers, not strings (every value Sealpost keeps —
 *   milliseconds, sizes, counters — is far below 2^53);
 * - write transactions run one at a time, as SQLite's BEGIN IMMEDIATE makes them (sqlite.ts): each
 *   takes one transaction-scoped advisory lock first. The store's read-then-write transactions
 *   (the next UID and MODSEQ of a mailbox, a tombstone prune) rely on it, on every node.
 */
import pg from "pg";
import { CompiledQuery, PostgresAdapter, PostgresDialect, PostgresDriver, type DatabaseConnection, type Driver, type Kysely, type TransactionSettings } from "kysely";
import type { PostgresDialectConfig } from "kysely";
import type { Database } from "./schema.ts";
import type { Engine } from "./database.ts";

/** The advisory lock key of the store's write transactions (any fixed number; Sealpost's own). */
export const WRITE_LOCK = 0x5ea1_9057;

const INT8 = 20;
const NUMERIC = 1700;

/** int8 and numeric as JavaScript numbers; every other type as `pg` parses it. */
const toNumber = (v: string): number => Number(v);
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: "text" | "binary"): unknown => (oid === INT8 || oid === NUMERIC ? toNumber : pg.types.getTypeParser(oid, format ?? "text")),
};

/**
 * How long a transaction waits for the write lock (or a row lock) before it fails, as SQLite's busy
 * timeout (sqlite.ts): a writer that hangs holding it must not stall every other one for ever; the
 * waiting write fails, and its caller answers as for any failed commit (SMTP 451, IMAP NO).
 */
const LOCK_TIMEOUT_MS = 5000;

class SerializedWritesDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await super.beginTransaction(connection, settings);
    try {
      await connection.executeQuery(CompiledQuery.raw(`set local lock_timeout = ${LOCK_TIMEOUT_MS}`));
      await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${WRITE_LOCK})`));
    } catch (e) {
      // Kysely rolls back only a transaction that began: this one must not go back to the pool
      // aborted, where the next query on the connection would fail ("current transaction is aborted").
      await connection.executeQuery(CompiledQuery.raw("rollback")).catch(() => undefined);
      throw e;
    }
  }
}

class SealpostPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new SerializedWritesDriver(this.#config);
  }
}

/** Connections a process keeps open to the database: reads run side by side, writes one at a time. */
const POOL_SIZE = 8;

/** The connections to the database at `url` (`postgres://user@host:port/db`; a password comes from PGPASSWORD or ~/.pgpass). */
export function postgresPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, types });
  // An idle connection that breaks (the server restarted) is dropped and replaced by the pool; left
  // unheard, the error would end the process. A query on a broken connection fails as itself.
  pool.on("error", () => undefined);
  return pool;
}

/** A Kysely dialect over `pool`, its write transactions one at a time. */
export function postgresDialect(pool: pg.Pool): PostgresDialect {
  return new SealpostPostgresDialect({ pool });
}

/** The engine a query builder runs on, for the few statements that differ (JSON, pragmas). */
export function engineOf(db: Kysely<Database>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}
