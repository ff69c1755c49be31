/**
 * `sealpost migrate --to postgres URL [--blob-dir DIR]` (issue 16): moves a data directory's SQLite
 * store into a new PostgreSQL database — the tables in one transaction, the message files into the
 * directory the nodes will share — checks that every row and every message file arrived (SHA-256
 * against the source), and only then switches `sealpost.toml` to the new store. The SQLite file
 * stays as it was, for a way back. The server must be stopped: nothing may write meanwhile.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { listNodes } from "../cluster/index.ts";
import { databaseOptions, editConfig, loadConfig, validateConfig } from "../config/index.ts";
import { copyToPostgres, openStore } from "../store/index.ts";
import { dataDir, formatSize, UsageError } from "./common.ts";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("move this data directory's SQLite store into a new PostgreSQL database (and the message files into --blob-dir), check that everything arrived, then switch sealpost.toml to it")
    .requiredOption("--to <engine>", 'the engine to move to: "postgres"')
    .argument("<url>", "the new, empty database: postgres://USER@HOST:PORT/DATABASE (its password from PGPASSWORD or ~/.pgpass)")
    .option("--blob-dir <dir>", "the message files' directory, shared by the nodes (absolute, or relative to the data directory); default: blobs/ where it is")
    .action(async (url: string, flags: { data?: string; to: string; blobDir?: string }) => {
      if (flags.to !== "postgres") throw new UsageError(`--to: expected "postgres", got "${flags.to}"`);
      const dir = dataDir(flags);
      const config = loadConfig(dir);
      if (config.store.backend === "postgres") throw new UsageError("the store is in PostgreSQL already (store.backend)");
      const postgres = { url, blob_dir: flags.blobDir ?? "" };
      // The URL and directory are checked as the config will hold them, before anything is opened.
      const target = databaseOptions(validateConfig({ hostname: config.hostname, store: { backend: "postgres", postgres } }), dir);
      const from = await openStore(dir);
      try {
        const running = (await listNodes(from.db)).find((n) => n.state === "live" && resolve(n.dataDir) === dir);
        if (running !== undefined) throw new UsageError(`the server on ${dir} is running (pid ${running.pid}, last seen ${Math.round((Date.now() - running.lastSeen) / 1000)} s ago): stop it first (a server killed less than 30 s ago counts as running)`);
        const to = await openStore(dir, target);
        try {
          const out = (line: string): void => void process.stdout.write(`${line}\n`);
          const report = await copyToPostgres(from.db, to.db, resolve(dir, "blobs"), target.blobDir ?? resolve(dir, "blobs"), out);
          const rows = report.tables.reduce((n, t) => n + t.rows, 0);
          out(`checked: ${report.tables.length} tables, ${rows} rows, as in SQLite; ${report.files} message files (${formatSize(report.bytes)}${report.copied > 0 ? `, ${report.copied} copied` : ""}), each the same by SHA-256`);
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
      editConfig(dir, { store: { backend: "postgres" }, "store.postgres": postgres });
      process.stdout.write(`sealpost.toml: store.backend = "postgres"; ${resolve(dir, "sealpost.db")} is kept as it was (remove it once the server runs well on PostgreSQL)\n`);
    });
}
