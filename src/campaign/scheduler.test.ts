import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../clock/index.ts";
import { addAccount, grantLegacy, listLegacyGrants } from "../directory/index.ts";
import { createLogger } from "../log/index.ts";
import { addDomain } from "../directory/index.ts";
import { listMessages, openStore, type GroupCommitter, type Store } from "../store/index.ts";
import { withFailingWal, withTestAccount } from "../../test/support/store.ts";
import { testStoreOptions } from "../../test/support/postgres.ts";
import { affectedAccountCount } from "./index.ts";
import { currentCutoff, CutoffWatch, scheduleCutoff } from "./cutoff.ts";
import { CutoffScheduler } from "./scheduler.ts";

const DAY = 86_400_000;
const SETTINGS = { hostname: "mail.example.test", imaps: 993, pop3s: 995, submissions: 465, submission: 587, web: 443 };

/** A clock the test sets by hand. */
function handClock(start: number): Clock & { set(t: number): void } {
  let t = start;
  return { now: () => t, onJump: () => () => undefined, set: (x) => (t = x) };
}

/** A scheduler over `store` that logs into `lines`. */
function scheduler(store: Store, clock: Clock, lines: string[]): CutoffScheduler {
  return new CutoffScheduler({
    store,
    watch: new CutoffWatch(store.db, () => clock.now()),
    clock,
    log: createLogger({ write: (l) => void lines.push(l) }),
    settings: () => SETTINGS,
    defaultLanguage: () => "de",
    retentionDays: () => 90,
  });
}

/** A TLS 1.0 sign-in of `accountId` at `time` (what the legacy endpoint records). */
async function oldSignIn(store: Store, accountId: number, address: string, time: number, tls = "TLSv1"): Promise<void> {
  await store.db
    .insertInto("logins")
    .values({ time, username: address, account_id: accountId, protocol: "imap", port: 1993, client_ip: "192.0.2.5", tls_version: tls, tls_cipher: "AES128-SHA", client_name: "Outlook 2010", mechanism: "PLAIN", result: "ok", reason: null, session_id: null })
    .execute();
}

/** How many messages `accountId`'s INBOX holds. */
async function inbox(store: Store, accountId: number): Promise<number> {
  return (await listMessages(store.db, accountId)).length;
}

test("only accounts with a mailbox and TLS 1.0/1.1 devices are affected: not TLS 1.2, not console-only", async () => {
  await withTestAccount(async (store, ids) => {
    const now = Date.now();
    const modern = await addAccount(store.db, "m@example.test", "password1");
    await oldSignIn(store, ids.account, "a@example.test", now - DAY);
    await oldSignIn(store, modern.id, "m@example.test", now - DAY, "TLSv1.3");
    // A relay domain's administrator: no mailbox, so no mail program to warn (even with an old browser's sign-in on record).
    const consoleOnly = await store.db.insertInto("accounts").values({ address: "admin@relay.test", domain_id: null, password_hash: "x", created_at: now }).returning("id").executeTakeFirstOrThrow();
    await oldSignIn(store, consoleOnly.id, "admin@relay.test", now - DAY);
    assert.equal(await affectedAccountCount(store.db, { now, retentionDays: 90 }), 1);
    // Older than the audit's retention: no longer counted.
    assert.equal(await affectedAccountCount(store.db, { now: now + 91 * DAY, retentionDays: 90 }), 0);
  });
});

test("a notice once per account and notify day: repeated ticks, a commit that never happened, a commit whose fsync failed", async () => {
  await withTestAccount(async (store, ids) => {
    const start = Date.now();
    const clock = handClock(start);
    const lines: string[] = [];
    await oldSignIn(store, ids.account, "a@example.test", start - DAY);
    const c = await scheduleCutoff(store.db, { date: start + 10 * DAY, notifyDays: [30, 7, 1], now: start });

    // 10 days before: the 30-day notice is due (the one closest to the date already reached), once.
    const s = scheduler(store, clock, lines);
    assert.deepEqual(await s.tick(), { ended: false, sent: 1, sentElsewhere: 0, failed: 0, left: 0 });
    assert.deepEqual(await s.tick(), { ended: false, sent: 0, sentElsewhere: 0, failed: 0, left: 0 });
    assert.equal(await inbox(store, ids.account), 1);

    // 7 days before. A crash between the blob and the commit: the commit never happens (no row, no message).
    clock.set(start + 3 * DAY);
    const committer = Object.create(store.committer) as GroupCommitter;
    committer.submit = () => Promise.reject(new Error("killed before the commit"));
    const crashing: Store = { ...store, committer };
    const r1 = await scheduler(crashing, clock, lines).tick();
    assert.deepEqual([r1.sent, r1.failed], [0, 1]);
    assert.equal(await inbox(store, ids.account), 1);
    assert.ok(lines.some((l) => l.includes("7-day notice to a@example.test failed")), lines.join("\n"));
    // The next tick (after a restart: a new scheduler) sends it, once.
    assert.equal((await scheduler(store, clock, lines).tick()).sent, 1);
    assert.equal((await scheduler(store, clock, lines).tick()).sent, 0);
    assert.equal(await inbox(store, ids.account), 2);

    // 1 day before. The commit lands but its fsync fails: unacknowledged, yet message and row are both there, so it is not sent again.
    clock.set(start + 9 * DAY);
    const r2 = await scheduler(withFailingWal(store), clock, lines).tick();
    assert.deepEqual([r2.sent, r2.failed], [0, 1]);
    assert.equal((await scheduler(store, clock, lines).tick()).sent, 0);
    assert.equal(await inbox(store, ids.account), 3);

    const rows = await store.db.selectFrom("cutoff_notices").selectAll().where("cutoff_id", "=", c.id).orderBy("notify_day", "desc").execute();
    assert.deepEqual(rows.map((r) => [r.account_id, r.notify_day, r.devices]), [[ids.account, 30, 1], [ids.account, 7, 1], [ids.account, 1, 1]]);
  });
});

