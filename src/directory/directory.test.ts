import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain, countAccounts, DirectoryError, domainChanges, isHostedDomain, listAccounts, listDomains, lookupRecipient, normalizeAddress, parseMtaStsMode, parseRole, publishedMtaSts, setAccount, setDomain, setPassword } from "./index.ts";
import { dummyVerify, generatePassword, hashPassword, verifyPassword } from "./password.ts";
import { openTestStore } from "../../test/support/postgres.ts";

test("scrypt hashes verify, and never contain the password", async () => {
  const h = await hashPassword("correct horse");
  assert.match(h, /^\$scrypt\$ln=15,r=8,p=1\$/);
  assert.ok(!h.includes("correct"));
  assert.equal(await verifyPassword("correct horse", h), true);
  assert.equal(await verifyPassword("wrong horse", h), false);
  assert.equal(await verifyPassword("x", "garbage"), false);
  assert.equal(await dummyVerify("x"), false);
  const p = generatePassword();
  assert.equal(p.length, 20);
  assert.notEqual(p, generatePassword());
});

test("addresses and domains are normalised and validated", () => {
  assert.deepEqual(normalizeAddress("Bob@Example.TEST"), { address: "bob@example.test", local: "bob", domain: "example.test" });
  assert.throws(() => normalizeAddress("nobody"), DirectoryError);
  assert.throws(() => normalizeAddress("a@-bad-.test"), /invalid domain/);
});

