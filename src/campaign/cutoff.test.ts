import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import { cancelCutoff, currentCutoff, CutoffWatch, dueNotifyDay, markCutoffDone, parseNotifyDays, scheduleCutoff } from "./cutoff.ts";

const DAY = 86_400_000;

test("notify days: whole days, each once, largest first; anything else is a one-line error", () => {
  assert.deepEqual(parseNotifyDays("1,30,7,7"), [30, 7, 1]);
  assert.deepEqual(parseNotifyDays("0"), [0]);
  for (const bad of ["", "30,", "-1", "1.5", "400", "a", "1,2,3,4,5,6,7,8,9,10,11"]) assert.throws(() => parseNotifyDays(bad), /--notify-days/);
});

test("the due notify day is the one closest to the date already reached: a cut-off tomorrow sends one notice, not three", () => {
  const date = 100 * DAY;
  const c = { date, notifyDays: [30, 7, 1], state: "scheduled" as const };
  assert.equal(dueNotifyDay(c, date - 31 * DAY), null);
  assert.equal(dueNotifyDay(c, date - 30 * DAY), 30);
  assert.equal(dueNotifyDay(c, date - 8 * DAY), 30);
  assert.equal(dueNotifyDay(c, date - 7 * DAY), 7);
  assert.equal(dueNotifyDay(c, date - DAY / 2), 1);
  assert.equal(dueNotifyDay(c, date), null);
  assert.equal(dueNotifyDay({ ...c, state: "cancelled" as const }, date - DAY), null);
});

test("scheduling again moves the cut-off; cancel ends it; the watch compares the date with the clock at each use", async () => {
  await withTestAccount(async (store) => {
    let now = 1_000 * DAY;
    await assert.rejects(scheduleCutoff(store.db, { date: now - 1, notifyDays: [7], now }), /not in the future/);
    const first = await scheduleCutoff(store.db, { date: now + 10 * DAY, notifyDays: [7, 1], now });
    const second = await scheduleCutoff(store.db, { date: now + 20 * DAY, notifyDays: [30], now });
    assert.notEqual(first.id, second.id);
    assert.deepEqual(await currentCutoff(store.db), second);
    const watch = new CutoffWatch(store.db, () => now);
    await watch.refresh();
    assert.equal(watch.passed(), false);
    now += 20 * DAY;
    assert.equal(watch.passed(), true, "passed at the date's instant, before any refresh");
    now -= DAY; // a rehearsal's clock file set back: the date is ahead again
    assert.equal(watch.passed(), false);
    assert.equal((await cancelCutoff(store.db, now))?.id, second.id);
    assert.equal(await cancelCutoff(store.db, now), null);
    assert.equal(await watch.refresh(), null);
    assert.equal(watch.passed(), false);
  });
});

test("a cut-off that has taken effect cannot be moved or cancelled: TLS 1.0/1.1 stay off", async () => {
  await withTestAccount(async (store) => {
    const now = 1_000 * DAY;
    const c = await scheduleCutoff(store.db, { date: now + DAY, notifyDays: [1], now });
    // Its date reached (the scheduler has not marked it done yet) …
    await assert.rejects(scheduleCutoff(store.db, { date: now + 5 * DAY, notifyDays: [1], now: now + DAY }), /has taken effect/);
    await assert.rejects(cancelCutoff(store.db, now + DAY), /has taken effect/);
    // … and once done.
    assert.equal(await markCutoffDone(store.db, c.id, now + DAY), true);
    await assert.rejects(scheduleCutoff(store.db, { date: now + 5 * DAY, notifyDays: [1], now: now + 2 * DAY }), /^CutoffError: the cut-off on .* has taken effect: TLS 1\.0\/1\.1 stay off/);
    assert.equal((await currentCutoff(store.db))?.state, "done");
  });
});
