/**
 * `sealpost migrate --to postgres URL --blob-dir DIR` (issue 16): an SQLite installation moves to a
 * new PostgreSQL database with everything it holds — mailboxes with their UIDs, UIDVALIDITY and
 * flags, the queue, the login history — and the message files into the shared directory, each
 * checked; the server then runs on it. Refused, in one line and with nothing written: while the
 * server runs, into a database that holds a store, with a password in the URL, with a message file
 * missing.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/index.ts";
import { prepareDataDir, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";
import { createDatabase, openDataDir, startCluster, testCluster, type Cluster } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";
const TABLES = ["domains", "accounts", "mailboxes", "messages", "queue", "queue_recipients", "logins", "relay_domains"] as const;

let cluster: Cluster | undefined;
let clusterUrl: string;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  clusterUrl = testCluster() ?? (cluster = await startCluster()).url;
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  cluster?.stop();
});

/** An SQLite installation with alice, relay domain customer.test (its next hop closed: mail waits in the queue). */
async function installation(): Promise<ServerHandle> {
  const h = await startSealpost({ sqlite: true, domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }], settings: { smtp: "authentication = false" } });
  cleanups.push(() => h.cleanup());
  const relay = h.cli(["relay", "add", "customer.test", "--next-hop", "127.0.0.1:1"]);
  assert.equal(relay.status, 0, relay.stderr);
  return h;
}

async function deliver(h: ServerHandle, to: string, subject: string): Promise<void> {
  const c = await RawSmtp.open(h.ports.mx);
  const r = await c.deliver({ from: "sender@remote.test", to: [to], body: `From: <sender@remote.test>\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n` });
  assert.equal(r.code, 250, r.raw);
  await c.quit();
}

/** Rows per table, in whatever database the data directory's config names. */
async function counts(dataDir: string): Promise<Record<string, number>> {
  const store = await openDataDir(dataDir);
  try {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = (await store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Number(v)]));
  } finally {
    await store.close();
  }
}

