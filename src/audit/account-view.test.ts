/**
 * The account views over a real store: the history read page by page is the whole history, in
 * order, without duplicates or gaps, wherever a page boundary falls (sign-ins by account, sign-ins
 * refused before the lookup, attributed handshakes, rows at the same millisecond); the protocol
 * filter; and the legacy devices the account page counts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import { addAccount } from "../directory/index.ts";
import type { Store } from "../store/index.ts";
import type { TlsEvent } from "../tls/index.ts";
import { historyPage, legacyDevices, loginHistory } from "./account-view.ts";
import type { HistoryEntry } from "./history.ts";
import { AuditLog, type LoginRow } from "./log.ts";
import { throttleReason } from "./throttle.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const ME = "a@example.test";

function signIn(accountId: number | null, over: Partial<LoginRow>): LoginRow {
  return {
    time: NOW - DAY,
    username: ME,
    account_id: accountId,
    protocol: "imap",
    port: 993,
    client_ip: "192.0.2.1",
    tls_version: "TLSv1.3",
    tls_cipher: "TLS_AES_128_GCM_SHA256",
    client_name: null,
    mechanism: "LOGIN",
    result: "ok",
    reason: null,
    session_id: null,
    ...over,
  };
}

const hello = (maxVersion: string, suites = ["TLS_RSA_WITH_AES_128_CBC_SHA"]) => ({ offeredVersions: [maxVersion], maxVersion, cipherSuites: suites, weakSuites: [], sni: undefined, alpn: [], sslv2: false });

function handshake(over: Partial<TlsEvent>): TlsEvent {
  return { time: NOW - DAY, session: "H", protocol: "imap", port: 993, clientIp: "192.0.2.1", mode: "implicit", outcome: "refused", reason: "client offered at most TLSv1.0", version: null, cipher: null, hello: hello("TLSv1"), ...over };
}

/** The account's history: a busy IMAP device, a TLS 1.0 phone, throttled and plaintext attempts by name, and handshakes. */
async function seed(store: Store, me: number): Promise<void> {
  const other = await addAccount(store.db, "b@example.test", "password1");
  const audit = new AuditLog(store.committer);
  for (let i = 0; i < 20; i++) {
    // Pairs at the same millisecond, so page boundaries fall between rows of one time.
    const time = NOW - DAY - Math.floor(i / 2) * 60_000;
    audit.login(signIn(me, { time, protocol: i % 3 === 0 ? "pop3" : "imap", session_id: `S${i}` }));
  }
  audit.login(signIn(me, { time: NOW - 2 * DAY, client_ip: "198.51.100.9", tls_version: "TLSv1", client_name: "Android Mail", protocol: "submission", port: 587 }));
  audit.login(signIn(me, { time: NOW - 3 * DAY, client_ip: "198.51.100.9", tls_version: "TLSv1", client_name: "Android Mail", protocol: "submission", port: 587 }));
  audit.login(signIn(null, { time: NOW - 3 * DAY, username: "A@Example.TEST", result: "refused", reason: throttleReason({ limit: "user", max: 10, from: "203.0.113.7", windowSeconds: 300 }), client_ip: "203.0.113.7", attempts: 12 }));
  audit.login(signIn(null, { time: NOW - 4 * DAY, result: "refused", reason: "plaintext authentication refused: no TLS", client_ip: "192.0.2.50", tls_version: null, tls_cipher: null, protocol: "pop3", port: 110 }));
  audit.login(signIn(null, { time: NOW - 4 * DAY, username: "b@example.test", result: "failed", reason: "unknown account" }));
  audit.login(signIn(other.id, { time: NOW - 2 * DAY, username: "b@example.test", client_ip: "192.0.2.99" }));
  audit.login(signIn(me, { time: NOW - 5 * DAY, protocol: "web", port: 443, client_ip: "192.0.2.77", client_name: "Mozilla/5.0" }));
  // Refused handshakes from the busy device's address: attributed (one at the same millisecond as a sign-in).
  audit.tlsEvent(handshake({ time: NOW - DAY - 60_000, session: "H1" }));
  audit.tlsEvent(handshake({ time: NOW - DAY - 5 * 60_000 + 1, session: "H2", protocol: "pop3", port: 995, hello: hello("TLSv1.1") }));
  // Not the account's: from an address only another account used, on SMTP, and before the account's first sign-in from there.
  audit.tlsEvent(handshake({ time: NOW - DAY, session: "X1", clientIp: "192.0.2.99" }));
  audit.tlsEvent(handshake({ time: NOW - DAY, session: "X2", protocol: "smtp", port: 25 }));
  audit.tlsEvent(handshake({ time: NOW - 6 * DAY, session: "X3" }));
  // Outside the window.
  audit.login(signIn(me, { time: NOW - 40 * DAY }));
  await store.committer.flush();
}

