import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import { deleteQueued, enqueue, isPaused, listQueue, newQueueId, requestBounce, retryNow, setPaused, showQueued } from "./queue.ts";

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

test("a bounce request marks the message and makes it due; delete removes it and hands back the blob it owned", async () => {
  await withTestAccount(async (store) => {
    const id = newQueueId();
    await store.db.transaction().execute((trx) => enqueue(trx, message(id, ["x@one.example"], 1_000)));
    await store.db.updateTable("queue_recipients").set({ next_attempt_at: 50_000 }).execute();
    assert.equal(await requestBounce(store.db, id, 2_000), true);
    const row = await store.db.selectFrom("queue").select("bounce_requested").where("id", "=", id).executeTakeFirstOrThrow();
    assert.equal(row.bounce_requested, 1);
    assert.equal((await listQueue(store.db))[0]?.nextAttemptAt, 2_000);
    assert.equal(await requestBounce(store.db, "NO-SUCH-ID"), false);

    assert.deepEqual(await deleteQueued(store.db, id), { ownedBlob: "ab/cdef" });
    assert.deepEqual(await listQueue(store.db), []);
    assert.equal(await store.db.selectFrom("queue_recipients").select("id").executeTakeFirst(), undefined);
    assert.equal(await deleteQueued(store.db, id), undefined);
  });
});
