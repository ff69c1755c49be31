/**
 * `sealpost backup DIR`: a consistent copy of a data directory while the server runs in another
 * process.
 *
 * 1. A sweep hold goes in first (store/sweep-hold.ts), so no message file the snapshot names can
 *    be swept before it is copied; a file swept before the hold was unreferenced already, so the
 *    snapshot does not name it.
 * 2. The database is copied with `VACUUM INTO`: one read transaction on the WAL database, so the
 *    copy is the database as of one commit, while the server goes on writing (WAL readers do not
 *    block writers). Every message acknowledged before the backup began is in it (acknowledged
 *    means committed).
 * 3. The message files the copy names — message rows and queue entries — are copied (they are
 *    written once and never change), each fsynced, then their directories.
 * 4. sealpost.toml and the certificate, key and CA files it names inside the data directory are
 *    copied, and ACME's account key, certificates and state (`acme/`, so that a restored server does
 *    not order anew); files it names outside the data directory are listed in the manifest, not copied.
 * 5. manifest.json goes last (written through a rename): a backup without one is incomplete.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { chmod, mkdir, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { loadConfig } from "../config/index.ts";
import { holdSweep, syncPath } from "../store/index.ts";
import { BackupError, copySynced, emptyDir, forEachLimited, removeIfEmpty, writeSynced } from "./files.ts";
import { MANIFEST, manifestText, type Manifest } from "./manifest.ts";

const DB = "sealpost.db";
const CONFIG = "sealpost.toml";
const COPIES_AT_ONCE = 8;

interface BackupResult {
  manifest: Manifest;
  dir: string;
}

/** sha256 of a file, streamed. */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** The data directory's own files the config names, relative to it; and the ones outside it. */
function configFiles(dataDir: string): { inside: string[]; outside: string[] } {
  const config = loadConfig(dataDir);
  const named = config.tls.certificates.flatMap((c) => [c.cert, c.key]);
  for (const caFile of [config.delivery.ca_file, config.acme.ca_file]) if (caFile !== "") named.push(isAbsolute(caFile) ? caFile : join(dataDir, caFile));
  const inside = new Set<string>([CONFIG]);
  const outside = new Set<string>();
  for (const p of named) {
    const rel = relative(dataDir, resolve(p));
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) outside.add(p);
    else inside.add(rel);
  }
  const acme = join(dataDir, "acme");
  if (existsSync(acme)) {
    for (const e of readdirSync(acme, { recursive: true, withFileTypes: true })) {
      if (e.isFile() && !e.name.endsWith(".tmp")) inside.add(relative(dataDir, join(e.parentPath, e.name)));
    }
  }
  return { inside: [...inside], outside: [...outside] };
}

export async function backupDataDir(dataDirIn: string, destIn: string, now: () => number = Date.now): Promise<BackupResult> {
  const dataDir = resolve(dataDirIn);
  const dest = resolve(destIn);
  if (dest === dataDir || !relative(dataDir, dest).startsWith("..")) throw new BackupError(`backup directory ${dest} is inside the data directory; give one outside it`);
  const files = configFiles(dataDir); // checks the config before anything is written
  if (!existsSync(join(dataDir, DB))) throw new BackupError(`${dataDir} has no ${DB}: not a Sealpost data directory`);
  await emptyDir(dest, "backup directory");
  const started = now();
  let hold;
  try {
    hold = await holdSweep(dataDir, `backup to ${dest}`);
  } catch (e) {
    await removeIfEmpty(dest);
    throw e;
  }
  try {
    // 2. One read transaction: the database as of one commit.
    const live = new DatabaseSync(join(dataDir, DB), { timeout: 5000 });
    try {
      live.prepare("VACUUM INTO ?").run(join(dest, DB));
    } finally {
      live.close();
    }
    await hold.refresh();
    await chmod(join(dest, DB), 0o600); // accounts and password hashes
    await syncPath(join(dest, DB));

    // 3. The message files the snapshot names.
    const snap = new DatabaseSync(join(dest, DB), { readOnly: true });
    let blobs = 0;
    let blobBytes = 0;
    let migration = "";
    try {
      migration = String((snap.prepare("select max(name) as m from kysely_migration").get() as { m: string | null } | undefined)?.m ?? "");
      const names = snap.prepare("select blob from messages union select blob from queue").iterate() as Iterable<{ blob: string }>;
      const made = new Map<string, Promise<void>>();
      await mkdir(join(dest, "blobs"), { mode: 0o700 });
      await forEachLimited(names, COPIES_AT_ONCE, async ({ blob }) => {
        if (!/^[0-9a-f]+\/[0-9a-f]+$/.test(blob)) throw new Error(`the database names a message file with an unexpected name: ${JSON.stringify(blob)}`);
        const bucket = blob.slice(0, blob.indexOf("/"));
        // One mkdir per bucket, which every copy into it waits for (copies run side by side).
        let dir = made.get(bucket);
        if (dir === undefined) {
          dir = mkdir(join(dest, "blobs", bucket), { recursive: true, mode: 0o700 }).then(() => undefined);
          made.set(bucket, dir);
        }
        await dir;
        try {
          const size = await copySynced(join(dataDir, "blobs", blob), join(dest, "blobs", blob));
          blobBytes += size; // not `blobBytes += await …`: that adds to the value read before the await
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`message file ${blob} named by the database is missing from ${dataDir}/blobs`);
          throw e;
        }
        blobs++;
        if (blobs % 1000 === 0) await hold.refresh();
      });
      for (const bucket of made.keys()) await syncPath(join(dest, "blobs", bucket));
      await syncPath(join(dest, "blobs"));
    } finally {
      snap.close();
    }

    // 4. The config and the files it names inside the data directory.
    for (const rel of files.inside) {
      await mkdir(dirname(join(dest, rel)), { recursive: true, mode: 0o700 });
      await copySynced(join(dataDir, rel), join(dest, rel));
      if (dirname(rel) !== ".") await syncPath(dirname(join(dest, rel)));
    }

    // 5. The manifest, last.
    const manifest: Manifest = {
      format: "sealpost-backup",
      version: 1,
      created: new Date(started).toISOString(),
      source: dataDir,
      database: { file: DB, sha256: await fileSha256(join(dest, DB)), migration },
      blobs: { count: blobs, bytes: blobBytes },
      files: files.inside.sort(),
      notCopied: files.outside.sort(),
    };
    await writeSynced(join(dest, MANIFEST), manifestText(manifest));
    await syncPath(dest);
    await syncPath(dirname(dest));
    return { manifest, dir: dest };
  } catch (e) {
    // The directory was new or empty: what is in it now is this backup's, and incomplete.
    await rm(dest, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  } finally {
    await hold.release();
  }
}