const describe = (e: HistoryEntry): string => `${e.time} ${e.kind} ${e.protocol} ${e.clientIp} ${e.session ?? ""}`;

async function allPages(store: Store, pageSize: number, protocol?: "imap" | "pop3" | "submission" | "web"): Promise<{ pages: HistoryEntry[][]; cursors: string[] }> {
  const pages: HistoryEntry[][] = [];
  const cursors: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await historyPage(store.db, ME, { days: 30, pageSize, now: NOW, ...(protocol !== undefined ? { protocol } : {}), ...(before !== undefined ? { before } : {}) });
    assert.ok(page !== undefined);
    assert.ok(page.entries.length <= pageSize);
    pages.push(page.entries);
    if (page.next === null) return { pages, cursors };
    cursors.push(page.next);
    before = page.next;
    assert.ok(pages.length < 100, "the pages never end");
  }
}

test("the history read page by page is the whole history, newest first, with no duplicates or gaps", async () => {
  await withTestAccount(async (store, ids) => {
    await seed(store, ids.account);
    const whole = await loginHistory(store.db, ME, 30, NOW);
    assert.ok(whole !== undefined);
    // 20 busy sign-ins, 2 TLS 1.0, the throttled and the plaintext attempt by name, 1 web, 2 attributed handshakes.
    assert.equal(whole.entries.length, 27, whole.entries.map(describe).join("\n"));
    const times = whole.entries.map((e) => e.time);
    assert.deepEqual(times, [...times].sort().reverse());
    assert.equal(whole.entries.filter((e) => e.kind === "refused-handshake").length, 2);
    assert.ok(whole.entries.every((e) => e.clientIp !== "192.0.2.99"), "another account's address");
    for (const size of [1, 2, 3, 5, 7, 26, 27, 100]) {
      const { pages } = await allPages(store, size);
      assert.deepEqual(pages.flat().map(describe), whole.entries.map(describe), `page size ${size}`);
      assert.equal(pages.length, Math.max(1, Math.ceil(27 / size)), `page size ${size}`);
    }
  });
});

test("an attributed handshake lands on the page of its time, also next to a sign-in of the same millisecond", async () => {
  await withTestAccount(async (store, ids) => {
    await seed(store, ids.account);
    const first = await historyPage(store.db, ME, { days: 30, pageSize: 3, now: NOW });
    assert.ok(first !== undefined);
    // NOW - DAY (two sign-ins, rows S0 and S1), then NOW - DAY - 1 min: sign-ins S2, S3 and the handshake H1.
    assert.deepEqual(first.entries.map((e) => e.session), ["S1", "S0", "S3"]);
    const second = await historyPage(store.db, ME, { days: 30, pageSize: 3, now: NOW, before: first.next ?? "" });
    assert.ok(second !== undefined);
    assert.deepEqual(second.entries.map((e) => e.session), ["S2", "H1", "S5"]);
    const h1 = second.entries[1];
    assert.equal(h1?.attribution, `probably this account's device: 192.0.2.1 logged in as ${ME} before`);
    assert.equal(h1?.device, "tls10");
    assert.equal(h1?.legacy, true);
  });
});

