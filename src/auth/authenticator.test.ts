import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../audit/index.ts";
import { addAccount, addDomain, dummyVerify, grantLegacy, setAccount, setPassword, verifyPassword } from "../directory/index.ts";
import { type Store } from "../store/index.ts";
import { Authenticator, type AuthContext, type AuthLimits, type PasswordCheck } from "./authenticator.ts";
import { openTestStore } from "../../test/support/postgres.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";
const LIMITS: AuthLimits = { failureDelayMs: 0, maxFailuresPerIp: 10, maxFailuresPerNetwork: 30, maxFailuresPerUser: 5, windowMs: 300_000 };

const ctx = (clientIp = "203.0.113.7"): AuthContext => ({ protocol: "imap", port: 993, clientIp, tls: null, clientName: null });

interface Bench {
  store: Store;
  auth: Authenticator;
  /** Every password check made, in order: "verify" (an account's hash) or "dummy" (an unknown account). */
  checks: string[];
  rows: () => Promise<Array<{ username: string; result: string; reason: string | null; attempts: number; time: number }>>;
}

/** Counts the checks; by default a fast stand-in for scrypt (`real` uses the real one). */
function counting(checks: string[], real: boolean): PasswordCheck {
  return {
    verify: (p, h) => {
      checks.push("verify");
      return real ? verifyPassword(p, h) : Promise.resolve(p === PW);
    },
    dummy: (p) => {
      checks.push("dummy");
      return real ? dummyVerify(p) : Promise.resolve(false);
    },
  };
}

async function withAuth(limits: Partial<AuthLimits>, fn: (b: Bench) => Promise<void>, passwords: PasswordCheck | "scrypt" | "fast" = "fast"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-auth-"));
  const store = await openTestStore(dir, { auditFlushMs: 10 });
  try {
    await addDomain(store.db, "example.test");
    await addAccount(store.db, ALICE, PW);
    const checks: string[] = [];
    const counted = typeof passwords === "string" ? counting(checks, passwords === "scrypt") : passwords;
    const auth = new Authenticator(store.db, new AuditLog(store.committer), () => ({ ...LIMITS, ...limits }), { passwords: counted });
    const rows = async () => {
      await store.committer.flush();
      return store.db.selectFrom("logins").select(["username", "result", "reason", "attempts", "time"]).orderBy("id").execute();
    };
    await fn({ store, auth, checks, rows });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("an unknown account costs and answers the same as a wrong password, and counts the same (no enumeration)", async () => {
  await withAuth({ maxFailuresPerUser: 2 }, async ({ auth, checks, rows }) => {
    const wrong = await auth.login(ctx(), ALICE, "not-it", "LOGIN");
    const unknown = await auth.login(ctx(), "nobody@example.test", PW, "LOGIN");
    assert.deepEqual(wrong, { ok: false, refusal: "credentials" });
    assert.deepEqual(unknown, wrong);
    // One scrypt computation each: the account's hash, or the dummy one with the same cost.
    assert.deepEqual(checks, ["verify", "dummy"]);
    // Both names reach their limit after the same number of failures.
    assert.deepEqual(await auth.login(ctx(), ALICE, "not-it-either", "LOGIN"), wrong);
    assert.deepEqual(await auth.login(ctx(), "nobody@example.test", "x", "LOGIN"), wrong);
    assert.deepEqual(await auth.login(ctx(), ALICE, PW, "LOGIN"), { ok: false, refusal: "rate-limited" });
    assert.deepEqual(await auth.login(ctx(), "nobody@example.test", PW, "LOGIN"), { ok: false, refusal: "rate-limited" });
    assert.equal(checks.length, 4, "refused attempts check no password");
    const reasons = (await rows()).map((r) => `${r.username} ${r.result} ${r.reason ?? ""}`);
    assert.deepEqual(reasons, [
      `${ALICE} failed wrong password`,
      "nobody@example.test failed unknown account",
      `${ALICE} failed wrong password`,
      "nobody@example.test failed unknown account",
      `${ALICE} refused rate limited: 2 failed logins as this user from 203.0.113.7 within 300 s`,
      "nobody@example.test refused rate limited: 2 failed logins as this user from 203.0.113.7 within 300 s",
    ]);
  }, "scrypt");
});

test("parallel wrong passwords get exactly the limit's password checks; the rest are one counted history row", async () => {
  await withAuth({ maxFailuresPerUser: 100 }, async ({ auth, checks, rows }) => {
    const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => auth.login(ctx(), ALICE, `wrong-${i}`, "LOGIN")));
    assert.equal(checks.length, 10);
    assert.equal(outcomes.filter((o) => !o.ok && o.refusal === "credentials").length, 10);
    assert.equal(outcomes.filter((o) => !o.ok && o.refusal === "rate-limited").length, 15);
    const r = await rows();
    assert.deepEqual(
      r.map((x) => `${x.result}×${x.attempts}`).sort(),
      [...Array<string>(10).fill("failed×1"), "refused×15"].sort(),
    );
  });
});

