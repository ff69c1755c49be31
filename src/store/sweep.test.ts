import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  appendMessage,
  blobSweeper,
  commitWithBlobs,
  copyMessages,
  deliverMessage,
  expunge,
  GroupCommitter,
  listMessages,
  storeFlags,
  sweepBlobs,
  type Store,
} from "./index.ts";
import { hourBucket } from "./blobs.ts";
import { withFailingWal, withTestAccount } from "../../test/support/store.ts";

const HOUR = 3_600_000;

const withStore = withTestAccount;

/** Every blob file under blobs/, as "bucket/name". */
function files(store: Store): string[] {
  return readdirSync(store.blobs.dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath.slice(store.blobs.dir.length + 1)}/${e.name}`)
    .sort();
}

function age(store: Store, name: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  utimesSync(join(store.blobs.dir, name), t, t);
}

const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\n${s}\r\n`);

test("the sweep removes files nothing names and keeps referenced, young and in-flight ones", async () => {
  await withStore(async (store, ids) => {
    await deliverMessage(store, { id: "test", accounts: [ids.account], message: [msg("kept: in the INBOX")] });
    // B: appended, copied to Trash, expunged from the INBOX: the Trash copy still names its file.
    const b = await appendMessage(store, ids.inbox, msg("kept: copied"), "", 1);
    await copyMessages(store, ids.inbox, [b.uid], ids.trash);
    // C: appended and expunged: nothing names its file any more.
    const c = await appendMessage(store, ids.inbox, msg("orphan: expunged"), "", 2);
    const cBlob = (await listMessages(store.db, ids.account)).find((m) => m.uid === c.uid)?.blob;
    assert.ok(cBlob !== undefined);
    await storeFlags(store, ids.inbox, [b.uid, c.uid], "add", ["\\Deleted"]);
    assert.deepEqual(await expunge(store, ids.inbox), [b.uid, c.uid]);
    // D: only a queue entry names it.
    const d = await store.blobs.write([msg("kept: queued")]);
    await commitWithBlobs(store, [d], async (trx) => {
      await trx
        .insertInto("queue")
        .values({ id: "Q1", created_at: 0, mail_from: "", blob: d.name, size: d.size, source: "test" })
        .execute();
    });
    // E: an interrupted write (a file in a bucket that no row names); G: the same, but just written.
    const bucket = hourBucket(Date.now());
    mkdirSync(join(store.blobs.dir, bucket), { recursive: true });
    const e = `${bucket}/${"e".repeat(24)}`;
    const g = `${bucket}/${"0".repeat(24)}`;
    writeFileSync(join(store.blobs.dir, e), "partial");
    writeFileSync(join(store.blobs.dir, g), "partial");
    writeFileSync(join(store.blobs.dir, bucket, "not-a-blob.txt"), "left alone");
    // F: being written right now (no commit yet).
    const f = await store.blobs.write([msg("in flight")]);
    // An empty bucket from long ago.
    const oldBucket = hourBucket(Date.now() - 48 * HOUR);
    mkdirSync(join(store.blobs.dir, oldBucket));

    const before = files(store);
    for (const name of before) if (name !== g) age(store, name, 2 * HOUR);
    const named = [...(await listMessages(store.db, ids.account)), ...(await listMessages(store.db, ids.account, "Trash"))].map((m) => m.blob);
    assert.equal(named.length, 2);
    assert.ok(before.includes(cBlob), "the expunged message's file is there before the sweep");

    const r = await sweepBlobs(store, { graceMs: HOUR });
    assert.deepEqual(
      files(store),
      before.filter((n) => n !== e && n !== cBlob),
      "the expunged message's file and the interrupted write are gone; everything else stays",
    );
    assert.deepEqual([r.removed, r.young, r.inFlight, r.buckets], [2, 1, 1, 1]);
    assert.equal(r.referenced, 3, "the INBOX message, the Trash copy and the queue entry");
    assert.ok(!existsSync(join(store.blobs.dir, oldBucket)), "the empty old bucket is removed");
    assert.ok(existsSync(join(store.blobs.dir, bucket)), "the current bucket stays");
    assert.ok(existsSync(join(store.blobs.dir, bucket, "not-a-blob.txt")));

    // The write in flight fails before its commit: once settled, it is judged like any file.
    store.blobs.settle(f.name);
    const r2 = await sweepBlobs(store, { graceMs: 0 });
    assert.equal(r2.removed, 2, "the settled file without a row, and G (no grace now)");
    assert.deepEqual(files(store), [...named, d.name, `${bucket}/not-a-blob.txt`].sort(), "what rows name is all that is left (and the foreign file)");
  });
});