test("the protocol filter: only that protocol's sign-ins and handshakes, paged the same way", async () => {
  await withTestAccount(async (store, ids) => {
    await seed(store, ids.account);
    const whole = await loginHistory(store.db, ME, 30, NOW);
    assert.ok(whole !== undefined);
    for (const protocol of ["imap", "pop3", "submission", "web"] as const) {
      const expected: HistoryEntry[] = whole.entries.filter((e) => e.protocol === protocol);
      assert.ok(expected.length > 0, protocol);
      const { pages } = await allPages(store, 4, protocol);
      assert.deepEqual(pages.flat().map(describe), expected.map(describe), protocol);
    }
    const { pages } = await allPages(store, 100, "pop3");
    assert.deepEqual(
      pages.flat().filter((e) => e.kind === "refused-handshake").map((e) => e.session),
      ["H2"],
    );
    assert.deepEqual(pages.flat().filter((e) => e.kind === "login" && e.tlsVersion === null).map((e) => e.clientIp), ["192.0.2.50"]);
  });
});

test("a cursor that is not one of ours reads as none: the first page", async () => {
  await withTestAccount(async (store, ids) => {
    await seed(store, ids.account);
    const first = await historyPage(store.db, ME, { days: 30, pageSize: 5, now: NOW });
    for (const before of ["", "x", "1.l", "12.x3", "1e3.l2", "-5.l1", "1.l1; drop table logins", "9".repeat(40) + ".l1"]) {
      assert.deepEqual(await historyPage(store.db, ME, { days: 30, pageSize: 5, now: NOW, before }), first, before);
    }
    assert.equal(await historyPage(store.db, "nobody@example.test", { days: 30, pageSize: 5, now: NOW }), undefined);
  });
});

test("legacy devices: one per address, name and protocol, with what it used, when last and how often", async () => {
  await withTestAccount(async (store, ids) => {
    await seed(store, ids.account);
    const devices = await legacyDevices(store.db, ME, { days: 30, now: NOW });
    assert.deepEqual(
      devices.map((d) => [d.device, d.clientIp, d.clientName, d.protocol, d.tlsVersion, d.count]),
      [
        // The attributed handshakes: the address's last sign-in gave no name.
        ["tls10", "192.0.2.1", null, "imap", "TLSv1", 1],
        ["tls11", "192.0.2.1", null, "pop3", "TLSv1.1", 1],
        ["android", "198.51.100.9", "Android Mail", "submission", "TLSv1", 2],
        ["plaintext", "192.0.2.50", null, "pop3", null, 1],
      ],
    );
    assert.equal(devices[2]?.lastSeen, new Date(NOW - 2 * DAY).toISOString());
    // A shorter window keeps only what happened in it.
    assert.deepEqual((await legacyDevices(store.db, ME, { days: 1.5, now: NOW })).map((d) => d.protocol), ["imap", "pop3"]);
    // The handshake from the address only b@example.test signed in from is b's.
    assert.deepEqual((await legacyDevices(store.db, "b@example.test", { days: 30, now: NOW })).map((d) => [d.device, d.clientIp]), [["tls10", "192.0.2.99"]]);
    assert.deepEqual(await legacyDevices(store.db, "nobody@example.test", { days: 30, now: NOW }), []);
  });
});

test("a refused handshake is named after the device that last signed in from its address", async () => {
  await withTestAccount(async (store, ids) => {
    const audit = new AuditLog(store.committer);
    audit.login(signIn(ids.account, { time: NOW - 3 * DAY, client_ip: "192.0.2.5", client_name: "Thunderbird 52" }));
    audit.login(signIn(ids.account, { time: NOW - 2 * DAY, client_ip: "192.0.2.5", client_name: "Microsoft Outlook 15.0" }));
    audit.tlsEvent(handshake({ time: NOW - DAY, clientIp: "192.0.2.5" }));
    audit.tlsEvent(handshake({ time: NOW - DAY + 1, clientIp: "192.0.2.5" }));
    await store.committer.flush();
    const devices = await legacyDevices(store.db, ME, { days: 30, now: NOW });
    assert.deepEqual(devices.map((d) => [d.device, d.clientName, d.count]), [["outlook", "Microsoft Outlook 15.0", 2]]);
    const h = await historyPage(store.db, ME, { days: 30, pageSize: 1, now: NOW });
    assert.equal(h?.entries[0]?.device, "outlook");
    assert.match(h?.entries[0]?.hint ?? "", /Outlook/);
  });
});