test("recipient lookup: account, unknown user, not hosted; policy changes apply at once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dir-"));
  const store = await openTestStore(dir);
  try {
    await addDomain(store.db, "example.test", { mandatoryTls: true });
    await assert.rejects(addDomain(store.db, "EXAMPLE.test"), /exists already/);
    await assert.rejects(addAccount(store.db, "a@other.test", "password1"), /neither hosted nor a relay domain/);
    const a = await addAccount(store.db, "a@example.test", "password1");
    const found = await lookupRecipient(store.db, "A@example.TEST");
    assert.ok(found.kind === "account" && found.accountId === a.id && found.domain.mandatoryTls);
    assert.equal((await lookupRecipient(store.db, "zz@example.test")).kind, "unknown-user");
    assert.equal((await lookupRecipient(store.db, "a@else.test")).kind, "not-hosted");
    assert.equal(await isHostedDomain(store.db, "Example.TEST"), true);
    assert.equal(await isHostedDomain(store.db, "else.test"), false);
    await setDomain(store.db, "example.test", { mandatoryTls: false });
    const again = await lookupRecipient(store.db, "a@example.test");
    assert.ok(again.kind === "account" && !again.domain.mandatoryTls);
    await setPassword(store.db, "a@example.test", "newpassword");
    const row = await store.db.selectFrom("accounts").select("password_hash").where("id", "=", a.id).executeTakeFirstOrThrow();
    assert.equal(await verifyPassword("newpassword", row.password_hash), true);
    await assert.rejects(setPassword(store.db, "nobody@example.test", "x12345678"), /no such account/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("recipient lookup: a relay domain's recipients, all of them or only the listed local parts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dir-"));
  const store = await openTestStore(dir);
  try {
    // The rows `sealpost relay set` writes (the table is the store's; outbound manages it).
    const relay = (domain: string, localParts: string[] | null) =>
      store.db.insertInto("relay_domains").values({ domain, next_hop: "[127.0.0.1]:2525", level: null, local_parts: localParts === null ? null : JSON.stringify(localParts), created_at: 0 }).execute();
    await relay("gateway.test", null);
    await relay("listed.test", ["Info", "sales"]);
    assert.deepEqual(await lookupRecipient(store.db, "anyone@Gateway.TEST"), { kind: "relay", domain: "gateway.test", mandatoryTls: false });
    // A relay domain's mailboxes are elsewhere: mail programs are not set up for it here.
    assert.equal(await isHostedDomain(store.db, "gateway.test"), false);
    assert.deepEqual(await lookupRecipient(store.db, "INFO@listed.test"), { kind: "relay", domain: "listed.test", mandatoryTls: false });
    assert.deepEqual(await lookupRecipient(store.db, "other@listed.test"), { kind: "unknown-relay-user", domain: "listed.test", mandatoryTls: false });
    assert.deepEqual(await lookupRecipient(store.db, "a@elsewhere.test"), { kind: "not-hosted" });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("roles and disabling: an account starts as a user; a disabled one is unknown to the MX", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dir-"));
  const store = await openTestStore(dir);
  try {
    await addDomain(store.db, "example.test");
    assert.equal((await addAccount(store.db, "u@example.test", "password1")).role, "user");
    assert.equal((await addAccount(store.db, "d@example.test", "password1", "domain-admin")).role, "domain-admin");
    assert.throws(() => parseRole("root"), /role: expected one of user, domain-admin, admin, got "root"/);
    assert.equal(parseRole("admin"), "admin");

    const changed = await setAccount(store.db, "U@Example.test", { role: "admin", disabled: true });
    assert.deepEqual([changed.address, changed.role, changed.disabled], ["u@example.test", "admin", true]);
    assert.equal((await lookupRecipient(store.db, "u@example.test")).kind, "unknown-user");
    assert.deepEqual((await listAccounts(store.db, { address: "d@example.test" })).map((a) => [a.role, a.disabled]), [["domain-admin", false]]);
    assert.equal((await setAccount(store.db, "u@example.test", { disabled: false })).disabled, false);
    assert.equal((await lookupRecipient(store.db, "u@example.test")).kind, "account");
    await assert.rejects(setAccount(store.db, "nobody@example.test", { disabled: true }), /no such account: nobody@example\.test/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the last enabled admin cannot be disabled or demoted; with another admin, either can be", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dir-"));
  const store = await openTestStore(dir);
  try {
    await addDomain(store.db, "example.test");
    await addAccount(store.db, "root@example.test", "password1", "admin");
    await addAccount(store.db, "u@example.test", "password1");
    await assert.rejects(setAccount(store.db, "root@example.test", { disabled: true }), /root@example\.test is the last enabled admin/);
    await assert.rejects(setAccount(store.db, "root@example.test", { role: "domain-admin" }), DirectoryError);
    assert.deepEqual((await listAccounts(store.db, { address: "root@example.test" })).map((a) => [a.role, a.disabled]), [["admin", false]]);
    // A disabled admin does not count; a user's changes are never refused.
    await setAccount(store.db, "u@example.test", { role: "admin", disabled: true });
    await assert.rejects(setAccount(store.db, "root@example.test", { role: "user" }), /last enabled admin/);
    assert.equal((await setAccount(store.db, "u@example.test", { disabled: false })).disabled, false);
    assert.equal((await setAccount(store.db, "root@example.test", { role: "user" })).role, "user");
    assert.deepEqual((await listAccounts(store.db, { limit: 1 })).map((a) => a.address), ["root@example.test"]);
    assert.equal(await countAccounts(store.db), 2);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("MTA-STS: a hosted domain's mode, a new id with every change of mode and the same id for the same mode, withdrawn and published again, recorded; not for relay domains", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dir-"));
  const store = await openTestStore(dir);
  try {
    await addDomain(store.db, "example.test");
    assert.equal(await publishedMtaSts(store.db, "example.test"), null, "not published by default");
    const testing = (await setDomain(store.db, "example.test", { mtaSts: "testing" }, "cli:root")).mtaSts;
    assert.equal(testing?.mode, "testing");
    assert.match(testing?.id ?? "", /^\d{8}T\d{6}Z$/);
    assert.deepEqual((await setDomain(store.db, "Example.TEST", { mtaSts: "testing" })).mtaSts, testing, "the same mode keeps its id");
    // Two changes within a second still get two ids (RFC 8461 §3.1).
    const enforce = (await setDomain(store.db, "example.test", { mtaSts: "enforce" })).mtaSts;
    assert.equal(enforce?.mode, "enforce");
    assert.ok((enforce?.id ?? "") > (testing?.id ?? ""), `${enforce?.id} after ${testing?.id}`);
    assert.deepEqual(await publishedMtaSts(store.db, "example.test"), enforce);
    assert.equal((await setDomain(store.db, "example.test", { mtaSts: null })).mtaSts, null);
    assert.equal(await publishedMtaSts(store.db, "example.test"), null);
    const again = (await setDomain(store.db, "example.test", { mtaSts: "none" })).mtaSts;
    assert.ok((again?.id ?? "") > (enforce?.id ?? ""), "published again after a withdrawal: still a newer id");
    assert.deepEqual((await listDomains(store.db)).map((d) => d.mtaSts?.mode ?? "off"), ["none"]);
    const year = new Date().getUTCFullYear();
    assert.deepEqual((await domainChanges(store.db, "example.test")).map((c) => `${c.setting}=${c.value}`), [
      "mta_sts=none",
      "mta_sts=off",
      "mta_sts=enforce",
      "mta_sts=testing",
      `dkim_signing=sp${year}a-ed, sp${year}a-rsa`, // the DKIM keys made with the domain (src/dkim)
    ]);

    await store.db.insertInto("relay_domains").values({ domain: "gw.test", next_hop: "[127.0.0.1]:2525", level: null, local_parts: null, created_at: 1 }).execute();
    await assert.rejects(setDomain(store.db, "gw.test", { mtaSts: "enforce" }), /gw\.test is a relay domain: MTA-STS is published for hosted domains only/);
    assert.equal((await setDomain(store.db, "gw.test", { mandatoryTls: true })).mtaSts, null);
    assert.deepEqual([parseMtaStsMode("enforce"), parseMtaStsMode("off")], ["enforce", null]);
    assert.throws(() => parseMtaStsMode("Enforce"), /expected none, testing, enforce or off, got "Enforce"/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