test("a success gives its reserved slot back; a check that throws does too", async () => {
  await withAuth({ maxFailuresPerIp: 3 }, async ({ auth, checks }) => {
    const [a, b, ok] = await Promise.all([auth.login(ctx(), ALICE, "w1", "LOGIN"), auth.login(ctx(), ALICE, "w2", "LOGIN"), auth.login(ctx(), ALICE, PW, "LOGIN")]);
    assert.deepEqual([a?.ok, b?.ok, ok?.ok], [false, false, true]);
    // The success's slot is free again: one more check, then the address is full.
    assert.deepEqual(await auth.login(ctx(), "bob@example.test", "w3", "LOGIN"), { ok: false, refusal: "credentials" });
    assert.deepEqual(await auth.login(ctx(), "carol@example.test", "w4", "LOGIN"), { ok: false, refusal: "rate-limited" });
    assert.equal(checks.length, 4);
    // Alice signed in from this address: the full address does not hold her back (limiter.ts, KNOWN_FOR_MS).
    assert.equal((await auth.login(ctx(), ALICE, PW, "LOGIN")).ok, true);
  });
  let fail = true;
  const flaky: PasswordCheck = {
    verify: async (p, h) => {
      if (fail) throw new Error("database is locked");
      return verifyPassword(p, h);
    },
    dummy: dummyVerify,
  };
  await withAuth({ maxFailuresPerIp: 1 }, async ({ auth }) => {
    await assert.rejects(auth.login(ctx(), ALICE, PW, "LOGIN"), /database is locked/);
    fail = false;
    assert.equal((await auth.login(ctx(), ALICE, PW, "LOGIN")).ok, true, "the slot of the check that threw was given back");
  }, flaky);
});

test("the owner's other addresses are not throttled for the attacked account", async () => {
  await withAuth({}, async ({ auth }) => {
    for (let i = 0; i < 5; i++) await auth.login(ctx("203.0.113.7"), ALICE, `guess-${i}`, "LOGIN");
    assert.deepEqual(await auth.login(ctx("203.0.113.7"), ALICE, PW, "LOGIN"), { ok: false, refusal: "rate-limited" });
    assert.equal((await auth.login(ctx("198.51.100.20"), ALICE, PW, "LOGIN")).ok, true);
    assert.equal((await auth.login(ctx("::ffff:198.51.100.20"), ALICE, PW, "LOGIN")).ok, true);
  });
});

