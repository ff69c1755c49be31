import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import { deferredByDestination, deleteQueued, enqueue, isPaused, listQueue, newQueueId, oldestDeferredAt, requestBounce, retryNow, setPaused, showQueued } from "./queue.ts";

const message = (id: string, recipients: string[], now: number) => ({ id, from: "a@example.test", recipients, blob: "ab/cdef", size: 321, source: "submission:a@example.test", now, ownsBlob: true });

test("a queued message has one pending row per recipient, each with its domain and schedule", async () => {
  await withTestAccount(async (store) => {
    const id = newQueueId();
    assert.match(id, /^[0-9A-F]{16}$/);
    await store.db.transaction().execute((trx) => enqueue(trx, message(id, ["x@one.example", "y@Two.Example"], 1_000)));
    const [item] = await listQueue(store.db);
    assert.ok(item !== undefined);
    assert.deepEqual(
      { id: item.id, recipients: item.recipients, status: item.status, next: item.nextAttemptAt, attempts: item.attempts, size: item.size },
      { id, recipients: ["x@one.example", "y@Two.Example"], status: "queued", next: 1_000, attempts: 0, size: 321 },
    );
    const detail = await showQueued(store.db, id);
    assert.deepEqual(detail?.allRecipients.map((r) => [r.address, r.domain, r.status]), [
      ["x@one.example", "one.example", "pending"],
      ["y@Two.Example", "two.example", "pending"],
    ]);
  });
});

test("the message's status and schedule come from its pending recipients: deferred after a try, held while paused", async () => {
  await withTestAccount(async (store) => {
    const id = newQueueId();
    await store.db.transaction().execute((trx) => enqueue(trx, message(id, ["x@one.example", "y@two.example"], 1_000)));
    await store.db.updateTable("queue_recipients").set({ attempts: 2, next_attempt_at: 9_000, last_reply: "451 4.7.0 try later" }).where("recipient", "=", "x@one.example").execute();
    await store.db.updateTable("queue_recipients").set({ status: "delivered" }).where("recipient", "=", "y@two.example").execute();
    let [item] = await listQueue(store.db);
    assert.deepEqual([item?.status, item?.recipients, item?.nextAttemptAt, item?.attempts, item?.lastError], ["deferred", ["x@one.example"], 9_000, 2, "451 4.7.0 try later"]);

    await setPaused(store.db, true);
    assert.equal(await isPaused(store.db), true);
    [item] = await listQueue(store.db);
    assert.equal(item?.status, "held");
    await setPaused(store.db, false);
    assert.equal(await isPaused(store.db), false);

    assert.equal(await retryNow(store.db, id, 5_000), true);
    [item] = await listQueue(store.db);
    assert.equal(item?.nextAttemptAt, 5_000);
    assert.equal(await retryNow(store.db, "NO-SUCH-ID"), false);
  });
});

test("a bounce request marks the message and makes it due; delete removes it and the blob it owned (not a shared one)", async () => {
  await withTestAccount(async (store) => {
    const id = newQueueId();
    await store.db.transaction().execute((trx) => enqueue(trx, message(id, ["x@one.example"], 1_000)));
    await store.db.updateTable("queue_recipients").set({ next_attempt_at: 50_000 }).execute();
    assert.equal(await requestBounce(store.db, id, 2_000), true);
    const row = await store.db.selectFrom("queue").select("bounce_requested").where("id", "=", id).executeTakeFirstOrThrow();
    assert.equal(row.bounce_requested, 1);
    assert.equal((await listQueue(store.db))[0]?.nextAttemptAt, 2_000);
    assert.equal(await requestBounce(store.db, "NO-SUCH-ID"), false);

    const removed: string[] = [];
    const blobs = { remove: async (name: string): Promise<void> => void removed.push(name) };
    assert.equal(await deleteQueued(store.db, blobs, id), true);
    assert.deepEqual(removed, ["ab/cdef"]);
    assert.deepEqual(await listQueue(store.db), []);
    assert.equal(await store.db.selectFrom("queue_recipients").select("id").executeTakeFirst(), undefined);
    assert.equal(await deleteQueued(store.db, blobs, id), false);

    // A blob a mailbox shares stays: the queue did not own it.
    const shared = newQueueId();
    await store.db.transaction().execute((trx) => enqueue(trx, { ...message(shared, ["x@one.example"], 1_000), ownsBlob: false }));
    assert.equal(await deleteQueued(store.db, blobs, shared), true);
    assert.deepEqual(removed, ["ab/cdef"]);
  });
});

