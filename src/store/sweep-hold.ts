/**
 * Sweep holds: a backup (or any reader that copies message files named by a database snapshot)
 * puts a hold file under `DATA/sweep-holds/` before it takes its snapshot, and the blob sweep
 * removes nothing while a live hold exists.
 *
 * Why this is enough: the sweep asks the database which files are referenced, then checks for a
 * hold, then removes. If it saw no hold, its question was answered before the hold was made, so
 * before the snapshot; a file unreferenced then stays unreferenced ("a file with no row cannot
 * gain one", sweep.ts), so the snapshot does not name it either. Every file the snapshot names is
 * therefore still there until the hold is released. The one other deletion — a delivered queue
 * entry's own file, removed right after its row (`BlobStore.remove`) — checks for a hold the same
 * way, after the row is gone, and leaves the file to the sweep while one exists.
 *
 * A hold is live while its file was touched within HOLD_TTL_MS; the holder touches it every
 * minute, so one left by a crashed backup stops holding after an hour.
 */
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

export const HOLD_DIR = "sweep-holds";
export const HOLD_TTL_MS = 3_600_000;
const REFRESH_MS = 60_000;

interface SweepHold {
  /** Marks the hold live again now (the holder's timer does so every minute). */
  refresh(): Promise<void>;
  release(): Promise<void>;
}

/** Puts a hold on the data directory's blob sweep until `release`. */
export async function holdSweep(dataDir: string, label: string): Promise<SweepHold> {
  const dir = join(dataDir, HOLD_DIR);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${process.pid}-${randomBytes(6).toString("hex")}.hold`);
  await writeFile(path, `${JSON.stringify({ pid: process.pid, label, since: new Date().toISOString() })}\n`, { flag: "wx", mode: 0o600 });
  const refresh = async (): Promise<void> => {
    const t = new Date();
    await utimes(path, t, t).catch(() => undefined);
  };
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  timer.unref();
  return {
    refresh,
    async release() {
      clearInterval(timer);
      await rm(path, { force: true });
    },
  };
}

/** True while some hold on the data directory's sweep is live. */
export async function sweepHeld(dataDir: string, now: number = Date.now()): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(join(dataDir, HOLD_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  for (const name of names) {
    if (!name.endsWith(".hold")) continue;
    try {
      const st = await stat(join(dataDir, HOLD_DIR, name));
      if (now - st.mtimeMs < HOLD_TTL_MS) return true;
    } catch {
      // released meanwhile
    }
  }
  return false;
}
