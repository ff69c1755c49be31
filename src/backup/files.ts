/** File copies that are on disk when they return: copy + fsync, directory fsync, a directory walk. */
import { constants } from "node:fs";
import { copyFile, mkdir, open, opendir, readdir, rename, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { syncPath } from "../store/index.ts";

/** A refusal the operator can fix (an existing target, a missing or foreign backup): exit status 2. */
export class BackupError extends Error {
  override name = "BackupError";
}

/** Copies `from` to the new file `to` (never over an existing one) and fsyncs it; returns its size. */
export async function copySynced(from: string, to: string): Promise<number> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
  const fh = await open(to, "r");
  try {
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/** Writes `text` to `path` through a temporary file and a rename, fsynced. */
export async function writeSynced(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await syncPath(tmp);
  await rename(tmp, path);
  await syncPath(dirname(path));
}

/** Refuses a `dir` that exists with anything in it; makes a missing one when `create`. */
export async function emptyDir(dir: string, what: string, create = true): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      if (create) await mkdir(dir, { recursive: true, mode: 0o700 });
      return;
    }
    if (code === "ENOTDIR") throw new BackupError(`${what} ${dir} is a file; give a new or empty directory`);
    throw e;
  }
  if (entries.length > 0) throw new BackupError(`${what} ${dir} is not empty; refusing to overwrite it`);
}

/** Removes `dir` if it is an empty directory (a target that was made, or given empty). */
export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

/** Every file under `root`, as paths relative to it ("bucket/name"), one level of buckets deep. */
export async function* bucketFiles(root: string): AsyncGenerator<string> {
  let buckets;
  try {
    buckets = await readdir(root, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  for (const b of buckets.filter((d) => d.isDirectory()).sort((x, y) => x.name.localeCompare(y.name))) {
    for await (const f of await opendir(join(root, b.name))) {
      if (f.isFile()) yield `${b.name}/${f.name}`;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at a time, in a bounded window (for async iterables too). */
export async function forEachLimited<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  const failures: Error[] = [];
  for await (const item of items) {
    if (failures.length > 0) break;
    const p: Promise<void> = fn(item).then(
      () => {
        running.delete(p);
      },
      (e: unknown) => {
        running.delete(p);
        failures.push(e instanceof Error ? e : new Error(String(e)));
      },
    );
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  const first = failures[0];
  if (first !== undefined) throw first;
}
