import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { renderConfig } from "../config/index.ts";
import { addAccount, addDomain } from "../directory/index.ts";
import { appendMessage, deliverMessage, expunge, getMailbox, listMessages, openStore, storeFlags } from "../store/index.ts";
import { backupDataDir, BackupError, readManifest, restoreDataDir } from "./index.ts";
import { parseManifest } from "./manifest.ts";

const msg = (s: string): Buffer => Buffer.from(`Subject: ${s}\r\n\r\n${s}\r\n`);

/** A data directory with a config, a certificate inside it and a key outside it, and three messages (one expunged). */
async function dataDir(root: string): Promise<string> {
  const dir = join(root, "data");
  mkdirSync(join(dir, "certs"), { recursive: true });
  writeFileSync(join(dir, "certs/mx.pem"), "CERT\n");
  writeFileSync(join(root, "outside.key"), "KEY\n");
  writeFileSync(join(dir, "sealpost.toml"), renderConfig({ hostname: "mx.test", tls: { certificates: [{ cert: "certs/mx.pem", key: join(root, "outside.key") }] } }));
  const store = await openStore(dir);
  try {
    await addDomain(store.db, "example.test");
    const a = await addAccount(store.db, "a@example.test", "password1");
    const inbox = await getMailbox(store.db, a.id, "INBOX");
    assert.ok(inbox !== undefined);
    await deliverMessage(store, { id: "test", accounts: [a.id], message: [msg("one")] });
    await appendMessage(store, inbox.id, msg("two"), "\\Seen", 1000);
    const gone = await appendMessage(store, inbox.id, msg("gone"), "", 2000);
    await storeFlags(store, inbox.id, [gone.uid], "add", ["\\Deleted"]);
    await expunge(store, inbox.id);
  } finally {
    await store.close();
  }
  return dir;
}

test("backup: the database, the message files it names, the config and its files inside the data directory, and a manifest", async () => {
  const root = mkdtempSync(join(tmpdir(), "sealpost-backup-"));
  try {
    const dir = await dataDir(root);
    const dest = join(root, "backup");
    const { manifest } = await backupDataDir(dir, dest, () => Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(manifest.created, "2026-01-02T03:04:05.000Z");
    const live = await openStore(dir);
    const last = await sql<{ m: string }>`select max(name) as m from kysely_migration`.execute(live.db);
    await live.close();
    assert.equal(manifest.database.migration, last.rows[0]?.m);
    assert.match(manifest.database.migration, /^\d{4}_/);
    // The expunged message's file is not named by the database, so not copied.
    assert.deepEqual(manifest.blobs, { count: 2, bytes: msg("one").length + msg("two").length });
    assert.deepEqual(manifest.files, ["certs/mx.pem", "sealpost.toml"]);
    assert.deepEqual(manifest.notCopied, [join(root, "outside.key")]);
    assert.deepEqual(await readManifest(dest), manifest);
    assert.equal(readFileSync(join(dest, "certs/mx.pem"), "utf8"), "CERT\n");
    assert.deepEqual(readdirSync(join(dir, "sweep-holds")), [], "the hold is released");

    await assert.rejects(backupDataDir(dir, dest), (e: Error) => e instanceof BackupError && /is not empty; refusing to overwrite it/.test(e.message));
    await assert.rejects(backupDataDir(dir, join(dir, "inside")), BackupError);

    const target = join(root, "new", "data");
    await restoreDataDir(dest, target);
    const store = await openStore(target);
    try {
      const acct = await store.db.selectFrom("accounts").select("id").where("address", "=", "a@example.test").executeTakeFirstOrThrow();
      const rows = await listMessages(store.db, acct.id);
      assert.deepEqual(rows.map((r) => r.flags), ["", "\\Seen"]);
      assert.deepEqual(await Promise.all(rows.map(async (r) => (await store.blobs.read(r.blob)).toString())), [msg("one").toString(), msg("two").toString()]);
    } finally {
      await store.close();
    }
    assert.equal(readFileSync(join(target, "sealpost.toml"), "utf8"), readFileSync(join(dir, "sealpost.toml"), "utf8"));
    await assert.rejects(restoreDataDir(dest, target), (e: Error) => e instanceof BackupError && /data directory .* is not empty/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("restore refuses a damaged backup and leaves no data directory behind", async () => {
  const root = mkdtempSync(join(tmpdir(), "sealpost-backup-"));
  try {
    const dir = await dataDir(root);
    const dest = join(root, "backup");
    await backupDataDir(dir, dest);
    const blobs = readdirSync(join(dest, "blobs"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const first = blobs[0];
    assert.ok(first !== undefined);
    rmSync(join(first.parentPath, first.name));
    const target = join(root, "restored");
    await assert.rejects(restoreDataDir(dest, target), /do not match its manifest \(2 files/);
    assert.ok(!existsSync(target));
    assert.deepEqual(readdirSync(root).filter((n) => n.includes("restoring")), []);

    writeFileSync(join(dest, "sealpost.db"), "not a database");
    await assert.rejects(restoreDataDir(dest, target), /does not match the manifest's checksum/);
    rmSync(join(dest, "manifest.json"));
    await assert.rejects(restoreDataDir(dest, target), /has no manifest\.json: not a complete Sealpost backup/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a manifest of the wrong shape is refused by name", () => {
  assert.throws(() => parseManifest("[]", "m.json"), /not a Sealpost backup manifest/);
  assert.throws(() => parseManifest('{"format":"sealpost-backup","version":2}', "m.json"), /version 2/);
  assert.throws(() => parseManifest('{"format":"sealpost-backup","version":1,"created":"x"}', "m.json"), /damaged/);
});
