/**
 * IMAP4rev2 (RFC 9051) beside IMAP4rev1, end to end with the raw client: both are advertised
 * (§7.2.2); a session that sends ENABLE IMAP4rev2 (§6.3.1) gets RFC 9051's behaviour (Appendix E:
 * ESEARCH for every SEARCH, no \Recent / RECENT, STATUS without RECENT, no SEARCH RECENT/NEW/OLD,
 * a LIST response in SELECT without UNSEEN, UTF-8 mailbox names), while one that does not stays
 * IMAP4rev1 exactly — each command here is sent both ways. Also the rev2 requirements that exist
 * for both: the extensions rev2 folds in, its keywords (§2.3.2) and response codes (§7.1).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";

const PW = "rev2-test-password";
const SEARCHER = "searcher@example.test";
const RECENT = "recent@example.test";
const NAMES = "names@example.test";
const BASICS = "basics@example.test";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [SEARCHER, RECENT, NAMES, BASICS].map((address) => ({ address, password: PW })),
    settings: { auth: "failure_delay_ms = 50" },
  });
});
after(async () => {
  await h.cleanup();
});

async function session(user: string, rev2: boolean): Promise<RawImap> {
  const c = await RawImap.open(h.ports.imaps);
  await c.login(user, PW);
  if (rev2) assert.ok((await c.ok("ENABLE IMAP4rev2")).untagged.includes("* ENABLED IMAP4rev2"));
  return c;
}

function message(subject: string): string {
  return `From: <sender@remote.test>\r\nTo: <someone@example.test>\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`;
}

async function append(c: RawImap, mailbox: string, subject: string, flags = ""): Promise<void> {
  const msg = message(subject);
  await c.ok(`APPEND ${mailbox} (${flags}) {${Buffer.byteLength(msg)}+}\r\n${msg}`);
}

const joined = (lines: readonly string[]): string => lines.join(" | ");

test("CAPABILITY names IMAP4rev1 and IMAP4rev2, in the greeting and after login; ENABLE IMAP4rev2 goes with UTF8=ACCEPT and CONDSTORE, and is refused (not listed) once a mailbox is selected", async () => {
  const c = await RawImap.open(h.ports.imaps);
  try {
    assert.match(c.lines[0] ?? "", /^\* OK \[CAPABILITY IMAP4rev1 IMAP4rev2 /);
    await c.login(BASICS, PW);
    const caps = (await c.ok("CAPABILITY")).untagged.find((l) => l.startsWith("* CAPABILITY ")) ?? "";
    const names = caps.split(" ").slice(2);
    assert.ok(names.includes("IMAP4rev1") && names.includes("IMAP4rev2"), caps);
    // RFC 9051 §6.1.1 / Appendix E: what a rev2 server must have (LITERAL+ implies LITERAL-, RFC 7888 §5).
    for (const required of ["LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "SPECIAL-USE", "LIST-EXTENDED", "LIST-STATUS", "BINARY", "STATUS=SIZE", "ESEARCH", "SEARCHRES"]) {
      assert.ok(names.includes(required), `${required} in ${caps}`);
    }
    const both = await c.ok("ENABLE IMAP4rev2 UTF8=ACCEPT CONDSTORE");
    assert.ok(both.untagged.includes("* ENABLED IMAP4rev2 UTF8=ACCEPT CONDSTORE"), joined(both.untagged));
  } finally {
    c.close();
  }
  const d = await session(BASICS, false);
  try {
    await d.ok("SELECT INBOX");
    // RFC 5161 §3.1, RFC 9051 §6.3.1: ENABLE belongs before SELECT; rev2 is not switched on under a selected view.
    assert.ok((await d.ok("ENABLE IMAP4rev2")).untagged.includes("* ENABLED"));
    assert.ok((await d.ok("SEARCH ALL")).untagged.some((l) => l.startsWith("* SEARCH")));
  } finally {
    d.close();
  }
});

test("SEARCH: IMAP4rev1 answers * SEARCH; IMAP4rev2 answers ESEARCH for SEARCH, UID SEARCH and RETURN (), and NEW/OLD/RECENT are BAD", async () => {
  const setup = await session(SEARCHER, false);
  await append(setup, "INBOX", "one");
  await append(setup, "INBOX", "two", "\\Seen");
  await append(setup, "INBOX", "three");
  setup.close();

  const v1 = await session(SEARCHER, false);
  const v2 = await session(SEARCHER, true);
  try {
    await v1.ok("EXAMINE INBOX");
    await v2.ok("EXAMINE INBOX");
    assert.deepEqual((await v1.ok("SEARCH UNSEEN")).untagged, ["* SEARCH 1 3"]);
    assert.deepEqual((await v1.ok("SEARCH RECENT")).untagged, ["* SEARCH 1 2 3"]);
    assert.deepEqual((await v1.ok("SEARCH OLD")).untagged, ["* SEARCH"]);

    // The tag in ESEARCH is the command's own (RFC 4731 §3.1): login t1, ENABLE t2, EXAMINE t3.
    const plain = await v2.command("SEARCH UNSEEN");
    assert.equal(plain.status, "OK");
    assert.deepEqual(plain.untagged, ['* ESEARCH (TAG "t4") ALL 1,3']);
    assert.deepEqual((await v2.ok("UID SEARCH ALL")).untagged, ['* ESEARCH (TAG "t5") UID ALL 1:3']);
    assert.deepEqual((await v2.ok("SEARCH RETURN () SEEN")).untagged, ['* ESEARCH (TAG "t6") ALL 2']);
    assert.deepEqual((await v2.ok("SEARCH RETURN (COUNT) ALL")).untagged, ['* ESEARCH (TAG "t7") COUNT 3']);
    // RFC 4731 §3.1: nothing found, no ALL.
    assert.deepEqual((await v2.ok("SEARCH DELETED")).untagged, ['* ESEARCH (TAG "t8")']);
    for (const key of ["NEW", "OLD", "RECENT", "OR SEEN RECENT"]) {
      const r = await v2.command(`SEARCH ${key}`);
      assert.equal(r.status, "BAD", key);
      assert.equal(r.untagged.length, 0, key);
    }
  } finally {
    v1.close();
    v2.close();
  }
});

test("\\Recent: IMAP4rev2 shows no RECENT response, no \\Recent flag and no UNSEEN code, gives SELECT a LIST response, claims nothing, and refuses STATUS RECENT; IMAP4rev1 keeps all of it", async () => {
  const writer = await session(RECENT, false);
  const v2 = await session(RECENT, true);
  const v1 = await session(RECENT, false);
  try {
    await append(writer, "INBOX", "first");
    await append(writer, "INBOX", "second", "\\Seen");

    const sel2 = await v2.ok("SELECT INBOX");
    assert.ok(sel2.untagged.includes("* 2 EXISTS"), joined(sel2.untagged));
    assert.ok(!sel2.untagged.some((l) => / RECENT$/.test(l) || l.includes("[UNSEEN")), joined(sel2.untagged));
    assert.ok(sel2.untagged.includes('* LIST (\\HasNoChildren) "/" INBOX'), joined(sel2.untagged));
    assert.match(sel2.text, /^\[READ-WRITE\]/);
    const flags2 = await v2.ok("FETCH 1:* FLAGS");
    assert.deepEqual(flags2.untagged, ["* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS (\\Seen))"]);

    // A new message reaches the rev2 session as EXISTS alone.
    await append(writer, "INBOX", "third");
    const noop2 = (await v2.ok("NOOP")).untagged;
    assert.ok(noop2.includes("* 3 EXISTS"), joined(noop2));
    assert.ok(!noop2.some((l) => l.includes("RECENT")), joined(noop2));

    const st = await v2.command("STATUS INBOX (MESSAGES RECENT)");
    assert.equal(st.status, "BAD");
    const sized = await v2.ok("STATUS INBOX (MESSAGES DELETED SIZE UNSEEN)");
    assert.match(sized.untagged[0] ?? "", /^\* STATUS INBOX \(MESSAGES 3 DELETED 0 SIZE \d+ UNSEEN 2\)$/);
    assert.equal((await v2.command('LIST "" INBOX RETURN (STATUS (RECENT))')).status, "BAD");

    // The rev2 SELECT claimed nothing: the rev1 session still gets all three as \Recent.
    assert.match((await v1.ok("STATUS INBOX (RECENT)")).untagged[0] ?? "", /RECENT 3\)$/);
    const sel1 = await v1.ok("SELECT INBOX");
    assert.ok(sel1.untagged.includes("* 3 RECENT"), joined(sel1.untagged));
    assert.ok(sel1.untagged.includes("* OK [UNSEEN 1] First unseen."), joined(sel1.untagged));
    assert.ok(!sel1.untagged.some((l) => l.startsWith("* LIST")), joined(sel1.untagged));
    assert.match((await v1.ok("FETCH 1 FLAGS")).untagged[0] ?? "", /\\Recent/);

    // [CLOSED] parts mailboxes for both (RFC 9051 §7.1).
    assert.ok((await v2.ok("EXAMINE INBOX")).untagged.some((l) => l.startsWith("* OK [CLOSED]")));
  } finally {
    writer.close();
    v1.close();
    v2.close();
  }
});

test("mailbox names: UTF-8 on the wire once IMAP4rev2 is enabled, modified UTF-7 for IMAP4rev1; LIST (SUBSCRIBED) shows a deleted subscription as \\NonExistent; LSUB still answers", async () => {
  const v2 = await session(NAMES, true);
  const v1 = await session(NAMES, false);
  const utf8 = Buffer.from("Grüße", "utf8").toString("latin1");
  try {
    await v2.ok(Buffer.from('CREATE "Grüße"', "utf8"));
    await v2.ok(Buffer.from('SUBSCRIBE "Grüße"', "utf8"));
    assert.deepEqual((await v2.ok('LIST "" "G*"')).untagged, [`* LIST (\\HasNoChildren) "/" "${utf8}"`]);
    assert.deepEqual((await v1.ok('LIST "" "G*"')).untagged, ['* LIST (\\HasNoChildren) "/" Gr&APwA3w-e']);
    const sel = await v2.ok(Buffer.from('SELECT "Grüße"', "utf8"));
    assert.ok(sel.untagged.includes(`* LIST (\\HasNoChildren) "/" "${utf8}"`), joined(sel.untagged));
    // IMAP4rev1 without UTF8=ACCEPT: 8-bit in a quoted string is still BAD.
    assert.equal((await v1.command(Buffer.from('STATUS "Grüße" (MESSAGES)', "utf8"))).status, "BAD");

    await v2.ok("UNSELECT");
    await v1.ok("DELETE Gr&APwA3w-e");
    assert.deepEqual((await v2.ok('LIST (SUBSCRIBED) "" "G*"')).untagged, [`* LIST (\\NonExistent \\Subscribed) "/" "${utf8}"`]);
    // LSUB is not IMAP4rev2, but an older habit keeps working.
    assert.deepEqual((await v2.ok('LSUB "" "G*"')).untagged, [`* LSUB (\\Noselect) "/" "${utf8}"`]);
  } finally {
    v1.close();
    v2.close();
  }
});

test("both ways: the rev2 keywords are accepted (§2.3.2), the rev2 response codes are given (§7.1), and the folded-in commands work (UID EXPUNGE, MOVE, UNSELECT, NAMESPACE, ID, LIST-STATUS, BINARY, IDLE)", async () => {
  for (const rev2 of [false, true]) {
    const c = await session(BASICS, rev2);
    const box = rev2 ? "Rev2" : "Rev1";
    try {
      await c.ok(`CREATE ${box}/Sub`);
      await append(c, box, "kept");
      await append(c, box, "gone");
      await c.ok(`SELECT ${box}`);
      const keywords = "$Forwarded $MDNSent $Junk $NotJunk $Phishing";
      const stored = await c.ok(`STORE 1 +FLAGS (${keywords})`);
      const fetched = stored.untagged.find((l) => l.startsWith("* 1 FETCH")) ?? "";
      for (const k of keywords.split(" ")) assert.ok(fetched.includes(k), `${k} in ${fetched}`);

      assert.match((await c.command(`CREATE ${box}`)).text, /^\[ALREADYEXISTS\]/);
      assert.match((await c.command("EXAMINE Nowhere")).text, /^\[NONEXISTENT\]/);
      await c.ok(`SELECT ${box}`);
      assert.match((await c.command(`DELETE ${box}`)).text, /^\[HASCHILDREN\]/);

      await c.ok("UID STORE 2 +FLAGS.SILENT (\\Deleted)");
      const expunged = await c.ok("UID EXPUNGE 2");
      assert.ok(expunged.untagged.includes("* 2 EXPUNGE"), joined(expunged.untagged));
      const moved = await c.ok(`MOVE 1 ${box}/Sub`);
      assert.ok(moved.untagged.some((l) => l.startsWith("* OK [COPYUID ")), joined(moved.untagged));
      await c.ok("UNSELECT");
      assert.deepEqual((await c.ok("NAMESPACE")).untagged, ['* NAMESPACE (("" "/")) NIL NIL']);
      assert.ok((await c.ok('ID ("name" "rev2-test")')).untagged.some((l) => l.startsWith("* ID ")));
      const listStatus = await c.ok(`LIST "" "${box}/Sub" RETURN (STATUS (MESSAGES))`);
      assert.ok(listStatus.untagged.includes(`* STATUS ${box}/Sub (MESSAGES 1)`), joined(listStatus.untagged));
      await c.ok(`SELECT ${box}/Sub`);
      assert.match((await c.ok("FETCH 1 BINARY.SIZE[1]")).untagged[0] ?? "", /BINARY\.SIZE\[1\] \d+/);
      c.send(Buffer.from("idle IDLE\r\n"));
      await c.waitFor((l) => l.startsWith("+ "));
      c.send(Buffer.from("DONE\r\n"));
      await c.waitFor((l) => l.startsWith("idle OK"));
    } finally {
      c.close();
    }
  }
});
