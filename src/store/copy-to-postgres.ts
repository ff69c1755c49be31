/**
 * `sealpost migrate --to postgres` (issue 16): an SQLite store copied into an empty PostgreSQL
 * database and its message files into the directory the nodes will share, then checked.
 *
 * - The tables are copied in one PostgreSQL transaction, parents before children (SQLite's foreign
 *   keys), 500 rows a statement, read from one SQLite read transaction (a snapshot): the target has
 *   all of it or nothing. Ids are kept (UIDs, UIDVALIDITY, MODSEQs, queue ids: mail programs see the
 *   same mailboxes), the identity sequences are moved past them, and the counters trigger is off
 *   while the messages go in (the mailboxes' counters are copied as they are).
 * - Both schemas are the same migrations' (SQLite's and PostgreSQL's baseline); a table or column
 *   that is not on both sides stops the copy before anything is written.
 * - Message files are copied first (when the target directory is another one) and fsynced: a
 *   missing one stops the move before the database holds anything. Then every file a message or a
 *   queue entry in the target names is read back and compared by SHA-256 with the source, and every
 *   table's row count with the source's.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "./schema.ts";
import { syncPath } from "./fsync.ts";

/** Rows per INSERT: 500 rows of at most ~20 columns stay far below PostgreSQL's 65,535 parameters. */
const ROWS = 500;

interface TableCopy {
  name: string;
  rows: number;
}

interface CopyReport {
  tables: TableCopy[];
  /** Message files named by messages and queue entries, each checked in the target by SHA-256. */
  files: number;
  bytes: number;
  /** Files copied (0 when the target directory is the source's). */
  copied: number;
}

/** A one-line reason the copy cannot start or did not check out. */
class CopyError extends Error {
  override name = "CopyError";
}

type Db = Kysely<Database>;
type Row = Record<string, unknown>;

/** SQLite's tables of the store (not SQLite's own, not Kysely's migration bookkeeping), parents first. */
async function sqliteTables(from: Db): Promise<Array<keyof Database>> {
  const names = (await sql<{ name: keyof Database }>`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name not like 'kysely\\_%' escape '\\' order by name`.execute(from)).rows.map((r) => r.name);
  const parents = new Map<string, Set<keyof Database>>();
  for (const t of names) {
    const refs = (await sql<{ table: keyof Database }>`select "table" from pragma_foreign_key_list(${t})`.execute(from)).rows.map((r) => r.table);
    parents.set(t, new Set(refs.filter((r) => r !== t)));
  }
  const ordered: Array<keyof Database> = [];
  const placed = new Set<string>();
  while (ordered.length < names.length) {
    const next = names.filter((t) => !placed.has(t) && [...(parents.get(t) ?? [])].every((p) => placed.has(p) || !names.includes(p)));
    if (next.length === 0) throw new CopyError(`the tables' foreign keys form a cycle: ${names.filter((t) => !placed.has(t)).join(", ")}`);
    for (const t of next) {
      ordered.push(t);
      placed.add(t);
    }
  }
  return ordered;
}

