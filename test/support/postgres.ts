/**
 * A private PostgreSQL cluster for the tests (issue 16), from Debian's `postgresql` package: made
 * with initdb in a temporary directory, listening on a loopback port of its own (and a socket in
 * that directory), with fsync off — a test's database need not survive a power loss, and every
 * test file then starts in milliseconds. Run as the `postgres` system user when started by root
 * (PostgreSQL refuses to run as root).
 *
 * `SEALPOST_TEST_POSTGRES` (set by scripts/test-postgres.ts for the test files it runs) holds the
 * cluster's URL; `testDatabase()` makes a database of its own for each store a test opens.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { freePort } from "./ports.ts";
import { databaseOptions, loadConfig } from "../../src/config/index.ts";
import { openStore, WRITE_LOCK, type Store } from "../../src/store/index.ts";

/** The environment variable that names the test cluster (its URL, database `postgres`). */
export const TEST_POSTGRES_ENV = "SEALPOST_TEST_POSTGRES";

/** Debian's server binaries: /usr/lib/postgresql/VERSION/bin, the newest installed. */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error("PostgreSQL is not installed (Debian package postgresql: apt-get install postgresql)");
  return join(root, newest, "bin");
}

export interface Cluster {
  /** `postgres://sealpost@127.0.0.1:PORT/postgres`: the superuser's connection. */
  url: string;
  stop(): void;
}

/** Runs a server binary, as `postgres` when this process is root. */
function run(bin: string, args: string[]): void {
  const asRoot = userInfo().uid === 0;
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", cwd: tmpdir() });
  if (r.status !== 0) throw new Error(`${bin.split("/").at(-1) ?? bin} failed: ${(r.stderr || r.stdout || String(r.error)).trim().split("\n").slice(-3).join(" / ")}`);
}

/** `durable`: fsync and synchronous commits on, as a production server runs (for benchmarks); default off. */
export async function startCluster(opts: { durable?: boolean } = {}): Promise<Cluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "sealpost-pg-"));
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  const port = await freePort();
  run(join(bin, "initdb"), ["-D", data, "-U", "sealpost", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    ...(opts.durable === true ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
    "-c max_connections=400",
    "-c shared_buffers=64MB",
  ].join(" ");
  run(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "60", "start"]);
  return {
    url: `postgres://sealpost@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The test cluster's URL, when this test file runs against PostgreSQL. */
export function testCluster(): string | undefined {
  const url = process.env[TEST_POSTGRES_ENV];
  return url === undefined || url === "" ? undefined : url;
}

/** A new, empty database in the test cluster: its URL (made with psql, so a synchronous set-up can call it). */
export function createDatabase(clusterUrl: string): string {
  const name = `t_${randomBytes(8).toString("hex")}`;
  const r = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", clusterUrl, "-c", `create database ${name}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`create database failed: ${(r.stderr || String(r.error)).trim()}`);
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Store options for a test: a database of its own on PostgreSQL runs, nothing (SQLite) otherwise. */
export function testStoreOptions(): { postgres?: string } {
  const cluster = testCluster();
  return cluster === undefined ? {} : { postgres: createDatabase(cluster) };
}

/** `openStore` for a unit test: on PostgreSQL runs, in a database of its own. */
export function openTestStore(dir: string, opts: NonNullable<Parameters<typeof openStore>[1]> = {}): Promise<Store> {
  return openStore(dir, { ...opts, ...testStoreOptions() });
}

/** The store of a data directory as its server and CLI open it (its config says which engine), for a test to read. */
export function openDataDir(dataDir: string): Promise<Store> {
  return openStore(dataDir, databaseOptions(loadConfig(dataDir), dataDir));
}

/**
 * Takes the store's write lock from outside the server, as another writer would hold it: SQLite's
 * (BEGIN IMMEDIATE on the file) or PostgreSQL's (the advisory lock every write transaction takes
 * first, src/store/postgres.ts). Returns its release.
 */
export async function holdWriteLock(dataDir: string): Promise<() => Promise<void>> {
  const { postgres } = databaseOptions(loadConfig(dataDir), dataDir);
  if (postgres === undefined) {
    const db = new DatabaseSync(join(dataDir, "sealpost.db"), { timeout: 10_000 });
    db.exec("BEGIN IMMEDIATE");
    return () => {
      db.exec("ROLLBACK");
      db.close();
      return Promise.resolve();
    };
  }
  const client = new pg.Client({ connectionString: postgres });
  await client.connect();
  await client.query("select pg_advisory_lock($1)", [WRITE_LOCK]);
  return () => client.end();
}
