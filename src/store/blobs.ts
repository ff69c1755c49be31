/**
 * Message bodies as files under `DATA/blobs/`, written once and fsynced. A blob becomes visible
 * only through a database row that names it, committed after the file and its directory entry are
 * on disk, so a crash between the two leaves at worst an unreferenced file, never a row without
 * its bytes.
 */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

export class BlobStore {
  readonly dir: string;
  readonly #madeDirs = new Set<string>();
  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Writes `parts` to a new blob and fsyncs it; returns its name ("<bucket>/<random>"). Blobs are
   * bucketed by the hour they were written in, so a group commit's new files share one directory
   * and need one directory fsync (`syncDirs`, called by the committer before the index commits).
   */
  async write(parts: readonly Uint8Array[]): Promise<{ name: string; size: number; dir: string }> {
    const bucket = Math.floor(Date.now() / 3_600_000).toString(16);
    const sub = join(this.dir, bucket);
    if (!this.#madeDirs.has(sub)) {
      await mkdir(sub, { recursive: true });
      this.#madeDirs.add(sub);
      await syncDir(this.dir);
    }
    const name = `${bucket}/${randomBytes(12).toString("hex")}`;
    const fh = await open(join(this.dir, name), "wx", 0o600);
    const bytes = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
    const size = bytes.byteLength;
    try {
      await fh.writeFile(bytes);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    return { name, size, dir: sub };
  }

  /** fsyncs directories so that new directory entries survive a crash. */
  async syncDirs(dirs: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(dirs)].map((d) => syncDir(d)));
  }

  path(name: string): string {
    if (!/^[0-9a-f]+\/[0-9a-f]+$/.test(name)) throw new Error("invalid blob name");
    return join(this.dir, name);
  }

  /** Deletes a blob no row names any more (a delivered queue entry's own copy). */
  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  async read(name: string): Promise<Buffer> {
    return readFile(this.path(name));
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