test("one throttled row per user name, address and window, counting its attempts", async (t) => {
  const T0 = Date.UTC(2026, 5, 1);
  t.mock.timers.enable({ apis: ["Date"], now: T0 });
  await withAuth({ maxFailuresPerUser: 1 }, async ({ auth, rows }) => {
    await auth.login(ctx(), ALICE, "w", "LOGIN");
    t.mock.timers.setTime(T0 + 1000);
    for (let i = 0; i < 3; i++) await auth.login(ctx(), ALICE, PW, "LOGIN");
    // Another address is another row (and the limit is per address: here it only fails once).
    await auth.login(ctx("198.51.100.20"), ALICE, "w", "LOGIN");
    await auth.login(ctx("198.51.100.20"), ALICE, "w", "LOGIN");
    // The next window: a new count, a new row.
    t.mock.timers.setTime(T0 + LIMITS.windowMs + 5000);
    await auth.login(ctx(), ALICE, "w", "LOGIN");
    await auth.login(ctx(), ALICE, "w", "LOGIN");
    await auth.login(ctx(), ALICE, "w", "LOGIN");
    const r = (await rows()).map((x) => `${x.time - T0} ${x.result}×${x.attempts}`);
    assert.deepEqual(r, ["0 failed×1", "1000 refused×3", "1000 failed×1", "1000 refused×1", "305000 failed×1", "305000 refused×2"]);
  });
});

