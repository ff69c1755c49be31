/**
 * The blob sweep: removes message files that no message row and no queue entry names — left by a
 * crash between a blob's write and its commit, by a failed write, by EXPUNGE, POP3 DELE, a deleted
 * mailbox or a delivered queue entry whose blob a mailbox shared. Safe while the server delivers:
 *
 * - a blob is written before the row that names it commits, so a file this process is writing or
 *   handing off is skipped (`BlobStore.isInFlight`), and a file younger than the grace period is
 *   skipped too (a write in another process, which this one cannot see);
 * - a file with no row cannot gain one: rows only ever name new blobs or copy an existing row's;
 * - which files rows name is read through the group committer, so a deletion counts only once it
 *   is durable (the server commits with "async-wal-fsync");
 * - while a backup holds the sweep (sweep-hold.ts), a batch removes nothing: the hold is checked
 *   after the batch's references were read and before any removal.
 *
 * It walks the buckets with async directory reads and checks names in batches, yielding to the
 * event loop between batches, so a large store never stalls the sessions. Empty buckets older than
 * the grace period are removed too. Files that do not look like blobs are left alone.
 */
import { opendir, readdir, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Store } from "./database.ts";
import { hourBucket } from "./blobs.ts";
import { referencedBlobs } from "./handoff.ts";
import { sweepHeld } from "./sweep-hold.ts";
import { Periodic } from "./periodic.ts";

const BUCKET = /^[0-9a-f]{1,12}$/;
const FILE = /^[0-9a-f]{24}$/;
const BATCH = 256;

interface SweepOptions {
  /** Files modified less than this long ago are left alone, ms. */
  graceMs: number;
  /** Stops between batches. */
  signal?: AbortSignal;
  now?: () => number;
}

interface SweepReport {
  /** Message files looked at. */
  files: number;
  /** Named by a message row or a queue entry. */
  referenced: number;
  /** Younger than the grace period. */
  young: number;
  /** Being written or handed off by this process. */
  inFlight: number;
  /** Unreferenced but kept: a backup held the sweep (sweep-hold.ts). */
  held: number;
  removed: number;
  removedBytes: number;
  /** Could not be looked at or removed (counted, left for the next sweep). */
  failed: number;
  /** Empty old bucket directories removed. */
  buckets: number;
  ms: number;
}

interface Candidate {
  name: string;
  size: number;
}

export async function sweepBlobs(store: Store, opts: SweepOptions): Promise<SweepReport> {
  const now = opts.now ?? Date.now;
  const aborted = (): boolean => opts.signal?.aborted === true;
  const started = now();
  const report: SweepReport = { files: 0, referenced: 0, young: 0, inFlight: 0, held: 0, removed: 0, removedBytes: 0, failed: 0, buckets: 0, ms: 0 };
  let buckets: string[];
  try {
    buckets = (await readdir(store.blobs.dir, { withFileTypes: true })).filter((d) => d.isDirectory() && BUCKET.test(d.name)).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    buckets = [];
  }
  for (const bucket of buckets.sort()) {
    if (aborted()) break;
    const left = await sweepBucket(store, bucket, opts, now, report);
    // The writer only ever adds to the current hour's bucket: an older empty one is done.
    const oldEnough = parseInt(bucket, 16) < parseInt(hourBucket(now() - opts.graceMs), 16) - 1;
    if (left === 0 && oldEnough && !aborted()) {
      await rmdir(join(store.blobs.dir, bucket)).then(
        () => report.buckets++,
        () => undefined, // not empty after all, or gone: fine
      );
    }
  }
  report.ms = now() - started;
  return report;
}

