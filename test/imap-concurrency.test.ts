/**
 * IMAP sessions side by side (RFC 9051 §5.2, §7.5.1; RFC 2177 IDLE): a flag set in one session
 * reaches another as an untagged FETCH, an expunge as EXPUNGE (never during FETCH/STORE/SEARCH
 * by sequence number), an IDLE session sees an MX delivery within a second; an APPEND survives
 * SIGKILL with its UID and flags; malformed input gets BAD/NO while other clients are served.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ImapFlow } from "imapflow";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { waitForMessage } from "./mailbox.ts";
import { RawImap } from "./imap-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@example.test";
const PW = "alice-password";

let h: ServerHandle;

async function deliver(to: string, marker: string): Promise<void> {
  const c = await RawSmtp.open(h.ports.mx);
  const r = await c.deliver({ from: "sender@remote.test", to: [to], body: `From: <sender@remote.test>\r\nSubject: ${marker}\r\n\r\nbody ${marker}\r\n`, tls: true });
  assert.equal(r.code, 250, r.raw);
  await c.quit();
}

async function session(user: string, mailbox = "INBOX"): Promise<RawImap> {
  const c = await RawImap.open(h.ports.imaps);
  await c.login(user, PW);
  await c.ok(`SELECT ${mailbox}`);
  return c;
}

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ALICE, BOB, CAROL].map((address) => ({ address, password: PW })),
    settings: { auth: "failure_delay_ms = 50" },
  });
  for (const m of ["MARK-1", "MARK-2", "MARK-3"]) await deliver(ALICE, m);
  await waitForMessage(h.dataDir, ALICE, "MARK-3");
});
after(async () => {
  await h.cleanup();
});

test("two sessions on one INBOX see each other's flags and expunges", async () => {
  const a = await session(ALICE);
  const b = await session(ALICE);
  try {
    const store = await a.ok("STORE 1 +FLAGS (\\Flagged)");
    // A is the first session to select the INBOX: the delivered messages are \Recent to it alone.
    assert.deepEqual(store.untagged, ["* 1 FETCH (FLAGS (\\Flagged \\Recent))"]);
    assert.deepEqual((await a.ok("NOOP")).untagged, [], "a session's own change is not echoed");
    assert.deepEqual((await b.ok("NOOP")).untagged, ["* 1 FETCH (UID 1 FLAGS (\\Flagged))"]);

    await a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)");
    const ex = await a.ok("EXPUNGE");
    assert.deepEqual(ex.untagged, ["* 2 EXPUNGE"], "reported to the expunging session exactly once");
    assert.deepEqual((await a.ok("NOOP")).untagged, []);
    // RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE or SEARCH by sequence number.
    const f = await b.ok("FETCH 1:3 (FLAGS)");
    assert.ok(f.untagged.every((l) => !l.includes("EXPUNGE")), f.untagged.join("|"));
    // The expunged message is still message 2 here; its flags are what this session knows (RFC 2180 §4.1.3).
    assert.equal(f.untagged.filter((l) => / FETCH \(FLAGS/.test(l)).length, 3);
    const body = await b.command("FETCH 2 (BODY.PEEK[])");
    assert.equal(`${body.status} ${body.text}`, "NO [EXPUNGEISSUED] Some messages were expunged meanwhile.");
    const srch = await b.ok("SEARCH ALL");
    assert.deepEqual(srch.untagged, ["* SEARCH 1 2 3"]);
    assert.deepEqual((await b.ok("NOOP")).untagged, ["* 2 EXPUNGE"]);
    assert.deepEqual((await b.ok("SEARCH ALL")).untagged, ["* SEARCH 1 2"]);
    assert.deepEqual((await b.ok("UID SEARCH ALL")).untagged, ["* SEARCH 1 3"]);

    // A MOVE in one session: COPYUID then EXPUNGE there, EXPUNGE in the other.
    const mv = await a.ok("MOVE 2 Archive");
    assert.match(mv.untagged[0] ?? "", /^\* OK \[COPYUID \d+ 3 1\]/);
    assert.deepEqual(mv.untagged.slice(1), ["* 2 EXPUNGE"]);
    assert.deepEqual((await b.ok("UID FETCH 1:* (FLAGS)")).untagged, [
      "* 1 FETCH (UID 1 FLAGS (\\Flagged))",
      "* 2 FETCH (UID 3 FLAGS ())",
      "* 2 EXPUNGE", // UID commands may be followed by EXPUNGE (RFC 9051 §7.5.1)
    ]);
  } finally {
    a.close();
    b.close();
  }
});

test("an IDLE session sees a new delivery within one second (raw and imapflow)", async () => {
  const raw = await session(BOB);
  const flow = new ImapFlow({ host: "127.0.0.1", port: h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: BOB, pass: PW }, logger: false });
  await flow.connect();
  try {
    await flow.mailboxOpen("INBOX");
    const flowExists = new Promise<number>((resolve) => flow.on("exists", (d: { count: number }) => resolve(d.count)));
    void flow.idle();
    raw.send("i1 IDLE\r\n");
    await raw.waitFor((l) => l.startsWith("+ "));
    await deliver(BOB, "IDLE-1");
    // The wait is bounded by the one second, counted from the MX's 250.
    assert.equal(await raw.waitFor((l) => /^\* \d+ EXISTS$/.test(l), 1000), "* 1 EXISTS");
    const count = await Promise.race([flowExists, new Promise<number>((_r, reject) => setTimeout(() => reject(new Error("imapflow saw no EXISTS within 1 s")), 1000))]);
    assert.equal(count, 1);
    raw.send("DONE\r\n");
    assert.match(await raw.waitFor((l) => l.startsWith("i1 ")), /^i1 OK/);
    const f = await raw.ok("FETCH 1 (BODY.PEEK[TEXT])");
    assert.ok(f.untagged[0]?.includes("body IDLE-1"), f.untagged[0]);
  } finally {
    raw.close();
    await flow.logout();
  }
});

test("APPEND survives SIGKILL with its UID and flags", async () => {
  const c = await session(CAROL, "Drafts");
  const msg = "Subject: durable MARK-D\r\n\r\nwritten before the crash\r\n";
  const r = await c.ok(`APPEND Drafts (\\Draft \\Flagged $Durable) {${msg.length}+}\r\n${msg}`);
  const m = /^\[APPENDUID (\d+) (\d+)\]/.exec(r.text);
  assert.ok(m !== null, r.text);
  // Told about its new message, \Recent to it (RFC 3501 §7.3.2), and first of its new keyword (§7.2.6).
  assert.deepEqual(
    r.untagged,
    [
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Durable)",
      "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Durable \\*)] Flags permitted.",
      "* 1 EXISTS",
      "* 1 RECENT",
    ],
    "the appending session is told about its new message",
  );
  c.close();
  h.proc.kill("SIGKILL");
  await new Promise((resolve) => h.proc.once("exit", resolve));
  await h.restart();
  const d = await RawImap.open(h.ports.imaps);
  try {
    await d.login(CAROL, PW);
    const sel = await d.ok("SELECT Drafts");
    assert.ok(sel.untagged.includes(`* OK [UIDVALIDITY ${m[1]}] UIDs valid.`), sel.untagged.join("|"));
    const f = await d.ok(`UID FETCH ${m[2]} (FLAGS BODY.PEEK[])`);
    assert.deepEqual(f.untagged, [`* 1 FETCH (UID ${m[2]} FLAGS (\\Flagged \\Draft $Durable) BODY[] {${msg.length}}\r\n${msg})`]);
  } finally {
    d.close();
  }
});

test("malformed IMAP gets BAD or NO, and other clients keep being served", async () => {
  const bystander = await session(ALICE);
  const c = await RawImap.open(h.ports.imaps);
  try {
    await c.login(ALICE, PW);
    await c.ok("SELECT INBOX");
    const cases: Array<[string | Buffer, RegExp]> = [
      ["FETCH 1 (FLAGS", /^BAD/],
      ["FETCH 1 FLAGS)", /^BAD/],
      ["SEARCH (OR SEEN", /^BAD/],
      ["STORE 1 +FLAGS (\\Seen", /^BAD/],
      ["SELECT &Jjo", /^(BAD|NO)/],
      ['SELECT "&AGE-&AGE-"', /^(BAD|NO)/],
      ["COPY 1 &-&", /^(BAD|NO)/],
      [Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x20, 0x1b, 0x5b]), /^BAD/],
      ["FETCH 1 (BODY[1.0])", /^BAD/],
      ["FETCH 99999999999 FLAGS", /^BAD/],
      ["APPEND INBOX (\\Bogus) {1+}\r\nx", /^BAD/],
    ];
    for (const [input, expected] of cases) {
      const r = await c.command(input);
      assert.match(`${r.status} ${r.text}`, expected, String(input));
      assert.deepEqual((await bystander.ok("NOOP")).status, "OK");
    }
    // A literal announced at 2 GiB: refused before any data (RFC 7889 TOOBIG), connection usable.
    c.send("big APPEND INBOX {2147483648}\r\n");
    assert.match(await c.waitFor((l) => l.startsWith("big ")), /^big NO \[TOOBIG\]/);
    await c.ok("NOOP");
    // 100,000 nested parentheses: refused, without recursion, still usable.
    const deep = await c.command(`SEARCH ${"(".repeat(100_000)}ALL${")".repeat(100_000)}`);
    assert.equal(deep.status, "BAD");
    // Within the line limit: redundant groups collapse; alternating AND/OR nesting is refused.
    assert.deepEqual((await c.ok(`SEARCH ${"(".repeat(30_000)}UID 1${")".repeat(30_000)}`)).untagged, ["* SEARCH 1"]);
    const nested = await c.command(`SEARCH ${"(SEEN OR ALL ".repeat(4000)}ALL${"))".repeat(2000)}`);
    assert.match(`${nested.status} ${nested.text}`, /^BAD .*nested too deeply/);
    const deepFetch = await c.command(`FETCH 1 ${"(".repeat(100_000)}`);
    assert.equal(deepFetch.status, "BAD");
    await c.ok("NOOP");
    const f = await bystander.ok("FETCH 1 (UID)");
    assert.deepEqual(f.untagged, ["* 1 FETCH (UID 1)"]);
  } finally {
    c.close();
    bystander.close();
  }
});

test("a non-synchronizing literal too large to skip: tagged BAD [TOOBIG], then BYE, and the connection closes", async () => {
  const c = await RawImap.open(h.ports.imaps);
  try {
    await c.login(ALICE, PW);
    // RFC 7888 §4: the server cannot refuse a LITERAL+ literal before it is sent.
    c.send("huge APPEND INBOX {2147483648+}\r\n");
    assert.equal(await c.waitFor((l) => l.startsWith("huge ")), "huge BAD [TOOBIG] Literal too large.");
    assert.equal(await c.waitFor((l) => l.startsWith("* BYE")), "* BYE Literal too large to skip; closing.");
    await c.waitClosed();
  } finally {
    c.close();
  }
});

test("before login a literal may hold at most 8 KiB: a larger one is refused before its data; after login APPEND takes 100 KB", async () => {
  const c = await RawImap.open(h.ports.imaps);
  try {
    // Synchronizing: NO [TOOBIG] before any data is sent (RFC 7888 §4), and the session goes on.
    c.send(`a LOGIN {${8 * 1024 + 1}}\r\n`);
    assert.equal(await c.waitFor((l) => l.startsWith("a ")), "a NO [TOOBIG] Literal too large.");
    // A password sent as a literal within the limit still signs in.
    c.send(`b LOGIN ${ALICE} {${PW.length}+}\r\n${PW}\r\n`);
    assert.match(await c.waitFor((l) => l.startsWith("b ")), /^b OK /);
    const body = `Subject: big\r\n\r\n${"x".repeat(100_000)}\r\n`;
    c.send(`c APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    assert.match(await c.waitFor((l) => l.startsWith("c ")), /^c OK /);
  } finally {
    c.close();
  }
  // Non-synchronizing before login: the server cannot refuse it before it arrives, so it ends the session.
  const d = await RawImap.open(h.ports.imaps);
  try {
    d.send(`d LOGIN ${ALICE} {40000000+}\r\n`);
    assert.equal(await d.waitFor((l) => l.startsWith("d ")), "d BAD [TOOBIG] Literal too large.");
    assert.equal(await d.waitFor((l) => l.startsWith("* BYE")), "* BYE Literal too large to skip; closing.");
    await d.waitClosed();
  } finally {
    d.close();
  }
});