/** The columns a table is read in order of, a page at a time: its rowid, or a WITHOUT ROWID table's primary key. */
async function pagingKeys(from: Db, table: string): Promise<string[]> {
  const created = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(from)).rows[0]?.sql ?? "";
  if (!/\bwithout\s+rowid\s*$/i.test(created)) return ["_rowid_"];
  const pk = (await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table}) where pk > 0 order by pk`.execute(from)).rows;
  return pk.map((c) => c.name);
}

async function sqliteColumns(from: Db, table: string): Promise<string[]> {
  return (await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(from)).rows.map((r) => r.name);
}

async function postgresColumns(to: Db, table: string): Promise<string[]> {
  return (await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(to)).rows.map((r) => r.column_name);
}

/** Rows of every table that holds what users and operators made (migrations seed none of these). */
async function holdsAStore(to: Db): Promise<string | null> {
  for (const t of ["domains", "accounts", "messages", "queue", "logins"] as const) {
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(to);
    const n = r.rows[0]?.n ?? 0;
    if (n > 0) return `${n} row(s) in ${t}`;
  }
  return null;
}

const count = async (db: Db, table: string): Promise<number> => Number((await sql<{ n: number | bigint }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0);

/**
 * Copies the SQLite store `from` into the PostgreSQL store `to` (migrated, empty of users' data),
 * and the message files from `fromBlobs` into `toBlobs`; then checks both. Throws a CopyError on a
 * refusal or a failed check; `progress` hears a line per table and per thousand files.
 */
export async function copyToPostgres(from: Db, to: Db, fromBlobs: string, toBlobs: string, progress: (line: string) => void = () => undefined): Promise<CopyReport> {
  const held = await holdsAStore(to);
  if (held !== null) throw new CopyError(`the PostgreSQL database is not empty (${held}): migrate needs a new database (createdb)`);
  const tables = await sqliteTables(from);
  const columns = new Map<string, string[]>();
  for (const t of tables) {
    const mine = await sqliteColumns(from, t);
    const theirs = await postgresColumns(to, t);
    const missing = mine.filter((c) => !theirs.includes(c));
    const extra = theirs.filter((c) => !mine.includes(c));
    if (theirs.length === 0) throw new CopyError(`table ${t} is not in the PostgreSQL schema`);
    if (missing.length > 0 || extra.length > 0) throw new CopyError(`table ${t} differs: ${[...missing.map((c) => `${c} only in SQLite`), ...extra.map((c) => `${c} only in PostgreSQL`)].join(", ")}`);
    columns.set(t, mine);
  }
  const report: CopyReport = { tables: [], files: 0, bytes: 0, copied: 0 };
  // The files first: a missing one stops the move before the database holds anything.
  await copyFiles(await blobNames(from), resolve(fromBlobs), resolve(toBlobs), report, progress);
  // One snapshot of the source (a read transaction), one transaction on the target.
  await from.transaction().execute(async (src) => {
    await to.transaction().execute(async (dst) => {
      await sql`alter table messages disable trigger user`.execute(dst);
      // Rows migrations seeded (settings) make way for the source's; children before parents.
      for (const t of [...tables].reverse()) await sql`delete from ${sql.table(t)}`.execute(dst);
      for (const t of tables) {
        const cols = columns.get(t) ?? [];
        let rows = 0;
        const keys = await pagingKeys(src, t);
        const keyList = sql.join(keys.map((k) => sql.ref(k)));
        // "as": a rowid read beside an INTEGER PRIMARY KEY would otherwise be named after that key.
        const keyColumns = sql.join(keys.map((k, i) => sql`${sql.ref(k)} as ${sql.ref(`sealpost_key_${i}`)}`));
        for (let after: unknown[] | null = null; ; ) {
          const where: RawBuilder<unknown> = after === null ? sql`` : sql`where (${keyList}) > (${sql.join(after)})`;
          const chunk: Row[] = (await sql<Row>`select ${keyColumns}, * from ${sql.table(t)} ${where} order by ${keyList} limit ${ROWS}`.execute(src)).rows;
          const last: Row | undefined = chunk[chunk.length - 1];
          if (last === undefined) break;
          after = keys.map((_, i) => last[`sealpost_key_${i}`]);
          const values = chunk.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] instanceof Uint8Array ? Buffer.from(r[c]) : r[c]])));
          await dst.insertInto(t).values(values).execute();
          rows += chunk.length;
        }
        report.tables.push({ name: t, rows });
        progress(`${t}: ${rows} row(s)`);
      }
      await sql`alter table messages enable trigger user`.execute(dst);
      // Identity columns continue after the copied ids.
      const identities = (await sql<{ table_name: string; column_name: string }>`select table_name, column_name from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'`.execute(dst)).rows;
      for (const { table_name: t, column_name: c } of identities) {
        await sql`select setval(pg_get_serial_sequence(${t}, ${c}), coalesce((select max(${sql.ref(c)}) from ${sql.table(t)}), 0) + 1, false)`.execute(dst);
      }
    });
  });
  const again = " (the database holds the copy: drop it and create it anew before trying again)";
  for (const { name, rows } of report.tables) {
    const there = await count(to, name);
    if (there !== rows) throw new CopyError(`table ${name}: ${rows} row(s) copied, ${there} in PostgreSQL${again}`);
  }
  // The check: every file the target's rows name, as the target directory holds it now, against the source.
  for (const name of await blobNames(to)) {
    const [a, b] = await Promise.all([sha256(join(fromBlobs, name)), sha256(join(toBlobs, name)).catch(() => "")]);
    if (a !== b) throw new CopyError(`message file ${name} did not arrive intact in ${toBlobs}${again}`);
  }
  return report;
}

/** The message files messages and queue entries name. */
async function blobNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom("messages").select("blob").union(db.selectFrom("queue").select("blob")).execute();
  return [...new Set(rows.map((r) => r.blob))].sort();
}

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** The files `names`: there in `fromDir`, copied to `toDir` (when it is another directory) and fsynced. */
async function copyFiles(names: readonly string[], fromDir: string, toDir: string, report: CopyReport, progress: (line: string) => void): Promise<void> {
  const same = fromDir === toDir;
  const dirs = new Set<string>();
  for (const name of names) {
    const source = join(fromDir, name);
    const target = join(toDir, name);
    const size = await stat(source).then(
      (s) => s.size,
      () => {
        throw new CopyError(`message file ${name} is missing in ${fromDir}: the store refers to it (run \`sealpost store sweep\` on the SQLite store to see what is wrong)`);
      },
    );
    if (!same) {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source, target);
      await syncPath(target);
      dirs.add(dirname(target));
      report.copied++;
    }
    report.files++;
    report.bytes += size;
    if (report.files % 1000 === 0) progress(`message files: ${report.files} of ${names.length}`);
  }
  if (!same) await mkdir(toDir, { recursive: true });
  for (const d of [...dirs, toDir]) await syncPath(d);
}