test("a page of the queue: the oldest messages only, with their pending recipients", async () => {
  await withTestAccount(async (store) => {
    const ids = [newQueueId(), newQueueId(), newQueueId()];
    for (const [i, id] of ids.entries()) await store.db.transaction().execute((trx) => enqueue(trx, message(id, [`r${i}@one.example`, `s${i}@two.example`], 1_000 + i)));
    const page = await listQueue(store.db, { limit: 2 });
    assert.deepEqual(page.map((q) => [q.id, q.recipients]), [
      [ids[0], ["r0@one.example", "s0@two.example"]],
      [ids[1], ["r1@one.example", "s1@two.example"]],
    ]);
    assert.deepEqual((await listQueue(store.db, { id: ids[2] ?? "" })).map((q) => q.id), [ids[2]]);
  });
});

test("deferred mail by destination: messages and recipients tried at least once, the latest problem, the most waiting first", async () => {
  await withTestAccount(async (store) => {
    const [a, b, c] = [newQueueId(), newQueueId(), newQueueId()];
    await store.db.transaction().execute(async (trx) => {
      await enqueue(trx, message(a, ["x@far.example", "y@far.example", "z@near.example"], 1_000));
      await enqueue(trx, message(b, ["w@far.example"], 1_000));
      await enqueue(trx, message(c, ["v@fresh.example"], 1_000));
    });
    const tried = (rcpt: string, attempts: number, updated: number, reply: string | null) =>
      store.db.updateTable("queue_recipients").set({ attempts, updated_at: updated, next_attempt_at: 10_000 + updated, last_reply: reply }).where("recipient", "=", rcpt).execute();
    await tried("x@far.example", 3, 100, "connect to 127.0.0.1:1: connection refused");
    await tried("y@far.example", 1, 300, "451 4.3.0 try later");
    await tried("w@far.example", 2, 200, null);
    await tried("z@near.example", 1, 50, "421 busy");
    const all = await deferredByDestination(store.db, 10);
    assert.equal(all.total, 2);
    assert.deepEqual(all.destinations, [
      { domain: "far.example", messages: 2, recipients: 3, attempts: 3, lastProblem: "451 4.3.0 try later", nextAttemptAt: 10_100 },
      { domain: "near.example", messages: 1, recipients: 1, attempts: 1, lastProblem: "421 busy", nextAttemptAt: 10_050 },
    ]);
    const one = await deferredByDestination(store.db, 1);
    assert.deepEqual([one.total, one.destinations.map((d) => d.domain)], [2, ["far.example"]]);
  });
});

test("the oldest deferred message: the earliest queued among those with a recipient tried and still pending", async () => {
  await withTestAccount(async (store) => {
    assert.equal(await oldestDeferredAt(store.db), null);
    const [old, mid, fresh] = [newQueueId(), newQueueId(), newQueueId()];
    await store.db.transaction().execute(async (trx) => {
      await enqueue(trx, message(old, ["x@far.example"], 1_000));
      await enqueue(trx, message(mid, ["y@far.example"], 2_000));
      await enqueue(trx, message(fresh, ["z@far.example"], 3_000));
    });
    assert.equal(await oldestDeferredAt(store.db), null, "queued, never tried: not deferred");
    await store.db.updateTable("queue_recipients").set({ attempts: 1 }).where("queue_id", "in", [mid, fresh]).execute();
    assert.equal(await oldestDeferredAt(store.db), 2_000);
    await store.db.updateTable("queue_recipients").set({ attempts: 2, status: "delivered" }).where("queue_id", "=", mid).execute();
    assert.equal(await oldestDeferredAt(store.db), 3_000);
  });
});