test("the observer hears every recorded attempt's protocol and result, never the name or the password", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-auth-"));
  const store = await openTestStore(dir, { auditFlushMs: 10 });
  try {
    await addDomain(store.db, "example.test");
    await addAccount(store.db, ALICE, PW);
    const heard: unknown[][] = [];
    const observer = { login: (...args: unknown[]) => void heard.push(args) };
    const passwords = counting([], false);
    const auth = new Authenticator(store.db, new AuditLog(store.committer), () => ({ ...LIMITS, maxFailuresPerUser: 1 }), { passwords, observer });
    assert.equal((await auth.login(ctx(), ALICE, PW, "PLAIN")).ok, true);
    await auth.login({ ...ctx(), protocol: "pop3" }, ALICE, "wrong", "PLAIN");
    await auth.login({ ...ctx(), protocol: "pop3" }, ALICE, "wrong", "PLAIN");
    auth.refused({ ...ctx(), protocol: "submission" }, ALICE, "LOGIN", "plaintext");
    assert.deepEqual(heard, [
      ["imap", "ok"],
      ["pop3", "failed"],
      ["pop3", "throttled"],
      ["submission", "refused"],
    ]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("on a legacy endpoint a right password needs a running grant for the protocol, by the gate's clock, until the cut-off; every row is flagged", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-auth-"));
  const store = await openTestStore(dir, { auditFlushMs: 10 });
  try {
    await addDomain(store.db, "example.test");
    await addAccount(store.db, ALICE, PW);
    const day = Date.parse("2027-01-10T00:00:00Z");
    let now = day;
    let cutoff: number | null = null;
    const auth = new Authenticator(store.db, new AuditLog(store.committer), () => LIMITS, {
      passwords: counting([], false),
      legacy: { now: () => now, cutoffPassed: () => cutoff },
    });
    const legacy = (protocol: AuthContext["protocol"] = "imap"): AuthContext => ({ ...ctx(), protocol, legacy: true });
    const refused = { ok: false, refusal: "legacy" };

    assert.deepEqual(await auth.login(legacy(), ALICE, PW, "LOGIN"), refused);
    // A wrong password gets the usual failure: nothing about grants is revealed.
    assert.deepEqual(await auth.login(legacy(), ALICE, "not-it", "LOGIN"), { ok: false, refusal: "credentials" });
    await grantLegacy(store.db, ALICE, { until: day + 86_400_000, protocols: ["imap"], now });
    assert.equal((await auth.login(legacy(), ALICE, PW, "LOGIN")).ok, true);
    assert.deepEqual(await auth.login(legacy("pop3"), ALICE, PW, "USER"), refused);
    // The main ports ignore grants.
    assert.equal((await auth.login(ctx(), ALICE, PW, "LOGIN")).ok, true);
    now = day + 86_400_000;
    assert.deepEqual(await auth.login(legacy(), ALICE, PW, "LOGIN"), refused);
    now = day;
    cutoff = day - 1000;
    assert.deepEqual(await auth.login(legacy(), ALICE, PW, "LOGIN"), refused);

    await store.committer.flush();
    const rows = await store.db.selectFrom("logins").select(["protocol", "result", "reason", "legacy"]).orderBy("id").execute();
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { protocol: "imap", result: "refused", reason: "legacy endpoint: no legacy grant for imap", legacy: 1 },
      { protocol: "imap", result: "failed", reason: "wrong password", legacy: 1 },
      { protocol: "imap", result: "ok", reason: null, legacy: 1 },
      { protocol: "pop3", result: "refused", reason: "legacy endpoint: no legacy grant for pop3", legacy: 1 },
      { protocol: "imap", result: "ok", reason: null, legacy: 0 },
      { protocol: "imap", result: "refused", reason: "legacy endpoint: the legacy grant ended on 2027-01-11 00:00 UTC", legacy: 1 },
      { protocol: "imap", result: "refused", reason: "legacy endpoint: the cut-off on 2027-01-09 23:59 UTC ended legacy access", legacy: 1 },
    ]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with the credential cache, a right password verified a moment ago skips scrypt; a wrong one, a changed password, role or a disabled account do not", async () => {
  const credentialCache = { ttlMs: 3_600_000, maxEntries: 100 };
  await withAuth({ credentialCache }, async ({ store, auth, checks, rows }) => {
    assert.equal((await auth.login(ctx(), ALICE, PW, "LOGIN")).ok, true);
    assert.equal((await auth.login(ctx("198.51.100.20"), ` ${ALICE.toUpperCase()}`, PW, "PLAIN")).ok, true);
    assert.deepEqual(checks, ["verify"], "the second sign-in was a cache hit");
    // A wrong password costs the full check every time, before and after a hit.
    assert.deepEqual(await auth.login(ctx(), ALICE, "not-it", "LOGIN"), { ok: false, refusal: "credentials" });
    assert.deepEqual(await auth.login(ctx(), "nobody@example.test", PW, "LOGIN"), { ok: false, refusal: "credentials" });
    assert.deepEqual(checks, ["verify", "verify", "dummy"]);

    // A new password (as the CLI sets it, through the database): the old one is refused at once.
    await setPassword(store.db, ALICE, "alice-new-password");
    assert.deepEqual(await auth.login(ctx(), ALICE, PW, "LOGIN"), { ok: false, refusal: "credentials" });
    assert.equal((await auth.login(ctx(), ALICE, "alice-new-password", "LOGIN")).ok, true);
    assert.equal((await auth.login(ctx(), ALICE, "alice-new-password", "LOGIN")).ok, true);
    assert.equal(checks.length, 5, "old password checked in full, the new one once");

    await setAccount(store.db, ALICE, { role: "domain-admin" });
    assert.equal((await auth.login(ctx(), ALICE, "alice-new-password", "LOGIN")).ok, true);
    assert.equal(checks.length, 6, "a role change makes the next sign-in a full check");

    await setAccount(store.db, ALICE, { disabled: true });
    assert.deepEqual(await auth.login(ctx(), ALICE, "alice-new-password", "LOGIN"), { ok: false, refusal: "credentials" });
    assert.equal(checks.length, 7, "a disabled account costs the full check, as before");
    await setAccount(store.db, ALICE, { disabled: false });
    assert.equal((await auth.login(ctx(), ALICE, "alice-new-password", "LOGIN")).ok, true);
    assert.equal(checks.length, 8, "the entry was dropped on disable");

    // Every sign-in, cached or not, is a row of the login history.
    assert.deepEqual(
      (await rows()).map((r) => `${r.result} ${r.reason ?? ""}`.trim()),
      ["ok", "ok", "failed wrong password", "failed unknown account", "failed wrong password", "ok", "ok", "ok", "failed account disabled", "ok"],
    );
  }, "scrypt");
});

test("without the cache settings (or with a TTL of 0) every sign-in is a full check", async () => {
  for (const limits of [{}, { credentialCache: { ttlMs: 0, maxEntries: 100 } }]) {
    await withAuth(limits, async ({ auth, checks }) => {
      for (let i = 0; i < 3; i++) assert.equal((await auth.login(ctx(), ALICE, PW, "LOGIN")).ok, true);
      assert.deepEqual(checks, ["verify", "verify", "verify"]);
    });
  }
});
