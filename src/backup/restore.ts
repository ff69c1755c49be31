/**
 * `sealpost restore DIR --data NEW`: makes a new data directory from a backup. It refuses a
 * target that exists with anything in it (never mixes a backup into live data), checks the
 * database against the manifest's sha256 and the message files against its count and bytes,
 * builds everything in a sibling staging directory (fsynced), opens it once (migrations of a
 * backup from an older release apply here, and SQLite's quick_check runs), and only then renames
 * it into place.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { sql } from "kysely";
import { loadConfig } from "../config/index.ts";
import { openStore, syncPath } from "../store/index.ts";
import { fileSha256 } from "./backup.ts";
import { BackupError, bucketFiles, copySynced, emptyDir, forEachLimited, removeIfEmpty } from "./files.ts";
import { readManifest, type Manifest } from "./manifest.ts";

const COPIES_AT_ONCE = 8;

interface RestoreResult {
  manifest: Manifest;
  dir: string;
}

export async function restoreDataDir(backupIn: string, targetIn: string): Promise<RestoreResult> {
  const backup = resolve(backupIn);
  const target = resolve(targetIn);
  const manifest = await readManifest(backup);
  // Refused before anything is written: an existing data directory is never overwritten.
  await emptyDir(target, "data directory", false);
  const staging = join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
  await mkdir(dirname(target), { recursive: true });
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  try {
    const dbFrom = join(backup, manifest.database.file);
    if ((await fileSha256(dbFrom)) !== manifest.database.sha256) throw new BackupError(`${dbFrom} does not match the manifest's checksum: the backup is damaged`);
    await copySynced(dbFrom, join(staging, "sealpost.db"));

    const dirs = new Set<string>([staging]);
    for (const rel of manifest.files) {
      const to = join(staging, rel);
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await copySynced(join(backup, rel), to);
      dirs.add(dirname(to));
    }

    let count = 0;
    let bytes = 0;
    await mkdir(join(staging, "blobs"), { mode: 0o700 });
    dirs.add(join(staging, "blobs"));
    const buckets = new Map<string, Promise<void>>();
    await forEachLimited(bucketFiles(join(backup, "blobs")), COPIES_AT_ONCE, async (name) => {
      const bucket = join(staging, "blobs", name.slice(0, name.indexOf("/")));
      // One mkdir per bucket, which every copy into it waits for (copies run side by side).
      let made = buckets.get(bucket);
      if (made === undefined) {
        made = mkdir(bucket, { recursive: true, mode: 0o700 }).then(() => undefined);
        buckets.set(bucket, made);
        dirs.add(bucket);
      }
      await made;
      const size = await copySynced(join(backup, "blobs", name), join(staging, "blobs", name));
      bytes += size; // not `bytes += await …`: that would add to the value read before the await
      count++;
    });
    if (count !== manifest.blobs.count || bytes !== manifest.blobs.bytes) {
      throw new BackupError(`the backup's message files (${count} files, ${bytes} bytes) do not match its manifest (${manifest.blobs.count} files, ${manifest.blobs.bytes} bytes)`);
    }
    for (const d of [...dirs].reverse()) await syncPath(d);

    loadConfig(staging);
    const store = await openStore(staging);
    try {
      const check = await sql<{ quick_check: string }>`pragma quick_check`.execute(store.db);
      const verdict = check.rows.map((r) => r.quick_check).join("; ");
      if (verdict !== "ok") throw new BackupError(`the backup's database fails SQLite's quick_check: ${verdict.slice(0, 200)}`);
    } finally {
      await store.close();
    }

    await removeIfEmpty(target); // an empty directory given as the target
    await rename(staging, target);
    await syncPath(dirname(target));
    return { manifest, dir: target };
  } catch (e) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