test("a failed commit removes its new file at once; a commit that landed but whose WAL fsync failed keeps it", async () => {
  await withStore(async (store, ids) => {
    const blob = await store.blobs.write([msg("commit fails")]);
    await assert.rejects(
      commitWithBlobs(store, [blob], async () => {
        throw new Error("constraint");
      }),
      /constraint/,
    );
    assert.deepEqual(files(store), [], "no file left behind");
    assert.equal(store.blobs.isInFlight(blob.name), false);

    const failingWal = withFailingWal(store);
    await assert.rejects(deliverMessage(failingWal, { id: "test", accounts: [ids.account], message: [msg("committed, not acknowledged")] }), /I\/O error/);
    const rows = await listMessages(store.db, ids.account);
    assert.equal(rows.length, 1, "the row is in the database");
    assert.deepEqual(files(store), [rows[0]?.blob], "and so is the file it names");
  });
});

test("the server's sweeper runs at once, again after its interval, and stops between batches", async () => {
  await withStore(async (store) => {
    const bucket = hourBucket(Date.now());
    mkdirSync(join(store.blobs.dir, bucket), { recursive: true });
    const orphan = (c: string): string => {
      const name = `${bucket}/${c.repeat(24)}`;
      writeFileSync(join(store.blobs.dir, name), "x");
      return name;
    };
    orphan("a");
    const reports: number[] = [];
    const sweeper = blobSweeper(store, { intervalMs: () => 20, graceMs: () => 0, onReport: (r) => reports.push(r.removed), onError: (e) => assert.fail(String(e)) });
    sweeper.start();
    while (reports.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(reports[0], 1, "the start-up sweep");
    orphan("b");
    while (!reports.slice(1).includes(1)) await new Promise((r) => setTimeout(r, 5));
    await sweeper.stop();
    const n = reports.length;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(reports.length, n, "no sweep after stop");
    assert.deepEqual(files(store), []);
  });
});

test("a deletion committed but not yet fsynced does not free its file: the sweep reads through the committer", async () => {
  await withStore(async (store, ids) => {
    // The server's durability: COMMIT is visible at once, the committer fsyncs the WAL afterwards.
    const waiting: Array<() => void> = [];
    let gated = false;
    const asyncWal: Store = {
      ...store,
      committer: new GroupCommitter(store.db, {
        syncDirs: (d) => store.blobs.syncDirs(d),
        syncWal: () => (gated ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
      }),
    };
    const a = await appendMessage(asyncWal, ids.inbox, msg("expunged, not yet durable"), "", 1);
    const [file] = files(store);
    assert.ok(file !== undefined);
    age(store, file, 2 * HOUR);
    await storeFlags(asyncWal, ids.inbox, [a.uid], "add", ["\\Deleted"]);
    gated = true;
    // EXPUNGE is answered once committed (GroupCommitter.apply), before its WAL fsync.
    assert.deepEqual(await expunge(asyncWal, ids.inbox), [a.uid]);
    assert.deepEqual(await listMessages(store.db, ids.account), []);
    // The row is gone from what the database shows, but a crash now could bring it back.
    const sweep = sweepBlobs(asyncWal, { graceMs: 0 });
    const first = await Promise.race([sweep, new Promise((r) => setTimeout(() => r("waiting"), 300))]);
    assert.equal(first, "waiting", "the sweep waits for the deletion's fsync");
    assert.ok(existsSync(join(store.blobs.dir, file)), "the file is kept until then");
    gated = false;
    for (const fsynced of waiting.splice(0)) fsynced();
    assert.equal((await sweep).removed, 1, "durably unreferenced: removed");
    assert.deepEqual(files(store), []);
    await asyncWal.committer.flush();
  });
});
