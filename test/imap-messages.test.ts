/**
 * IMAP message commands end to end with real clients (RFC 9051 §6.3.12, §6.4; RFC 4315 UIDPLUS;
 * RFC 6851 MOVE; RFC 3516 BINARY): Python's imaplib, imapflow and curl against a running server —
 * FETCH of mail delivered by the MX (bytes equal to what was stored), STORE, SEARCH, COPY, MOVE,
 * EXPUNGE and APPEND, plus byte-level checks over a raw connection.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ImapFlow } from "imapflow";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { readMailbox, waitForMessage } from "./mailbox.ts";
import { RawImap } from "./imap-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@example.test";
const DAVE = "dave@example.test";
const PW = "alice-password";

const PLAIN = "From: Sender One <sender@remote.test>\r\nTo: <alice@example.test>\r\nSubject: first MARK-1\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m1@remote.test>\r\n\r\nHello Alice,\r\nthe first body line.\r\n";
const MULTI = [
  "From: =?UTF-8?Q?J=C3=B6rg?= <joerg@remote.test>",
  "To: alice@example.test",
  "Subject: second MARK-2",
  "Date: Tue, 10 Mar 2026 09:00:00 +0100",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="b1"',
  "",
  "--b1",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Gr=C3=BC=C3=9Fe aus Z=C3=BCrich, NEEDLE-QP here",
  "--b1",
  "Content-Type: application/octet-stream",
  "Content-Transfer-Encoding: base64",
  "",
  Buffer.from("binary\0data\0here").toString("base64"),
  "--b1--",
  "",
].join("\r\n");

let h: ServerHandle;
let stored: Buffer[] = [];

async function deliver(to: string[], body: string): Promise<void> {
  const c = await RawSmtp.open(h.ports.mx);
  const r = await c.deliver({ from: "sender@remote.test", to, body, tls: true });
  assert.equal(r.code, 250, r.raw);
  await c.quit();
}

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ALICE, BOB, CAROL, DAVE].map((address) => ({ address, password: PW })),
    settings: { auth: "failure_delay_ms = 50" },
  });
  for (const body of [PLAIN, MULTI]) await deliver([ALICE, BOB, CAROL, DAVE], body);
  for (const a of [ALICE, BOB, CAROL, DAVE]) await waitForMessage(h.dataDir, a, "MARK-2");
  stored = await readMailbox(h.dataDir, ALICE);
  assert.equal(stored.length, 2);
});
after(async () => {
  await h.cleanup();
});

const PY_PRELUDE = `
import base64, imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["PORT"]), ssl_context=ctx)
M.login(e["USER"], e["PW"])
out = {}
def b(x): return base64.b64encode(x).decode()
def flat(data):
    r = []
    for d in data:
        if isinstance(d, tuple): r.append([b(d[0]), b(d[1])])
        elif d is not None: r.append(b(d))
    return r
`;

function py(code: string, user = ALICE): Record<string, unknown> {
  const stdout = python(`${PY_PRELUDE}\n${code}\nM.logout()\nprint(json.dumps(out))`, { PORT: String(h.ports.imaps), USER: user, PW });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const unb64 = (s: unknown): Buffer => Buffer.from(String(s), "base64");
const text = (s: unknown): string => unb64(s).toString("latin1");

test("imaplib: FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, APPEND", () => {
  const r = py(`
out["select"] = M.select("INBOX")[1][0].decode()
typ, data = M.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER] BODY[TEXT])")
out["fetch"] = [typ, flat(data)]
out["store"] = [x.decode() for x in M.store("1", "+FLAGS", "(\\\\Flagged)")[1]]
out["unseen"] = M.search(None, "UNSEEN")[1][0].decode()
out["from"] = M.search(None, "FROM", "REMOTE.test")[1][0].decode()
out["from8"] = M.search(None, "FROM", "Jorg")[1][0].decode()
out["subject"] = M.search(None, "SUBJECT", "MARK-2")[1][0].decode()
out["body"] = M.search(None, "BODY", "needle-qp")[1][0].decode()
out["uidall"] = M.uid("SEARCH", "UID 1:*")[1][0].decode()
out["flagged"] = M.search(None, "FLAGGED SENTBEFORE 5-Mar-2026")[1][0].decode()
out["copy"] = [M.copy("1", "Archive")[0], M.response("COPYUID")[1][0].decode()]
out["nobox"] = list(M.copy("1", "NoSuchBox"))
out["nobox"][1] = out["nobox"][1][0].decode()
typ, data = M.uid("MOVE", "2", "Trash")
out["move"] = [typ, M.response("COPYUID")[1][0].decode(), M.response("EXPUNGE")[1]]
out["move"][2] = [x.decode() for x in (out["move"][2] or []) if x]
M.store("1", "+FLAGS", "(\\\\Deleted)")
typ, data = M.expunge()
out["expunge"] = [typ, [x.decode() for x in data if x]]
out["exists"] = M.select("INBOX")[1][0].decode()
msg = b"From: me@example.test\\r\\nSubject: appended MARK-A\\r\\n\\r\\nappended body\\r\\n"
typ, data = M.append("Drafts", "(\\\\Draft $Important)", imaplib.Time2Internaldate(1767225600), msg)
out["append"] = [typ, data[0].decode()]
M.select("Drafts")
typ, data = M.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
out["appended"] = flat(data)
M.select("Trash")
typ, data = M.fetch("1", "(BODY.PEEK[])")
out["trash"] = flat(data)
M.select("Archive")
out["archive"] = flat(M.fetch("1", "(FLAGS BODY.PEEK[])")[1])
`);
  assert.equal(r.select, "2");
  const fetch = r.fetch as [string, Array<[string, string] | string>];
  assert.equal(fetch[0], "OK");
  const [hdr, body, tail] = fetch[1] as [[string, string], [string, string], string];
  // The header and the text, fetched separately, are the stored message byte for byte.
  assert.deepEqual(Buffer.concat([unb64(hdr[1]), unb64(body[1])]), stored[0]);
  const meta = text(hdr[0]) + text(body[0]) + text(tail);
  // BODY[TEXT] without PEEK set \Seen first, so FLAGS already shows it (RFC 9051 §6.4.5).
  // \Recent: this is the first session to select the INBOX (RFC 3501 §2.3.2).
  assert.match(meta, /^1 \(FLAGS \(\\Seen \\Recent\) INTERNALDATE "\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d \+0000" /);
  assert.match(meta, new RegExp(`RFC822\\.SIZE ${stored[0]?.length} `));
  assert.match(meta, /ENVELOPE \("Mon, 2 Mar 2026 10:00:00 \+0000" "first MARK-1" \(\("Sender One" NIL "sender" "remote.test"\)\)/);
  assert.match(meta, /BODYSTRUCTURE \("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" \d+ \d+ NIL NIL NIL NIL\)/);
  assert.match(meta, /BODY\[TEXT\] \{\d+\}\)$/);
  assert.deepEqual(r.store, ["1 (FLAGS (\\Flagged \\Seen \\Recent))"]);
  assert.equal(r.unseen, "2");
  assert.equal(r.from, "1 2");
  assert.equal(r.from8, "", "a decoded ö is not an o");
  assert.equal(r.subject, "2");
  assert.equal(r.body, "2", "BODY matches quoted-printable text decoded");
  assert.equal(r.uidall, "1 2");
  assert.equal(r.flagged, "1");
  const copy = r.copy as [string, string];
  assert.equal(copy[0], "OK");
  assert.match(copy[1], /^\d+ 1 1$/);
  assert.deepEqual(r.nobox, ["NO", "[TRYCREATE] Mailbox does not exist."]);
  const move = r.move as [string, string, string[]];
  assert.equal(move[0], "OK");
  assert.match(move[1], /^\d+ 2 1$/);
  assert.deepEqual(move[2], ["2"]);
  assert.deepEqual(r.expunge, ["OK", ["1"]]);
  assert.equal(r.exists, "0");
  const append = r.append as [string, string];
  assert.equal(append[0], "OK");
  assert.match(append[1], /^\[APPENDUID \d+ 1\] APPEND completed\.$/);
  const appended = r.appended as Array<[string, string] | string>;
  const [head, bytes] = appended[0] as [string, string];
  assert.match(text(head), /^1 \(FLAGS \(\\Draft \$Important \\Recent\) INTERNALDATE "01-Jan-2026 00:00:00 \+0000" BODY\[\] \{\d+\}$/);
  assert.equal(text(bytes), "From: me@example.test\r\nSubject: appended MARK-A\r\n\r\nappended body\r\n");
  assert.deepEqual(unb64((r.trash as Array<[string, string]>)[0]?.[1]), stored[1]);
  const archive = r.archive as Array<[string, string]>;
  assert.match(text(archive[0]?.[0]), /FLAGS \(\\Flagged \\Seen \\Recent\)/);
  assert.deepEqual(unb64(archive[0]?.[1]), stored[0]);
});

test("imapflow: fetchOne, fetch, messageFlagsAdd, search, messageMove, append", async () => {
  const client = new ImapFlow({ host: "127.0.0.1", port: h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: BOB, pass: PW }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock("INBOX");
    try {
      const one = await client.fetchOne("2", { envelope: true, flags: true, bodyStructure: true, source: true, uid: true });
      assert.ok(one !== false);
      assert.equal(one.envelope?.subject, "second MARK-2");
      assert.equal(one.envelope?.from?.[0]?.address, "joerg@remote.test");
      assert.equal(one.bodyStructure?.type, "multipart/mixed");
      assert.equal(one.bodyStructure?.childNodes?.[1]?.encoding, "base64");
      assert.deepEqual(one.source, stored[1]);
      const all = [];
      for await (const m of client.fetch("1:*", { envelope: true, flags: true, bodyStructure: true, source: true })) all.push(m);
      assert.equal(all.length, 2);
      assert.deepEqual(all.map((m) => m.source), stored);
      assert.deepEqual(all.map((m) => m.envelope?.messageId), ["<m1@remote.test>", undefined]);
      assert.ok(await client.messageFlagsAdd("1", ["\\Answered", "$Label1"]));
      const flags = await client.fetchOne("1", { flags: true });
      assert.ok(flags !== false);
      // imapflow sends ENABLE IMAP4rev2, and IMAP4rev2 has no \Recent (RFC 9051 Appendix E).
      assert.deepEqual([...(flags.flags ?? [])].sort(), ["$Label1", "\\Answered"]);
      assert.deepEqual(await client.search({ answered: true }), [1]);
      assert.deepEqual(await client.search({ keyword: "$Label1" }), [1]);
      assert.deepEqual(await client.search({ subject: "mark-2" }, { uid: true }), [2]);
      assert.deepEqual(await client.search({ larger: 10_000 }), []);
      const moved = await client.messageMove("1", "Archive");
      assert.ok(moved !== false);
      assert.equal(moved.destination, "Archive");
      assert.deepEqual([...(moved.uidMap ?? new Map())], [[1, 1]]);
      assert.equal(client.mailbox === false ? -1 : client.mailbox.exists, 1);
    } finally {
      lock.release();
    }
    const appended = await client.append("Sent", Buffer.from("Subject: via imapflow\r\n\r\nbody\r\n"), ["\\Seen"], new Date("2026-02-03T04:05:06Z"));
    assert.ok(appended !== false);
    assert.equal(appended.uid, 1);
    const sent = await client.mailboxOpen("Sent");
    assert.equal(sent.exists, 1);
    const back = await client.fetchOne("1", { source: true, flags: true, internalDate: true });
    assert.ok(back !== false);
    assert.equal(back.source?.toString(), "Subject: via imapflow\r\n\r\nbody\r\n");
    // imapflow's session is IMAP4rev2 (ENABLE IMAP4rev2): no \Recent, even for the first to select Sent.
    assert.deepEqual([...(back.flags ?? [])], ["\\Seen"]);
    assert.equal(new Date(back.internalDate ?? 0).toISOString(), "2026-02-03T04:05:06.000Z");
  } finally {
    await client.logout();
  }
});

test("curl retrieves a message by UID over imaps", () => {
  const r = spawnSync("curl", ["-s", "--insecure", `imaps://127.0.0.1:${h.ports.imaps}/INBOX;UID=2`, "-u", `${CAROL}:${PW}`], { timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.deepEqual(r.stdout, stored[1]);
});

test("raw: BODY sections, partials, BINARY, UID FETCH, STORE .SILENT, read-only refusals", async () => {
  const c = await RawImap.open(h.ports.imaps);
  try {
    await c.login(DAVE, PW);
    await c.ok("EXAMINE INBOX");
    const peek = await c.ok("FETCH 2 (BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (Subject)] BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[]<0.10>)");
    const line = peek.untagged.join("\n");
    assert.ok(line.includes("BODY[1] {47}\r\nGr=C3=BC=C3=9Fe aus Z=C3=BCrich, NEEDLE-QP here"), line);
    assert.ok(line.includes("BODY[HEADER.FIELDS (Subject)] {26}\r\nSubject: second MARK-2\r\n\r\n"), line);
    assert.ok(line.includes("BINARY[2] ~{16}\r\nbinary\0data\0here"), "literal8 for NUL bytes");
    assert.ok(line.includes("BINARY.SIZE[2] 16"), line);
    assert.ok(line.includes(`BODY[]<0> {10}\r\n${stored[1]?.toString("latin1").slice(0, 10)}`), line);
    // Read-only: BODY[] does not set \Seen; STORE, EXPUNGE and MOVE are refused.
    const ro = await c.ok("FETCH 1 (BODY[TEXT] FLAGS)");
    // EXAMINE shows the messages no SELECT has claimed as \Recent, without claiming them (as Dovecot).
    assert.match(ro.untagged[0] ?? "", /FLAGS \(\\Recent\)\)$/);
    assert.equal((await c.command("STORE 1 +FLAGS (\\Seen)")).status, "NO");
    assert.equal((await c.command("EXPUNGE")).status, "NO");
    assert.equal((await c.command("MOVE 1 Trash")).status, "NO");
    // The first SELECT claims the messages as \Recent; the second finds them claimed, so the
    // flags below are the stored ones.
    await c.ok("SELECT INBOX");
    await c.ok("SELECT INBOX");
    const uf = await c.ok("UID FETCH 2 (FLAGS)");
    assert.deepEqual(uf.untagged, ["* 2 FETCH (UID 2 FLAGS ())"]);
    const silent = await c.ok("STORE 1:2 +FLAGS.SILENT (\\Seen)");
    assert.deepEqual(silent.untagged, []);
    const us = await c.ok("UID STORE 2 -FLAGS (\\Seen)");
    assert.deepEqual(us.untagged, ["* 2 FETCH (UID 2 FLAGS ())"]);
    const full = await c.ok("FETCH 2 FULL");
    assert.match(full.untagged[0] ?? "", /^\* 2 FETCH \(FLAGS \(\) INTERNALDATE "[^"]+" RFC822\.SIZE \d+ ENVELOPE \(.*\) BODY \(\("text" "plain" \("charset" "utf-8"\) NIL NIL "quoted-printable" \d+ \d+\)\("application" "octet-stream" NIL NIL NIL "base64" \d+\) "mixed"\)\)$/);
    const rfc = await c.ok("FETCH 1 (RFC822.HEADER RFC822.SIZE)");
    assert.ok(rfc.untagged[0]?.includes("RFC822.HEADER {"), rfc.untagged[0]);
    assert.equal((await c.command("FETCH 3 FLAGS")).status, "BAD", "sequence number past the end");
    assert.deepEqual((await c.ok("UID FETCH 3:9 FLAGS")).untagged, [], "UIDs that do not exist are ignored");
    // RFC 3501 §2.3.2: a client cannot change \Recent; STORE ignores it.
    assert.equal((await c.command("STORE 1 +FLAGS.SILENT (\\Recent)")).status, "OK");
    assert.equal((await c.command("STORE 1 +FLAGS (\\Bogus)")).status, "BAD");
    assert.equal((await c.command("SEARCH CHARSET KOI8-R ALL")).text, "[BADCHARSET (US-ASCII UTF-8)] Unsupported charset");
    assert.deepEqual((await c.ok("SEARCH OR 1 UID 2 NOT SEEN")).untagged, ["* SEARCH 2"]);
    // APPEND: literal8 with NUL bytes (RFC 3516 §4.4), a missing target, an empty message.
    const bin = Buffer.from("Subject: bin\r\n\r\nnul\0byte\r\n");
    const app = await c.ok(Buffer.concat([Buffer.from(`APPEND Drafts ~{${bin.length}+}\r\n`), bin]));
    assert.match(app.text, /^\[APPENDUID \d+ 1\] /);
    assert.equal((await c.command("APPEND Nowhere {1+}\r\nx")).text, "[TRYCREATE] Mailbox does not exist.");
    assert.equal((await c.command("APPEND Drafts {0+}\r\n")).status, "NO");
    await c.ok("EXAMINE Drafts");
    assert.deepEqual((await c.ok("FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])")).untagged, [`* 1 FETCH (BINARY[] ~{${bin.length}}\r\n${bin.toString("latin1")} BINARY.SIZE[] ${bin.length})`]);
    await c.ok("SELECT INBOX");
    assert.deepEqual((await c.ok(Buffer.from("UID SEARCH CHARSET UTF-8 OR SEEN (SMALLER 100000 TEXT {7+}\r\nZüRICH)"))).untagged, ["* SEARCH 1 2"]);
    assert.deepEqual((await c.ok("SEARCH NOT (OR 1 2)")).untagged, ["* SEARCH"]);
    assert.deepEqual((await c.ok('SEARCH HEADER Message-ID "<M1@" SENTON 2-Mar-2026')).untagged, ["* SEARCH 1"]);
  } finally {
    c.close();
  }
});