test("on the date every legacy grant ends and the cut-off is done, in one commit, logged once", async () => {
  await withTestAccount(async (store) => {
    const start = Date.now();
    const clock = handClock(start);
    const lines: string[] = [];
    await grantLegacy(store.db, "a@example.test", { until: start + 20 * DAY, now: start });
    await grantLegacy(store.db, "192.0.2.9", { until: start + 5 * DAY, now: start });
    await scheduleCutoff(store.db, { date: start + 2 * DAY, notifyDays: [], now: start });
    const s = scheduler(store, clock, lines);
    assert.equal((await s.tick()).ended, false);
    assert.equal((await listLegacyGrants(store.db)).length, 2);
    clock.set(start + 2 * DAY);
    assert.equal((await s.tick()).ended, true);
    assert.equal((await s.tick()).ended, false);
    assert.deepEqual(await listLegacyGrants(store.db), []);
    assert.equal((await currentCutoff(store.db))?.state, "done");
    assert.equal(lines.filter((l) => l.includes("cut-off reached")).length, 1, lines.join("\n"));
  });
});

test("the count of affected accounts the status page shows is read by the scheduler, before notify days too, not on request", async () => {
  await withTestAccount(async (store, ids) => {
    const start = Date.now();
    const clock = handClock(start);
    const s = scheduler(store, clock, []);
    assert.equal(s.affected()?.length ?? null, null);
    await oldSignIn(store, ids.account, "a@example.test", start - DAY);
    // 60 days ahead: no notify day yet, but the count is read.
    await scheduleCutoff(store.db, { date: start + 60 * DAY, notifyDays: [30], now: start });
    assert.equal(s.affected()?.length ?? null, null, "nothing read before a tick");
    await s.tick();
    assert.equal(s.affected()?.length ?? null, 1);
    // A cut-off scheduled anew is counted at the next tick.
    await scheduleCutoff(store.db, { date: start + 50 * DAY, notifyDays: [30], now: start });
    await s.tick();
    assert.equal(s.affected()?.length ?? null, 1);
  });
});

test("two nodes' schedulers on one database: each affected account gets one notice, not one per node, and neither logs an error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-campaign-nodes-"));
  const database = testStoreOptions();
  const [a, b] = [await openStore(dir, database), await openStore(dir, database)];
  try {
    const start = Date.now();
    await addDomain(a.db, "example.test");
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const acct = await addAccount(a.db, `u${i}@example.test`, "password1");
      await oldSignIn(a, acct.id, `u${i}@example.test`, start - DAY);
      ids.push(acct.id);
    }
    await scheduleCutoff(a.db, { date: start + 10 * DAY, notifyDays: [30], now: start });
    const clock = handClock(start);
    const lines: string[] = [];
    const reports = await Promise.all([scheduler(a, clock, lines).tick(), scheduler(b, clock, lines).tick()]);
    assert.deepEqual(lines.filter((l) => (JSON.parse(l) as { level: string }).level === "error"), []);
    assert.equal(reports[0].sent + reports[1].sent, 20, `sent on a ${reports[0].sent}, on b ${reports[1].sent}`);
    assert.deepEqual([reports[0].failed, reports[1].failed, reports[0].left, reports[1].left], [0, 0, 0, 0]);
    const counts = await Promise.all(ids.map((id) => inbox(a, id)));
    assert.deepEqual(counts, ids.map(() => 1), "one notice each");
    const rows = await b.db.selectFrom("cutoff_notices").select("account_id").execute();
    assert.equal(rows.length, 20);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
