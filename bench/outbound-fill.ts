/**
 * Filling the outbound benchmark's queue as a submission hand-off would (outbound-targets.ts runs
 * the batch): each message through dkim's signForQueue — the signing step timed on its own, since
 * delivery no longer signs — then a fsynced blob and committed queue rows, with the queue paused.
 */
import { signForQueue } from "../src/dkim/index.ts";
import { enqueue, newQueueId, setPaused } from "../src/queue/index.ts";
import { openStore } from "../src/store/index.ts";
import { RCPT } from "./outbound-peers.ts";
import type { RunOptions } from "./outbound-targets.ts";
import { BENCH_DOMAIN } from "./sealpost-target.ts";

/** The sender in the hosted bench domain: its messages are DKIM-signed as they are queued. */
export const FROM = `bench@${BENCH_DOMAIN}`;
/** A sender in a domain Sealpost does not host: its messages are queued without a DKIM signature (src/dkim), for the cost of signing. */
const UNSIGNED_FROM = "bench@elsewhere.test";

/** A message of exactly `size` bytes (CRLF lines), unique per run and index; `date` fixed per run (it is signed). */
function buildMessage(i: number, size: number, runId: string, from = FROM, date = new Date()): Buffer {
  const head = [
    `From: Outbound bench <${from}>`,
    `To: <${RCPT}>`,
    `Subject: outbound bench ${i}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${runId}.${i}@${BENCH_DOMAIN}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "",
  ].join("\r\n");
  const line = "The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnopqrstu.\r\n";
  let rest = size - head.length;
  if (rest < 2) throw new Error(`--size ${size}: too small for the headers (${head.length} bytes)`);
  const parts = [head];
  while (rest >= line.length + 2 || rest === line.length) {
    parts.push(line);
    rest -= line.length;
  }
  if (rest > 0) parts.push(`${"x".repeat(rest - 2)}\r\n`);
  return Buffer.from(parts.join(""), "latin1");
}


/** What the hand-off's signing step (dkim's signForQueue) cost while the queue was filled. */
export interface HandOffSigning {
  /** CPU of this process (every thread: libuv's pool signs) per message, ms. */
  cpuMsPerMessage: number;
  wallMs: number;
  signed: number;
  /** The DKIM-Signature fields' bytes per message, on average. */
  bytesPerMessage: number;
}

/** Hand-off steps in flight at once, as a server has several sessions ending DATA; the signatures are synchronous, so only the key look-ups overlap. */
const SIGN_WINDOW = 16;

/**
 * Pauses the queue and fills it as a hand-off does: each message through dkim's signForQueue —
 * signed with the bench domain's keys when From is in it (`dkim`), else only looked at — then a
 * fsynced blob and committed rows. The signing step runs first, over the whole batch, and is
 * timed on its own (CPU of every thread of this process): delivery no longer signs, so this is
 * where signing costs.
 */
export async function fillQueue(dir: string, o: RunOptions, dkim: boolean): Promise<HandOffSigning> {
  const t0 = Date.now();
  const runId = newQueueId().toLowerCase();
  const date = new Date();
  const from = dkim ? FROM : UNSIGNED_FROM;
  const store = await openStore(dir);
  try {
    await setPaused(store.db, true);
    const ids = Array.from({ length: o.messages }, () => newQueueId());
    // 1. The hand-off's signing step, timed: only the signatures are kept (each message is made again below).
    const signaturesOf = new Array<Buffer | null>(o.messages).fill(null);
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    let next = 0;
    const signer = async (): Promise<void> => {
      for (let k = next++; k < o.messages; k = next++) {
        const parts = await signForQueue(store.db, undefined, { id: ids[k] ?? "", parts: [buildMessage(k, o.size, runId, from, date)], source: `submission:${from}` });
        signaturesOf[k] = parts.length > 1 ? (parts[0] ?? null) : null;
      }
    };
    await Promise.all(Array.from({ length: SIGN_WINDOW }, signer));
    const wallMs = performance.now() - w0;
    const used = process.cpuUsage(cpu0);
    const signing: HandOffSigning = {
      cpuMsPerMessage: (used.user + used.system) / 1000 / o.messages,
      wallMs,
      signed: signaturesOf.filter((x) => x !== null).length,
      bytesPerMessage: signaturesOf.reduce((n, x) => n + (x?.length ?? 0), 0) / o.messages,
    };
    if (dkim && signing.signed !== o.messages) throw new Error(`fill: only ${signing.signed} of ${o.messages} messages signed`);

    // 2. Blobs and queue rows, as a hand-off leaves them.
    const window = 64;
    const blobs = new Array<Promise<{ name: string; size: number; dir: string }>>(o.messages);
    const start = (k: number): void => {
      if (k >= o.messages) return;
      const signature = signaturesOf[k];
      const message = buildMessage(k, o.size, runId, from, date);
      blobs[k] = store.blobs.write(signature === null || signature === undefined ? [message] : [signature, message]);
    };
    for (let k = 0; k < Math.min(window, o.messages); k++) start(k);
    const commits: Array<Promise<unknown>> = [];
    for (let k = 0; k < o.messages; k++) {
      const blob = await blobs[k];
      if (blob === undefined) throw new Error("fill: blob missing");
      start(k + window);
      const msg = { id: ids[k] ?? newQueueId(), from, recipients: [RCPT], blob: blob.name, size: blob.size, source: `submission:${from}`, ownsBlob: true };
      commits.push(store.committer.submit((trx) => enqueue(trx, msg), [blob.dir]));
      if (commits.length >= 512) await Promise.all(commits.splice(0));
    }
    await Promise.all(commits);
    o.note(
      `sealpost: ${o.messages} messages of ${o.size} bytes queued (paused), ${dkim ? "DKIM-signed at the hand-off" : "unsigned (From not hosted)"}, in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `the signing step: ${signing.cpuMsPerMessage.toFixed(3)} ms CPU per message, ${(wallMs / 1000).toFixed(1)} s`,
    );
    return signing;
  } finally {
    await store.close();
  }
}