/** What alice's mail program sees: UIDVALIDITY, EXISTS, UNSEEN (STATUS: the mailbox's counters), each message's UID, flags and subject. */
async function mailbox(h: ServerHandle): Promise<{ uidValidity: string; counts: string; messages: string[] }> {
  const c = await RawImap.open(h.ports.imaps);
  try {
    await c.login(ALICE, PW);
    const status = await c.ok("STATUS INBOX (MESSAGES UNSEEN SIZE)");
    const counts = status.untagged.join("\n");
    const sel = await c.ok("SELECT INBOX");
    const uidValidity = /\[UIDVALIDITY (\d+)\]/.exec(sel.untagged.join("\n"))?.[1] ?? "";
    const f = await c.ok("UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    // \Recent belongs to the session that first saw the message (RFC 3501 §2.3.2), not to the store.
    const messages = f.untagged.filter((l) => l.includes(" FETCH ")).map((l) => l.replace(/\\Recent ?/, "").replace(/\s+/g, " ").trim());
    return { uidValidity, counts, messages };
  } finally {
    c.close();
  }
}

test("an SQLite installation moves to PostgreSQL with its mail, UIDs, flags, queue and history, its files in the shared directory; the server runs on it", async () => {
  const h = await installation();
  for (const s of ["one", "two", "three"]) await deliver(h, ALICE, s);
  await deliver(h, "someone@customer.test", "queued");
  const flagger = await RawImap.open(h.ports.imaps);
  await flagger.login(ALICE, PW);
  await flagger.ok("SELECT INBOX");
  await flagger.ok("UID STORE 2 +FLAGS (\\Flagged \\Seen)");
  await flagger.ok("UID STORE 3 +FLAGS (\\Deleted)");
  await flagger.ok("EXPUNGE");
  flagger.close();
  await deliver(h, ALICE, "four");
  const seen = await mailbox(h);
  assert.equal(seen.messages.length, 3);
  assert.equal(await h.stop("SIGTERM"), 0);
  const before = await counts(h.dataDir);
  assert.ok((before.logins ?? 0) > 0 && before.queue === 1, JSON.stringify(before));

  const database = createDatabase(clusterUrl);
  const shared = mkdtempSync(join(tmpdir(), "sealpost-migrated-blobs-"));
  cleanups.push(() => rmSync(shared, { recursive: true, force: true }));
  const r = h.cli(["migrate", "--to", "postgres", database, "--blob-dir", shared]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^messages: 3 row\(s\)$/m);
  assert.match(r.stdout, /^checked: \d+ tables, \d+ rows, as in SQLite; 4 message files \(.+, 4 copied\), each the same by SHA-256$/m);
  const config = loadConfig(h.dataDir);
  assert.deepEqual([config.store.backend, config.store.postgres.url, config.store.postgres.blob_dir], ["postgres", database, shared]);
  assert.match(readFileSync(join(h.dataDir, "sealpost.toml"), "utf8"), /^# Where accounts, mailboxes/m, "the config's comments are kept");
  assert.ok(existsSync(join(h.dataDir, "sealpost.db")), "the SQLite file is kept");
  assert.deepEqual(await counts(h.dataDir), before);

  // The server on PostgreSQL: alice's mail program sees the same mailbox, and new mail follows it.
  await h.restart();
  assert.deepEqual(await mailbox(h), seen);
  await deliver(h, ALICE, "five");
  const now = await mailbox(h);
  assert.equal(now.uidValidity, seen.uidValidity);
  assert.match(now.messages.at(-1) ?? "", /^\* 4 FETCH \(UID 5 FLAGS \(\) BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\} Subject: five \)$/);
  const queue = JSON.parse(h.cli(["queue", "list", "--json"]).stdout) as Array<{ recipients: string[] }>;
  assert.deepEqual(queue.map((q) => q.recipients), [["someone@customer.test"]]);
});

test("migrate refuses in one line, writing nothing: a running server, a database with a store in it, a password in the URL, a missing message file", async () => {
  const h = await installation();
  await deliver(h, ALICE, "only");
  const database = createDatabase(clusterUrl);
  const running = h.cli(["migrate", "--to", "postgres", database]);
  assert.equal(running.status, 2);
  assert.match(running.stderr, /^sealpost: the server on .* is running \(pid \d+, .*\): stop it first/);
  assert.equal(await h.stop("SIGTERM"), 0);

  const secret = h.cli(["migrate", "--to", "postgres", "postgres://sealpost:hunter2@127.0.0.1/mail"]);
  assert.equal(secret.status, 2);
  assert.ok(!secret.stderr.includes("hunter2"), secret.stderr);
  assert.equal(secret.stderr.split("\n").length, 2, secret.stderr);

  // The file of alice's message is gone: the move stops before the database holds anything.
  const store = await openDataDir(h.dataDir);
  const blob = (await store.db.selectFrom("messages").select("blob").executeTakeFirstOrThrow()).blob;
  await store.close();
  unlinkSync(join(h.dataDir, "blobs", blob));
  const missing = h.cli(["migrate", "--to", "postgres", database]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `sealpost: message file ${blob} is missing in ${join(h.dataDir, "blobs")}: the store refers to it (run \`sealpost store sweep\` on the SQLite store to see what is wrong)\n`);
  assert.equal(loadConfig(h.dataDir).store.backend, "sqlite");

  // Into a database that holds a store.
  const other = h.cli(["migrate", "--to", "postgres", createInitialised()]);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /^sealpost: the PostgreSQL database is not empty \(1 row\(s\) in domains\): migrate needs a new database \(createdb\)\n$/);
  assert.equal(loadConfig(h.dataDir).store.backend, "sqlite");
});

/** A database with a store in it: a domain added through a data directory of its own. */
function createInitialised(): string {
  const url = createDatabase(clusterUrl);
  const dir = prepareDataDir({ database: url, domains: [{ name: "other.test" }] });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return url;
}
