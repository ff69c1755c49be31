import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDomain, domainChanges } from "../directory/index.ts";
import { type Store } from "../store/index.ts";
import { activateKeys, DkimError, ensureKeys, listKeys, newKeys, rotateKeys } from "./index.ts";
import { nextGeneration, selectorOf } from "./keys.ts";
import { openTestStore } from "../../test/support/postgres.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dkim-"));
  const store = await openTestStore(dir);
  try {
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const privateKeys = (store: Store, domain: string) =>
  store.db.selectFrom("dkim_keys").select(["selector", "private_key"]).where("domain", "=", domain).orderBy("id").execute();

test("a generation is an Ed25519 key and an RSA-2048 key whose published halves verify what the private halves sign", async () => {
  const { keys } = await newKeys();
  assert.deepEqual(keys.map((k) => k.algorithm), ["ed25519", "rsa"]);
  const data = Buffer.from("canonicalized header");
  for (const k of keys) {
    const priv = createPrivateKey(k.privateKey);
    assert.match(k.privateKey, /^-----BEGIN PRIVATE KEY-----/);
    const der = Buffer.from(k.publicKey, "base64");
    // RFC 8463 §4.2: the Ed25519 p= is the bare 32-byte key; RSA's is a SubjectPublicKeyInfo.
    const pub =
      k.algorithm === "ed25519"
        ? (assert.equal(der.length, 32), createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: der.toString("base64url") }, format: "jwk" }))
        : createPublicKey({ key: der, format: "der", type: "spki" });
    if (k.algorithm === "rsa") assert.equal(pub.asymmetricKeyDetails?.modulusLength, 2048);
    const alg = k.algorithm === "rsa" ? "sha256" : null;
    assert.ok(verify(alg, data, pub, sign(alg, data, priv)), `${k.algorithm}: the record's key verifies`);
  }
  const again = await newKeys();
  assert.notEqual(again.keys[0]?.publicKey, keys[0]?.publicKey, "fresh keys every time");
});

test("selectors tell the year, the generation and the algorithm; none is used twice", () => {
  assert.equal(nextGeneration([], 2026), "sp2026a");
  assert.equal(selectorOf("sp2026a", "ed25519"), "sp2026a-ed");
  assert.equal(selectorOf("sp2026a", "rsa"), "sp2026a-rsa");
  assert.equal(nextGeneration(["sp2026a-ed", "sp2026a-rsa"], 2026), "sp2026b");
  assert.equal(nextGeneration(["sp2026a-ed", "sp2026a-rsa"], 2027), "sp2027a");
  // Half a generation taken still takes the generation.
  assert.equal(nextGeneration(["sp2026a-rsa"], 2026), "sp2026b");
  const taken = Array.from({ length: 26 }, (_, i) => `sp2026${String.fromCharCode(97 + i)}-ed`);
  assert.equal(nextGeneration(taken, 2026), "sp2026aa");
  assert.equal(nextGeneration([...taken, "sp2026aa-ed"], 2026), "sp2026ab");
  for (const s of [selectorOf(nextGeneration(taken, 2026), "rsa"), "sp2026a-ed"]) assert.match(s, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, "a DNS label (RFC 6376 §3.1)");
});

test("a new domain signs at once; a rotation waits, pending, and its activation retires the old keys and wipes their private halves", async () => {
  await withStore(async (store) => {
    const year = new Date().getUTCFullYear();
    await addDomain(store.db, "example.org", { changedBy: "cli:root" });
    const first = await listKeys(store.db, "example.org");
    assert.deepEqual(first.map((k) => [k.selector, k.algorithm, k.state]), [
      [`sp${year}a-ed`, "ed25519", "active"],
      [`sp${year}a-rsa`, "rsa", "active"],
    ]);
    assert.equal(await ensureKeys(store.db, "example.org", "cli:root"), null, "keys exist already: none made");
    await assert.rejects(activateKeys(store.db, "example.org", "cli:root"), DkimError);

    const gen = await rotateKeys(store.db, "example.org", "cli:root");
    assert.equal(gen, `sp${year}b`);
    await assert.rejects(rotateKeys(store.db, "example.org", "cli:root"), /rotation pending already/);
    const during = await listKeys(store.db, "example.org");
    assert.deepEqual(during.filter((k) => k.state === "pending").map((k) => k.selector), [`${gen}-ed`, `${gen}-rsa`]);
    assert.equal(during.filter((k) => k.state === "active").length, 2, "the old keys sign on meanwhile");

    const t1 = Date.now() + 3_600_000;
    assert.equal(await activateKeys(store.db, "example.org", "cli:root", { now: t1 }), gen);
    const after = await listKeys(store.db, "example.org");
    assert.deepEqual(after.filter((k) => k.state === "active").map((k) => [k.selector, k.activatedAt]), [[`${gen}-ed`, t1], [`${gen}-rsa`, t1]]);
    assert.deepEqual(after.filter((k) => k.state === "retired").map((k) => k.retiredAt), [t1, t1]);
    const stored = await privateKeys(store, "example.org");
    assert.deepEqual(stored.map((r) => r.private_key === null), [true, true, false, false], "a retired key's private half is gone");

    const trail = await domainChanges(store.db, "example.org");
    assert.deepEqual(
      trail.map((c) => [c.setting, c.value, c.changedBy]),
      [
        ["dkim_signing", `${gen}-ed, ${gen}-rsa`, "cli:root"],
        ["dkim_retired", `sp${year}a-ed, sp${year}a-rsa`, "cli:root"],
        ["dkim_pending", `${gen}-ed, ${gen}-rsa`, "cli:root"],
        ["dkim_signing", `sp${year}a-ed, sp${year}a-rsa`, "cli:root"],
      ],
      "newest first: the activation, the rotation, the domain's first keys",
    );
  });
});

test("a domain hosted before Sealpost signed gets its first keys from ensureKeys, active; a domain without keys cannot rotate", async () => {
  await withStore(async (store) => {
    await store.db.insertInto("domains").values({ name: "old.example", mandatory_tls: 0, created_at: 1 }).execute();
    await assert.rejects(rotateKeys(store.db, "old.example", "cli:root"), /no keys to rotate/);
    const gen = await ensureKeys(store.db, "old.example", "cli:root", Date.UTC(2025, 5, 1));
    assert.equal(gen, "sp2025a");
    assert.deepEqual((await listKeys(store.db, "old.example")).map((k) => k.state), ["active", "active"]);
  });
});