/** Sweeps one bucket; returns how many entries are left in it. */
async function sweepBucket(store: Store, bucket: string, opts: SweepOptions, now: () => number, report: SweepReport): Promise<number> {
  const path = join(store.blobs.dir, bucket);
  let entries = 0;
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    const names = batch;
    batch = [];
    entries -= await sweepBatch(store, names, opts, now, report);
    await yieldToLoop();
  };
  let dir;
  try {
    dir = await opendir(path, { bufferSize: BATCH });
  } catch {
    report.failed++;
    return 1;
  }
  for await (const ent of dir) {
    entries++;
    if (!ent.isFile() || !FILE.test(ent.name)) continue;
    batch.push(`${bucket}/${ent.name}`);
    if (batch.length >= BATCH) {
      await flush();
      if (opts.signal?.aborted === true) return entries + 1;
    }
  }
  if (batch.length > 0) await flush();
  return entries;
}

/** Judges one batch of names; returns how many files it removed. */
async function sweepBatch(store: Store, names: readonly string[], opts: SweepOptions, now: () => number, report: SweepReport): Promise<number> {
  report.files += names.length;
  const cutoff = now() - opts.graceMs;
  const old: Candidate[] = [];
  await Promise.all(
    names.map(async (name) => {
      if (store.blobs.isInFlight(name)) {
        report.inFlight++;
        return;
      }
      try {
        const st = await stat(store.blobs.path(name));
        // Whole milliseconds, as Date.now() counts: a file written this millisecond is not "in the future".
        if (Math.floor(st.mtimeMs) > cutoff) report.young++;
        else old.push({ name, size: st.size });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") report.failed++;
      }
    }),
  );
  if (old.length === 0) return 0;
  // Asked through the committer, not store.db: with "async-wal-fsync" a deletion (EXPUNGE, POP3
  // DELE, a delivered queue entry) is visible once committed, before its WAL fsync; a crash may
  // bring its row back. The committer runs one batch at a time and fsyncs each before the next, so
  // what this transaction reads is on disk by the time it resolves (and nothing if the fsync fails).
  // No second in-flight check is needed: a name becomes in flight only in BlobStore.write, for a new
  // random name opened with "wx", so a file that was not in flight above never becomes so.
  const referenced = await store.committer.submit((trx) => referencedBlobs(trx, old.map((c) => c.name)));
  report.referenced += referenced.size;
  // After the references were read (sweep-hold.ts says why this order keeps a backup's files).
  if (await sweepHeld(store.dataDir)) {
    report.held += old.length - referenced.size;
    return 0;
  }
  let removed = 0;
  for (const c of old) {
    if (referenced.has(c.name)) continue;
    try {
      await rm(store.blobs.path(c.name));
      report.removed++;
      report.removedBytes += c.size;
      removed++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") report.failed++;
    }
  }
  return removed;
}

/** One line for the log and the CLI. */
export function sweepSummary(r: SweepReport, graceMs: number): string {
  const kb = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`);
  const parts = [`${r.removed} unreferenced removed (${kb(r.removedBytes)})`, `${r.referenced} referenced`];
  if (r.young > 0) parts.push(`${r.young} younger than ${Math.round(graceMs / 1000)} s kept`);
  if (r.inFlight > 0) parts.push(`${r.inFlight} being written kept`);
  if (r.held > 0) parts.push(`${r.held} kept while a backup runs`);
  if (r.failed > 0) parts.push(`${r.failed} could not be checked`);
  if (r.buckets > 0) parts.push(`${r.buckets} empty directories removed`);
  return `blob sweep: ${r.files} message files, ${parts.join(", ")} in ${r.ms} ms`;
}

interface SweeperOptions {
  /** Between the end of one sweep and the start of the next, ms (read each time: reload applies). */
  intervalMs: () => number;
  graceMs: () => number;
  onReport: (r: SweepReport, graceMs: number) => void;
  onError: (e: unknown) => void;
}

/** The server's sweep: once at start-up, then every interval; `stop` ends a sweep between batches. */
export function blobSweeper(store: Store, o: SweeperOptions): Periodic {
  return new Periodic(
    async (signal) => {
      const graceMs = o.graceMs();
      try {
        o.onReport(await sweepBlobs(store, { graceMs, signal }), graceMs);
      } catch (e) {
        o.onError(e);
      }
    },
    { firstDelayMs: 0, intervalMs: o.intervalMs },
  );
}
