/**
 * Several Sealpost nodes on one PostgreSQL database (issue 16): each node its own data directory,
 * config and listeners; the store (the database and the shared message directory) one. On SQLite
 * runs the test starts a private cluster of its own (test/support/postgres.ts).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { startServer, prepareDataDir, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";
import { createDatabase, startCluster, testCluster, type Cluster } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";

let cluster: Cluster | undefined;
let shared: string;
const nodes: ServerHandle[] = [];

before(async () => {
  const clusterUrl = testCluster() ?? (cluster = await startCluster()).url;
  const database = createDatabase(clusterUrl);
  shared = mkdtempSync(join(tmpdir(), "sealpost-shared-blobs-"));
  // No failure delay: the sign-in limits' test makes several failed attempts.
  const settings = { "store.postgres": `blob_dir = "${shared}"`, auth: "failure_delay_ms = 0" };
  // The first node's CLI makes the domain and the account; the second sees them through the database.
  nodes.push(await startServer(prepareDataDir({ database, settings, domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] })));
  nodes.push(await startServer(prepareDataDir({ database, settings })));
});

after(async () => {
  for (const n of nodes) await n.cleanup();
  cluster?.stop();
  rmSync(shared, { recursive: true, force: true });
});

async function deliver(node: ServerHandle, marker: string): Promise<void> {
  const c = await RawSmtp.open(node.ports.mx);
  const r = await c.deliver({ from: "sender@remote.test", to: [ALICE], body: `From: <sender@remote.test>\r\nSubject: ${marker}\r\n\r\nbody ${marker}\r\n`, tls: true });
  assert.equal(r.code, 250, r.raw);
  await c.quit();
}

test("mail delivered to one node is announced to IDLE sessions on the other, and read there from the shared message files", async () => {
  const [one, two] = nodes;
  assert.ok(one !== undefined && two !== undefined);
  const raw = await RawImap.open(two.ports.imaps);
  const flow = new ImapFlow({ host: "127.0.0.1", port: two.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PW }, logger: false });
  await flow.connect();
  try {
    await raw.login(ALICE, PW);
    await raw.ok("SELECT INBOX");
    await flow.mailboxOpen("INBOX");
    const flowExists = new Promise<number>((resolve) => flow.on("exists", (d: { count: number }) => resolve(d.count)));
    void flow.idle();
    raw.send("i1 IDLE\r\n");
    await raw.waitFor((l) => l.startsWith("+ "));
    await deliver(one, "NODE-1");
    assert.equal(await raw.waitFor((l) => /^\* \d+ EXISTS$/.test(l)), "* 1 EXISTS");
    assert.equal(await flowExists, 1);
    raw.send("DONE\r\n");
    assert.match(await raw.waitFor((l) => l.startsWith("i1 ")), /^i1 OK/);
    const f = await raw.ok("UID FETCH 1 (BODY.PEEK[TEXT])");
    assert.ok(f.untagged[0]?.includes("body NODE-1"), f.untagged[0]);

    // And back: a flag set on node two reaches a session on node one without a poll.
    const back = await RawImap.open(one.ports.imaps);
    try {
      await back.login(ALICE, PW);
      await back.ok("SELECT INBOX");
      back.send("i2 IDLE\r\n");
      await back.waitFor((l) => l.startsWith("+ "));
      await raw.ok("UID STORE 1 +FLAGS (\\Flagged)");
      assert.match(await back.waitFor((l) => l.includes("FETCH")), /^\* 1 FETCH \(.*\\Flagged/);
      back.send("DONE\r\n");
      await back.waitFor((l) => l.startsWith("i2 "));
    } finally {
      back.close();
    }
  } finally {
    raw.close();
    await flow.logout();
  }
});

test("sign-in limits hold across nodes: a name that failed its limit on node 1 is refused on node 2 without a password check", async () => {
  const [one, two] = nodes;
  assert.ok(one !== undefined && two !== undefined);
  // A session on node 2 that hears node 1's commits: NOTIFY comes in commit order, so once it has
  // heard a delivery made after the failures, node 2 has heard the failures too.
  const watcher = await RawImap.open(two.ports.imaps);
  try {
    await watcher.login(ALICE, PW);
    const exists = await watcher.idleIn("INBOX", "w1");
    // max_failures_per_user (5) wrong passwords for one name from this address, on node 1.
    const guesser = await RawImap.open(one.ports.imaps);
    const answer = async (c: RawImap, password: string): Promise<string> => {
      const r = await c.command(`LOGIN mallory@example.test ${password}`);
      return `${r.status} ${r.text}`;
    };
    for (let i = 0; i < 5; i++) assert.match(await answer(guesser, `wrong-${i}`), /^NO \[AUTHENTICATIONFAILED\]/);
    guesser.close();
    await deliver(one, "AFTER-GUESSES");
    assert.equal(await watcher.waitFor((l) => /^\* \d+ EXISTS$/.test(l)), `* ${exists + 1} EXISTS`);
    const next = await RawImap.open(two.ports.imaps);
    try {
      assert.match(await answer(next, "wrong-5"), /^NO \[UNAVAILABLE\] Too many failed logins/);
    } finally {
      next.close();
    }
    watcher.send("DONE\r\n");
    await watcher.waitFor((l) => l.startsWith("w1 "));
  } finally {
    watcher.close();
  }
});

test("a node's CLI works on the shared store: backup refuses it in one line, export reads every node's mail", async () => {
  const [, two] = nodes;
  assert.ok(two !== undefined);
  const backup = two.cli(["backup", join(shared, "..", "never-made")]);
  assert.equal(backup.status, 2);
  assert.equal(backup.stderr, "sealpost: the store is in PostgreSQL (store.backend): back up the database with pg_dump and the message files (blobs/ or store.postgres.blob_dir) as files\n");
  const file = join(mkdtempSync(join(tmpdir(), "sealpost-export-")), "alice.mbox");
  const exported = two.cli(["export", ALICE, file]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(readFileSync(file, "utf8"), /^Subject: NODE-1\r?$/m);
  rmSync(join(file, ".."), { recursive: true, force: true });
});

test("sealpost nodes, from either node: both live with what they serve; a node stopped with SIGTERM is shown stopped", async () => {
  const [one, two] = nodes;
  assert.ok(one !== undefined && two !== undefined);
  type Node = { dataDir: string; state: string; roles: string[]; pid: number };
  const list = (via: ServerHandle): Node[] => {
    const r = via.cli(["nodes", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Node[];
  };
  const seen = list(one);
  assert.deepEqual(seen.map((n) => n.state), ["live", "live"]);
  assert.deepEqual(new Set(seen.map((n) => n.dataDir)), new Set([one.dataDir, two.dataDir]));
  assert.deepEqual(new Set(seen.map((n) => n.pid)), new Set([one.proc.pid, two.proc.pid]));
  for (const n of seen) assert.ok(["mx", "imaps", "submission", "pop3s", "web", "queue"].every((role) => n.roles.includes(role)), n.roles.join(","));
  assert.equal(await one.stop("SIGTERM"), 0);
  const after = list(two);
  assert.deepEqual(after.map((n) => [n.dataDir, n.state]), [[two.dataDir, "live"], [one.dataDir, "stopped"]]);
  const table = two.cli(["nodes"]);
  assert.match(table.stdout, /^STATE +HOST +DATA DIRECTORY +PID +LAST SEEN +ROLES$/m);
  assert.match(table.stdout, new RegExp(`^stopped +mx\\.sealpost\\.test +${one.dataDir} +${one.proc.pid ?? ""} +\\d+ s ago +`, "m"));
});
