/**
 * Message bodies as files under `DATA/blobs/`, written once and fsynced. A blob becomes visible
 * only through a database row that names it, committed after the file and its directory entry are
 * on disk, so a crash between the two leaves at worst an unreferenced file, never a row without
 * its bytes. Unreferenced files are removed by the sweep (sweep.ts); a blob is "in flight" from
 * its write until the commit that names it has finished (`settle`), and the sweep leaves it alone.
 *
 * A write needs room above the free-space floor (space.ts) before it starts; one that fails anyway
 * (ENOSPC: another process filled the disk) removes its partial file and throws StorageFullError.
 */
import { constants } from "node:fs";
import { mkdir, open, readFile, rm, type FileHandle } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { asStorageError, isStorageFull, type DiskSpace } from "./space.ts";
import { sweepHeld } from "./sweep-hold.ts";
import { HeldSync, syncPath } from "./fsync.ts";

/** A blob's name: its hour bucket and random hex digits, "<bucket>/<random>" (the writer uses 24). */
const BLOB_NAME = /^[0-9a-f]+\/[0-9a-f]+$/;
/** Blob directories are named after the hour they were written in (hours since the epoch, hex). */
export const hourBucket = (ms: number): string => Math.floor(ms / 3_600_000).toString(16);

/**
 * Room counted per message besides its bytes: the commit that names it writes a handful of 4 KB
 * pages to the WAL (the rows, their indexes, the mailbox, audit rows) until the next reading.
 */
const ROW_ROOM = 32 * 1024;
/** Up to this size a blob is written with one write on an O_DSYNC file; beyond, written then fdatasynced once. */
const ONE_WRITE_MAX = 1024 * 1024;

export interface WrittenBlob {
  name: string;
  size: number;
  /** Its directory, fsynced by the committer before the row that names the blob commits. */
  dir: string;
}

/** A blob's file is gone: the message was deleted (and its file swept) after the reader listed it. */
export class BlobGoneError extends Error {
  override name = "BlobGoneError";
  constructor(blob: string) {
    super(`message file ${blob} is gone: the message was deleted`);
  }
}

export class BlobStore {
  readonly dir: string;
  readonly #madeDirs = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #space: DiskSpace | null;
  /** The recent buckets' directories, held open for the committer's fsyncs. */
  readonly #dirSync = new HeldSync({ limit: 4 });

  constructor(dir: string, space: DiskSpace | null = null) {
    this.dir = dir;
    this.#space = space;
  }

  /**
   * Writes `parts` to a new blob and fsyncs it; returns its name ("<bucket>/<random>"). Blobs are
   * bucketed by the hour they were written in, so a group commit's new files share one directory
   * and need one directory fsync (`syncDirs`, called by the committer before the index commits).
   * The blob is in flight until `settle` (commitWithBlobs in handoff.ts does both).
   */
  async write(parts: readonly Uint8Array[]): Promise<WrittenBlob> {
    const bytes = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
    const size = bytes.byteLength;
    const room = size + ROW_ROOM;
    await this.#space?.reserve(room);
    const bucket = hourBucket(Date.now());
    const sub = join(this.dir, bucket);
    const name = `${bucket}/${randomBytes(12).toString("hex")}`;
    this.#inFlight.add(name);
    let created = false;
    try {
      await this.#makeDir(sub);
      // A message of one write is opened O_DSYNC: the write returns once the data (and what is needed to
      // read it back) is on disk, as fdatasync would make it, a round trip to the thread pool saved.
      const oneWrite = size <= ONE_WRITE_MAX;
      const fh = await this.#create(sub, name, oneWrite ? constants.O_DSYNC : 0);
      created = true;
      try {
        if (oneWrite) await writeAll(fh, bytes);
        else {
          await fh.writeFile(bytes);
          await fh.datasync();
        }
      } catch (e) {
        await fh.close().catch(() => undefined);
        throw e;
      }
      // Durable once datasync returned: the close need not hold the message up.
      fh.close().catch(() => undefined);
    } catch (e) {
      this.#space?.release(room);
      this.#inFlight.delete(name);
      // A partial file is nobody's: remove it now rather than leave it to the sweep.
      if (created) await rm(join(this.dir, name), { force: true }).catch(() => undefined);
      if (isStorageFull(e)) this.#space?.invalidate(`a message file could not be written (${(e as NodeJS.ErrnoException).code ?? "full"})`);
      throw asStorageError(e);
    }
    this.#space?.written(room);
    return { name, size, dir: sub };
  }

  /** The commit naming `name` has finished (or failed and the file is gone): the sweep may judge it now. */
  settle(name: string): void {
    this.#inFlight.delete(name);
  }

  /** Being written by this process, or waiting for the commit that names it. */
  isInFlight(name: string): boolean {
    return this.#inFlight.has(name);
  }

  /** fsyncs directories so that new directory entries survive a crash. */
  async syncDirs(dirs: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(dirs)].map((d) => this.#dirSync.sync(d)));
  }

  /** Lets go of the directories held open for syncDirs. */
  close(): Promise<void> {
    return this.#dirSync.close();
  }

  path(name: string): string {
    if (!BLOB_NAME.test(name)) throw new Error("invalid blob name");
    return join(this.dir, name);
  }

  /**
   * Deletes a blob no row names any more (a delivered queue entry's own copy). While a backup
   * holds the sweep the file stays for the sweep to take later: the backup's snapshot may have
   * been taken before the row went (the order that makes this safe is in sweep-hold.ts).
   */
  async remove(name: string): Promise<void> {
    const path = this.path(name);
    if (await sweepHeld(dirname(this.dir))) return;
    await rm(path, { force: true });
  }

  /**
   * A blob's bytes; `size`, when known, saves an fstat (open, pread, close). A file that is gone
   * throws BlobGoneError: its rows were deleted and the sweep took it, while a session that has
   * not been told of the deletion may still ask (RFC 2180 §4.1.1, a POP3 session's listing).
   */
  async read(name: string, size?: number): Promise<Buffer> {
    const path = this.path(name);
    try {
      return size === undefined ? await readFile(path) : await readSized(path, size);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new BlobGoneError(name);
      throw e;
    }
  }

  async #makeDir(sub: string): Promise<void> {
    if (this.#madeDirs.has(sub)) return;
    await mkdir(sub, { recursive: true });
    this.#madeDirs.add(sub);
    await syncPath(this.dir);
  }

  /** Opens the new file; a bucket removed meanwhile (the sweep drops old empty ones) is made again. */
  async #create(sub: string, name: string, extra: number): ReturnType<typeof open> {
    // "wx": write-only, created, failing if it exists.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | extra;
    try {
      return await open(join(this.dir, name), flags, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      this.#madeDirs.delete(sub);
      await this.#makeDir(sub);
      return open(join(this.dir, name), flags, 0o600);
    }
  }
}

/** Writes all of `bytes` from offset 0 (a regular file's write is rarely short, but may be). */
async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, done);
    done += bytesWritten;
  }
}

async function readSized(path: string, size: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafeSlow(size); // not from the shared pool: a cached small blob would pin a whole slab
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) throw new Error(`blob shorter than its recorded size: ${path}`);
      got += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

