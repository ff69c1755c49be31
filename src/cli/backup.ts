/**
 * `sealpost backup DIR`, `sealpost restore DIR --data NEW`, `sealpost export ADDRESS FILE` and
 * `sealpost import ADDRESS FILE`: all safe while the server runs on the same data directory.
 */
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import type { Command } from "commander";
import { loadConfig } from "../config/index.ts";
import { backupDataDir, exportAccount, importAccount, restoreDataDir } from "../backup/index.ts";
import { dataDir, printJson, UsageError, withStore } from "./common.ts";

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

export function registerBackup(program: Command): void {
  program
    .command("backup <dir>")
    .description("copy the database, message files, config and certificates into DIR (new or empty), consistently, while the server runs")
    .option("--json", "print the manifest as JSON")
    .action(async (dir: string, flags: { data?: string; json?: boolean }) => {
      if (loadConfig(dataDir(flags)).store.backend === "postgres") {
        throw new UsageError("the store is in PostgreSQL (store.backend): back up the database with pg_dump and the message files (blobs/ or store.postgres.blob_dir) as files");
      }
      const { manifest, dir: dest } = await backupDataDir(dataDir(flags), dir);
      if (flags.json === true) return printJson(manifest);
      process.stdout.write(
        `backup in ${dest}: database (${manifest.database.migration}), ${manifest.blobs.count} message files (${mb(manifest.blobs.bytes)}), ${manifest.files.join(", ")}\n`,
      );
      if (manifest.notCopied.length > 0) process.stdout.write(`not copied (outside the data directory; back them up yourself): ${manifest.notCopied.join(", ")}\n`);
    });

  program
    .command("restore <dir>")
    .description("make a new data directory (--data, which must not exist or be empty) from the backup in DIR")
    .action(async (dir: string, flags: { data?: string }) => {
      const { manifest, dir: target } = await restoreDataDir(dir, dataDir(flags));
      process.stdout.write(`restored the backup of ${manifest.created} into ${target}: ${manifest.blobs.count} message files (${mb(manifest.blobs.bytes)})\n`);
      if (manifest.notCopied.length > 0) process.stdout.write(`put these back by hand (they were outside the data directory): ${manifest.notCopied.join(", ")}\n`);
    });

  program
    .command("export <address> <file>")
    .description("write an account's mail, every mailbox with flags and dates, to FILE as mbox (mboxrd)")
    .action(async (address: string, file: string, flags: { data?: string }) => {
      await withStore(flags, async (store) => {
        let fh;
        try {
          fh = await open(file, "wx", 0o600);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EEXIST") throw new UsageError(`${file} exists already; refusing to overwrite it`);
          if (code === "ENOENT") throw new UsageError(`cannot create ${file}: no such directory`);
          throw e;
        }
        let r;
        try {
          r = await exportAccount(store, address, async (chunk) => {
            await fh.write(chunk);
          });
          await fh.sync();
        } catch (e) {
          await fh.close();
          await rm(file, { force: true });
          throw e;
        }
        await fh.close();
        const skipped = r.skipped > 0 ? ` (${r.skipped} deleted while exporting, left out)` : "";
        process.stdout.write(`exported ${r.messages} messages (${mb(r.bytes)}) from ${r.mailboxes} mailboxes of ${r.address} to ${file}${skipped}\n`);
      });
    });

  program
    .command("import <address> <file>")
    .description("append the messages of an mbox FILE to an account, into the mailboxes and with the flags an export recorded")
    .option("--mailbox <name>", "mailbox for messages the file does not place (another program's mbox)", "INBOX")
    .action(async (address: string, file: string, flags: { data?: string; mailbox: string }) => {
      const config = loadConfig(dataDir(flags));
      await withStore(flags, async (store) => {
        const input = createReadStream(file, { highWaterMark: 256 * 1024 });
        const opened = new Promise<void>((resolve, reject) => {
          input.once("open", () => resolve());
          input.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT" ? new UsageError(`${file}: no such file`) : e));
        });
        await opened;
        const r = await importAccount(store, address, input as AsyncIterable<Buffer>, { maxMessageBytes: config.imap.max_literal, mailbox: flags.mailbox });
        const created = r.created.length > 0 ? ` (created ${r.created.join(", ")})` : "";
        process.stdout.write(`imported ${r.messages} messages into ${r.address}${created}\n`);
      });
    });
}
