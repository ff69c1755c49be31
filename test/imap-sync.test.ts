/**
 * CONDSTORE and QRESYNC (RFC 7162) end to end: imapflow resynchronises a mailbox from a modseq
 * (changed flags, vanished UIDs, then live VANISHED), a raw connection checks every response form,
 * a mailbox without tombstones (as one from before they were kept) still answers VANISHED
 * (EARLIER), and Python's imaplib and curl keep working beside the new responses.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { sql } from "kysely";
import { ImapFlow } from "imapflow";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";
import { listAccounts } from "../src/directory/index.ts";
import { getMailbox } from "../src/store/index.ts";
import { openDataDir } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@example.test";
const PW = "sync-password";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ALICE, BOB, CAROL].map((address) => ({ address, password: PW })),
  });
});
after(async () => {
  await h.cleanup();
});

async function append(c: RawImap, subject: string): Promise<void> {
  const body = `From: <sender@remote.test>\r\nTo: <x@example.test>\r\nSubject: ${subject}\r\n\r\nBody of ${subject}.\r\n`;
  await c.ok(`APPEND INBOX {${body.length}+}\r\n${body}`);
}

async function rawSession(user: string, messages: number): Promise<RawImap> {
  const c = await RawImap.open(h.ports.imaps);
  await c.login(user, PW);
  for (let i = 1; i <= messages; i++) await append(c, `${user} ${i}`);
  return c;
}

function flow(user: string, onExpunge: (p: { uid?: number; seq?: number; vanished: boolean; earlier?: boolean }) => void): ImapFlow {
  return new ImapFlow({
    host: "127.0.0.1",
    port: h.ports.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass: PW },
    logger: false,
    qresync: true,
    expungeHandler: async (p) => {
      onExpunge(p);
    },
  });
}

function codeValue(lines: readonly string[], code: string): number {
  const m = new RegExp(`\\[${code} (\\d+)\\]`).exec(lines.join("\n"));
  assert.ok(m !== null, `no ${code} in ${lines.join(" | ")}`);
  return Number(m[1]);
}

test("imapflow resynchronises with QRESYNC: changed flags and vanished UIDs since its modseq, then a live VANISHED", async () => {
  const raw = await rawSession(ALICE, 6);
  const gone: Array<{ uid?: number; vanished: boolean; earlier?: boolean }> = [];
  const first = flow(ALICE, (p) => gone.push(p));
  await first.connect();
  const box = await first.mailboxOpen("INBOX");
  assert.ok(first.enabled.has("QRESYNC") && first.enabled.has("CONDSTORE"), "ENABLE QRESYNC answered");
  assert.equal(box.exists, 6);
  assert.equal(typeof box.highestModseq, "bigint");
  const since = box.highestModseq ?? 0n;
  await first.logout();

  // Meanwhile another client: flags on UIDs 2 and 3, UIDs 4 and 5 expunged, a seventh message.
  await raw.ok("SELECT INBOX");
  await raw.ok("UID STORE 2 +FLAGS (\\Flagged)");
  await raw.ok("UID STORE 3 +FLAGS ($Work)");
  await raw.ok("UID STORE 4:5 +FLAGS (\\Deleted)");
  await raw.ok("EXPUNGE");
  await append(raw, `${ALICE} 7`);

  const changes: Array<{ uid?: number; flags?: Set<string>; modseq?: bigint }> = [];
  const second = flow(ALICE, (p) => gone.push(p));
  second.on("flags", (e: { uid?: number; flags?: Set<string>; modseq?: bigint }) => changes.push(e));
  await second.connect();
  const again = await second.mailboxOpen("INBOX", { uidValidity: box.uidValidity, changedSince: since });
  // imapflow keeps `qresync` only when the answer had the same UIDVALIDITY and a HIGHESTMODSEQ.
  assert.equal((again as { qresync?: boolean }).qresync, true, "the server took the QRESYNC parameters");
  assert.equal(again.exists, 5);
  assert.deepEqual(gone.map((g) => [g.uid, g.vanished, g.earlier]), [[4, true, true], [5, true, true]]);
  const byUid = (list: typeof changes): Array<[number | undefined, string[]]> =>
    list.map((c): [number | undefined, string[]] => [c.uid, [...(c.flags ?? [])].sort()]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  assert.deepEqual(byUid(changes), [[2, ["\\Flagged"]], [3, ["$Work"]], [7, []]]);
  for (const c of changes) assert.ok(c.modseq !== undefined && c.modseq > since && c.modseq <= (again.highestModseq ?? 0n));
  assert.ok((again.highestModseq ?? 0n) > since);

  // The same answer from UID FETCH (CHANGEDSINCE … VANISHED).
  gone.length = 0;
  const fetched: Array<{ uid: number; flags?: Set<string>; modseq?: bigint }> = [];
  for await (const m of second.fetch("1:*", { uid: true, flags: true }, { uid: true, changedSince: since })) fetched.push(m);
  assert.deepEqual(fetched.map((m) => [m.uid, [...(m.flags ?? [])].sort()]), [[2, ["\\Flagged"]], [3, ["$Work"]], [7, []]]);
  assert.deepEqual(fetched.map((m) => m.modseq), byUid(changes).map(([uid]) => changes.find((c) => c.uid === uid)?.modseq));
  assert.deepEqual(gone.map((g) => [g.uid, g.earlier]), [[4, true], [5, true]]);
  const none = [];
  for await (const m of second.fetch("1:*", { uid: true, flags: true }, { uid: true, changedSince: again.highestModseq ?? 0n })) none.push(m);
  assert.deepEqual(none, [], "nothing changed since the mailbox's HIGHESTMODSEQ");

  // Live: another client expunges UID 6; the next NOOP brings VANISHED 6, not EXPUNGE.
  gone.length = 0;
  await raw.ok("UID STORE 6 +FLAGS (\\Deleted)");
  await raw.ok("EXPUNGE");
  await second.noop();
  assert.deepEqual(gone.map((g) => [g.uid, g.vanished, g.earlier]), [[6, true, false]]);
  assert.ok(second.mailbox !== false);
  assert.equal(second.mailbox.exists, 4);
  await second.logout();
  raw.close();
});

test("raw: every CONDSTORE and QRESYNC response form", async () => {
  const c = await rawSession(BOB, 4);
  const cap = await c.ok("CAPABILITY");
  assert.match(cap.untagged[0] ?? "", / CONDSTORE QRESYNC( |$)/);
  // RFC 7162 §3.2.5: QRESYNC parameters before ENABLE QRESYNC are BAD.
  assert.equal((await c.command("SELECT INBOX (QRESYNC (1 1))")).status, "BAD");
  // The first SELECT claims the new messages as \Recent (RFC 3501 §2.3.2); the second sees them as not recent, as the forms below are written.
  await c.ok("SELECT INBOX");
  let r = await c.ok("SELECT INBOX");
  const h0 = codeValue(r.untagged, "HIGHESTMODSEQ");
  const validity = codeValue(r.untagged, "UIDVALIDITY");
  // Four APPENDs took a modseq each: UID n has h0 - 4 + n.
  // Before CONDSTORE is enabled, flag updates carry no MODSEQ.
  r = await c.ok("STORE 1 +FLAGS (\\Seen)");
  assert.deepEqual(r.untagged, ["* 1 FETCH (FLAGS (\\Seen))"]);
  // STATUS (HIGHESTMODSEQ) enables CONDSTORE, which announces the selected mailbox's HIGHESTMODSEQ.
  r = await c.ok("STATUS Trash (HIGHESTMODSEQ MESSAGES)");
  assert.deepEqual(r.untagged, [`* OK [HIGHESTMODSEQ ${h0 + 1}] Highest.`, "* STATUS Trash (HIGHESTMODSEQ 1 MESSAGES 0)"]);
  r = await c.ok("FETCH 1:2 (MODSEQ FLAGS)");
  assert.deepEqual(r.untagged, [`* 1 FETCH (MODSEQ (${h0 + 1}) FLAGS (\\Seen))`, `* 2 FETCH (MODSEQ (${h0 - 2}) FLAGS ())`]);

  // STORE (UNCHANGEDSINCE): message 1 changed after h0, so it is left alone and named in MODIFIED.
  r = await c.ok(`STORE 1:2 (UNCHANGEDSINCE ${h0}) +FLAGS (\\Answered)`);
  assert.match(r.text, /^\[MODIFIED 1\] /);
  assert.deepEqual(r.untagged, [`* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (${h0 + 2}))`]);
  r = await c.ok("UID STORE 3:4 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($X)");
  assert.match(r.text, /^\[MODIFIED 3:4\] /, "UID STORE names UIDs");
  assert.deepEqual(r.untagged, []);
  // .SILENT still tells UID and MODSEQ of what changed once CONDSTORE is on.
  // (The new keyword is announced first: RFC 3501 §7.2.6.)
  r = await c.ok("UID STORE 3 +FLAGS.SILENT ($X)");
  assert.deepEqual(r.untagged, [
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $X)",
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $X \\*)] Flags permitted.",
    `* 3 FETCH (UID 3 MODSEQ (${h0 + 3}))`,
  ]);
  assert.deepEqual((await c.ok("UID STORE 3 +FLAGS ($X)")).untagged, [`* 3 FETCH (UID 3 FLAGS ($X) MODSEQ (${h0 + 3}))`], "no change, same modseq");

  // SEARCH MODSEQ: what changed at or after it, and the highest modseq among the hits.
  assert.deepEqual((await c.ok(`SEARCH MODSEQ ${h0 + 1}`)).untagged, [`* SEARCH 1 2 3 (MODSEQ ${h0 + 3})`]);
  assert.deepEqual((await c.ok(`UID SEARCH MODSEQ "/flags/\\\\Answered" all ${h0 + 2} UNSEEN`)).untagged, [`* SEARCH 2 3 (MODSEQ ${h0 + 3})`]);
  assert.deepEqual((await c.ok(`SEARCH MODSEQ ${h0 + 4}`)).untagged, ["* SEARCH"]);
  // FETCH (CHANGEDSINCE): only what changed after it, with MODSEQ though not asked for.
  r = await c.ok(`FETCH 1:* (FLAGS) (CHANGEDSINCE ${h0 + 1})`);
  assert.deepEqual(r.untagged, [`* 2 FETCH (FLAGS (\\Answered) MODSEQ (${h0 + 2}))`, `* 3 FETCH (FLAGS ($X) MODSEQ (${h0 + 3}))`]);
  assert.equal((await c.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)`)).status, "BAD", "VANISHED needs QRESYNC enabled");

  // Another session's change reaches this one with its MODSEQ.
  const other = await rawSession(BOB, 0);
  await other.ok("SELECT INBOX");
  await other.ok("UID STORE 4 +FLAGS (\\Flagged)");
  assert.deepEqual((await c.ok("NOOP")).untagged, [`* 4 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (${h0 + 4}))`]);

  // ENABLE QRESYNC: expunges are VANISHED, and EXPUNGE's OK says the mailbox's modseq after it.
  assert.deepEqual((await c.ok("ENABLE QRESYNC")).untagged, ["* ENABLED QRESYNC"]);
  assert.equal((await c.command(`FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)`)).status, "BAD", "VANISHED needs UID FETCH");
  await c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)");
  r = await c.ok("EXPUNGE");
  assert.deepEqual(r.untagged, ["* VANISHED 2"]);
  assert.equal(r.text, `[HIGHESTMODSEQ ${h0 + 6}] EXPUNGE completed.`);
  r = await c.ok(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${h0 + 3} VANISHED)`);
  assert.deepEqual(r.untagged, ["* VANISHED (EARLIER) 2", `* 3 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (${h0 + 4}))`]);
  assert.deepEqual((await c.ok(`UID FETCH 3:4 (FLAGS) (CHANGEDSINCE ${h0 + 3} VANISHED)`)).untagged, [`* 3 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (${h0 + 4}))`], "only the UIDs asked about");
  // MOVE: COPYUID untagged, VANISHED for the source, HIGHESTMODSEQ on the tagged OK (RFC 6851 §4.4).
  r = await c.ok("UID MOVE 3 Trash");
  assert.equal(r.untagged.length, 2);
  assert.match(r.untagged[0] ?? "", /^\* OK \[COPYUID \d+ 3 1\] Moved\.$/);
  assert.equal(r.untagged[1], "* VANISHED 3");
  assert.equal(r.text, `[HIGHESTMODSEQ ${h0 + 7}] UID MOVE completed.`);
  // Another session's expunge: VANISHED on the next NOOP.
  await other.ok("UID STORE 1 +FLAGS (\\Deleted)");
  await other.ok("UID EXPUNGE 1");
  assert.deepEqual((await c.ok("NOOP")).untagged, ["* VANISHED 1"]);

  // SELECT (QRESYNC ...): [CLOSED] ends the old mailbox; then what vanished and what changed since h0.
  r = await c.ok(`SELECT INBOX (QRESYNC (${validity} ${h0} 1:4))`);
  assert.equal(r.untagged[0], "* OK [CLOSED] Previous mailbox closed.");
  assert.ok(r.untagged.includes("* 1 EXISTS"));
  assert.equal(codeValue(r.untagged, "HIGHESTMODSEQ"), h0 + 9);
  assert.deepEqual(r.untagged.slice(-2), ["* VANISHED (EARLIER) 1:3", `* 1 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (${h0 + 4}))`]);
  r = await c.ok(`EXAMINE INBOX (QRESYNC (${validity} ${h0} 2:3))`);
  assert.deepEqual(r.untagged.filter((l) => /VANISHED|FETCH/.test(l)), ["* VANISHED (EARLIER) 2:3"], "only the known UIDs");
  r = await c.ok(`SELECT INBOX (QRESYNC (${validity + 1} ${h0}))`);
  assert.deepEqual(r.untagged.filter((l) => /VANISHED|FETCH/.test(l)), [], "another UIDVALIDITY: nothing to resync from");
  r = await c.ok(`SELECT INBOX (QRESYNC (${validity} ${h0 + 9}) CONDSTORE)`);
  assert.deepEqual(r.untagged.filter((l) => /VANISHED|FETCH/.test(l)), [], "up to date");
  c.close();
  other.close();
});

test("a mailbox without tombstones (kept only since migration 0018) answers VANISHED (EARLIER) from the UIDs it lacks; imaplib and curl still work", async () => {
  const c = await rawSession(CAROL, 6);
  let r = await c.ok("SELECT INBOX");
  const h0 = codeValue(r.untagged, "HIGHESTMODSEQ");
  const validity = codeValue(r.untagged, "UIDVALIDITY");
  await c.ok("UID STORE 2,4 +FLAGS.SILENT (\\Deleted)");
  await c.ok("EXPUNGE");
  await c.ok("LOGOUT").catch(() => undefined);
  c.close();
  // What migration 0018 does for a mailbox that existed before it: no record, the floor at its highest modseq.
  const store = await openDataDir(h.dataDir);
  try {
    const acct = (await listAccounts(store.db)).find((a) => a.address === CAROL);
    const inbox = acct === undefined ? undefined : await getMailbox(store.db, acct.id, "INBOX");
    assert.ok(inbox !== undefined);
    await sql`delete from expunged where mailbox_id = ${inbox.id}`.execute(store.db);
    await sql`update mailboxes set expunged_floor = highest_modseq, expunged_count = 0 where id = ${inbox.id}`.execute(store.db);
  } finally {
    await store.close();
  }

  const q = await RawImap.open(h.ports.imaps);
  await q.login(CAROL, PW);
  await q.ok("ENABLE QRESYNC");
  const vanished = async (params: string): Promise<string[]> =>
    (await q.ok(`EXAMINE INBOX (QRESYNC (${validity} ${h0}${params}))`)).untagged.filter((l) => l.includes("VANISHED"));
  assert.deepEqual(await vanished(" 1:6"), ["* VANISHED (EARLIER) 2,4"]);
  assert.deepEqual(await vanished(""), ["* VANISHED (EARLIER) 2,4"], "no known UIDs: all below UIDNEXT");
  assert.deepEqual(await vanished(" 3:9"), ["* VANISHED (EARLIER) 4"]);
  // RFC 7162 §3.2.5.2: seq-match-data shows UID 5 still at sequence number 3, so nothing below it went.
  assert.deepEqual(await vanished(" 1:6 (3 5)"), []);
  assert.deepEqual(await vanished(" 1:6 (2,4 2,6)"), ["* VANISHED (EARLIER) 2,4"], "UID 2 is no longer at 2: the pairs after the first mismatch do not count");
  r = await q.ok(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${h0} VANISHED)`);
  assert.deepEqual(r.untagged, ["* VANISHED (EARLIER) 2,4"]);
  q.close();

  const out = JSON.parse(
    python(
      `
import imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["PORT"]), ssl_context=ctx)
M.login(e["USER"], e["PW"])
out = {}
out["select"] = M.select("INBOX")[0]
out["highest"] = M.response("HIGHESTMODSEQ")[1][0].decode()
out["second"] = M.select("Trash")[0]
out["closed"] = "CLOSED" in M.untagged_responses
M.select("INBOX")
typ, data = M.fetch("1", "(UID FLAGS MODSEQ)")
out["fetch"] = [typ, data[0].decode()]
typ, data = M.status("INBOX", "(HIGHESTMODSEQ MESSAGES)")
out["status"] = [typ, data[0].decode()]
typ, data = M.uid("SEARCH", "MODSEQ", "1")
out["search"] = [typ, data[0].decode()]
M.logout()
print(json.dumps(out))
`,
      { PORT: String(h.ports.imaps), USER: CAROL, PW },
    ),
  ) as Record<string, unknown>;
  assert.equal(out.select, "OK");
  assert.equal(out.highest, String(h0 + 2));
  assert.equal(out.second, "OK");
  assert.equal(out.closed, true, "[CLOSED] before the second mailbox's responses");
  assert.deepEqual(out.fetch, ["OK", `1 (UID 1 FLAGS () MODSEQ (${h0 - 5}))`]);
  assert.deepEqual(out.status, ["OK", `INBOX (HIGHESTMODSEQ ${h0 + 2} MESSAGES 4)`]);
  assert.deepEqual(out.search, ["OK", `1 3 5 6 (MODSEQ ${h0})`]);

  const curl = spawnSync("curl", ["-s", "--insecure", `imaps://127.0.0.1:${h.ports.imaps}/INBOX;UID=5`, "-u", `${CAROL}:${PW}`], { timeout: 30_000 });
  assert.equal(curl.status, 0, curl.stderr.toString());
  assert.match(curl.stdout.toString(), /Subject: carol@example\.test 5/);
});
