import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import type { Clock } from "../clock/index.ts";
import { createLogger } from "../log/index.ts";
import { MaintenanceWatch } from "./watch.ts";
import { MaintenanceError } from "./index.ts";
import { addWindow, checkMessage, deleteWindow, listWindows, parseServices, phaseOf } from "./windows.ts";

const MIN = 60_000;
const T0 = Date.parse("2027-01-31T03:00:00Z");

test("services: some of imap, pop3, submission, mx, web, in that order; anything else names itself", () => {
  assert.deepEqual(parseServices("web, MX,imap,imap"), ["imap", "mx", "web"]);
  assert.throws(() => parseServices("imap,smtp"), (e: unknown) => e instanceof MaintenanceError && /unknown service "smtp"/.test(e.message));
  assert.throws(() => parseServices(""), /unknown service ""/);
});

test("a message is one line of at most 200 characters; empty is none", () => {
  assert.equal(checkMessage("  Updates to TLS, about 30 minutes.  "), "Updates to TLS, about 30 minutes.");
  assert.equal(checkMessage("   "), null);
  assert.throws(() => checkMessage("two\nlines"), /one line/);
  assert.throws(() => checkMessage("tab\there"), /control characters/);
  assert.throws(() => checkMessage("x".repeat(201)), /at most 200 characters \(got 201\)/);
  assert.equal(checkMessage("ü".repeat(200))?.length, 200);
});

test("windows: added, listed by start, the recent ones only when asked, deleted; bad spans are refused in one line", async () => {
  await withTestAccount(async (store) => {
    const db = store.db;
    const base = { services: parseServices("imap,pop3"), message: "TLS update", pauseDelivery: false, now: T0 };
    await assert.rejects(addWindow(db, { ...base, startsAt: T0 + 60 * MIN, endsAt: T0 + 30 * MIN }), /--to \(2027-01-31T03:30:00\.000Z\) must be after --from \(2027-01-31T04:00:00\.000Z\)/);
    await assert.rejects(addWindow(db, { ...base, startsAt: T0 - 60 * MIN, endsAt: T0 - 30 * MIN }), /already past/);
    await assert.rejects(addWindow(db, { ...base, startsAt: T0, endsAt: T0 + 8 * 1440 * MIN }), /at most 7 days/);
    await assert.rejects(addWindow(db, { ...base, services: [], startsAt: T0, endsAt: T0 + MIN }), /at least one/);
    await assert.rejects(addWindow(db, { ...base, message: "a\r\nb", startsAt: T0, endsAt: T0 + MIN }), /one line/);
    const later = await addWindow(db, { ...base, startsAt: T0 + 60 * MIN, endsAt: T0 + 90 * MIN, pauseDelivery: true });
    const now = await addWindow(db, { ...base, message: null, startsAt: T0 - 10 * MIN, endsAt: T0 + 10 * MIN });
    assert.deepEqual(later, { id: later.id, startsAt: T0 + 60 * MIN, endsAt: T0 + 90 * MIN, services: ["imap", "pop3"], message: "TLS update", pauseDelivery: true, createdAt: T0 });
    assert.deepEqual((await listWindows(db)).map((w) => w.id), [now.id, later.id]);
    assert.deepEqual((await listWindows(db, { endsAfter: T0 + 10 * MIN })).map((w) => w.id), [later.id]);
    assert.deepEqual([phaseOf(now, T0), phaseOf(later, T0), phaseOf(now, T0 + 10 * MIN)], ["open", "upcoming", "past"]);
    assert.equal(await deleteWindow(db, now.id), true);
    assert.equal(await deleteWindow(db, now.id), false);
  });
});

/** A clock the test sets, that tells its listeners of each jump as the clock file does. */
function testClock(start: number): Clock & { set(t: number): void } {
  let t = start;
  const listeners = new Set<() => void>();
  return {
    now: () => t,
    onJump(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    set(next) {
      t = next;
      for (const fn of listeners) fn();
    },
  };
}

test("the watch holds delivery while a pause-delivery window is open, resumes by itself on a jump past its end, and logs each once", async () => {
  await withTestAccount(async (store) => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => void lines.push((JSON.parse(l) as { msg: string }).msg) });
    const clock = testClock(T0);
    const watch = new MaintenanceWatch(store.db, clock, log, { refreshMs: 60_000 });
    let resumed = 0;
    watch.start(() => resumed++);
    await watch.refresh();
    assert.equal(watch.holdsDelivery(), false);
    // Not pausing: does not hold. Pausing, but later: does not hold yet.
    await addWindow(store.db, { startsAt: T0, endsAt: T0 + 30 * MIN, services: ["web"], message: null, pauseDelivery: false, now: T0 });
    const w = await addWindow(store.db, { startsAt: T0 + 60 * MIN, endsAt: T0 + 90 * MIN, services: ["mx"], message: null, pauseDelivery: true, now: T0 });
    const version = watch.version;
    await watch.refresh();
    assert.ok(watch.version > version);
    assert.equal(watch.holdsDelivery(), false);
    assert.equal(watch.windows().length, 2);
    clock.set(T0 + 65 * MIN);
    assert.equal(watch.holdsDelivery(), true, "held from the start, before any refresh");
    await watch.refresh();
    await watch.refresh();
    assert.equal(resumed, 0);
    clock.set(T0 + 91 * MIN);
    assert.equal(watch.holdsDelivery(), false);
    await watch.refresh();
    assert.equal(resumed, 1, "woken once at the end");
    await watch.refresh();
    assert.equal(resumed, 1);
    watch.stop();
    assert.deepEqual(
      lines.filter((l) => l.startsWith("delivery")),
      [`delivery paused: maintenance window ${w.id} is open until 2027-01-31T04:30:00.000Z; mail is accepted and queued`, `delivery resumed: maintenance window ${w.id} ended`],
    );
  });
});
