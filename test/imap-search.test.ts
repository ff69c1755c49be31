/**
 * Finding things end to end (issue 13): ESEARCH (RFC 4731), SEARCHRES (RFC 5182), SORT and
 * SORT=DISPLAY (RFC 5256, RFC 5957), THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3) and
 * UTF8=ACCEPT (RFC 6855), over a raw connection and with Python's imaplib, on a mailbox of two
 * conversations whose sent dates, arrival, senders and sizes each give a different order.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";

interface Mail {
  from: string;
  subject: string;
  date: string;
  id: string;
  refs?: string;
  arrival: string;
  body?: string;
}

/**
 * Sequence numbers 1..6 (UIDs 2..7: UID 1 is appended and expunged first). By sent date in UTC:
 * 5, 1, 3 (Mar 5 11:00 UTC: its zone, -1200, puts it after 1), 2, 4, 6.
 */
const MAILS: Mail[] = [
  { from: '"Aaron Zed" <zed@a.test>', subject: "Plans", date: "Thu, 5 Mar 2026 10:00:00 +0000", id: "<p1@a.test>", arrival: "01-Mar-2026 10:00:00 +0000" },
  { from: "Anna <anna@b.test>", subject: "Re: Plans", date: "Fri, 6 Mar 2026 11:00:00 +0100", id: "<p2@b.test>", refs: "<p1@a.test>", arrival: "02-Mar-2026 10:00:00 +0000" },
  { from: "mike@c.test", subject: "Lunch", date: "Wed, 4 Mar 2026 23:00:00 -1200", id: "<l1@c.test>", arrival: "03-Mar-2026 10:00:00 +0000", body: "x".repeat(5000) },
  { from: "Bert <bert@d.test>", subject: "Re: Re: Plans", date: "Sat, 7 Mar 2026 09:00:00 +0000", id: "<p3@d.test>", refs: "<p1@a.test> <p2@b.test>", arrival: "04-Mar-2026 10:00:00 +0000" },
  { from: "Carl <carl@e.test>", subject: "[team] Lunch", date: "Tue, 3 Mar 2026 08:00:00 +0000", id: "<l2@e.test>", arrival: "05-Mar-2026 10:00:00 +0000", body: "y".repeat(2000) },
  { from: "Dora <dora@f.test>", subject: "Fwd: Lunch", date: "Sun, 8 Mar 2026 08:00:00 +0000", id: "<l3@f.test>", refs: "<missing@x.test>", arrival: "06-Mar-2026 10:00:00 +0000" },
];

function render(m: Mail): Buffer {
  const head = [`From: ${m.from}`, `To: ${ALICE}`, `Subject: ${m.subject}`, `Date: ${m.date}`, `Message-ID: ${m.id}`];
  if (m.refs !== undefined) head.push(`References: ${m.refs}`);
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${m.body ?? "hello"}\r\n`);
}

let h: ServerHandle;
let c: RawImap;

async function append(mailbox: string, message: Buffer, arrival = "01-Mar-2026 09:00:00 +0000"): Promise<void> {
  await c.ok(Buffer.concat([Buffer.from(`APPEND ${mailbox} "${arrival}" {${message.length}+}\r\n`), message]));
}

/** The untagged lines of a command that start with `* word`. */
const only = (lines: string[], word: string): string[] => lines.filter((l) => l.startsWith(`* ${word}`));

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  c = await RawImap.open(h.ports.imaps);
  await c.login(ALICE, PW);
  await append("INBOX", Buffer.from("Subject: gone\r\n\r\nx\r\n"));
  await c.ok("SELECT INBOX");
  await c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
  await c.ok("EXPUNGE");
  for (const m of MAILS) await append("INBOX", render(m), m.arrival);
  await c.ok("NOOP");
});
after(async () => {
  c.close();
  await h.cleanup();
});

test("CAPABILITY lists ESEARCH, SEARCHRES, SORT, SORT=DISPLAY, both THREAD algorithms and UTF8=ACCEPT", async () => {
  const caps = (only((await c.ok("CAPABILITY")).untagged, "CAPABILITY")[0] ?? "").split(" ");
  for (const cap of ["ESEARCH", "SEARCHRES", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "UTF8=ACCEPT"]) {
    assert.ok(caps.includes(cap), cap);
  }
});

test("ESEARCH: RETURN (MIN MAX COUNT ALL) by number and by UID, RETURN () = ALL, nothing found = COUNT 0", async () => {
  let r = await c.ok("SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT lunch");
  assert.deepEqual(r.untagged, [`* ESEARCH (TAG "${lastTag()}") MIN 3 MAX 6 COUNT 3 ALL 3,5:6`]);
  r = await c.ok("UID SEARCH RETURN () SUBJECT plans");
  assert.match(r.untagged[0] ?? "", /^\* ESEARCH \(TAG "t\d+"\) UID ALL 2:3,5$/);
  r = await c.ok("UID SEARCH RETURN (COUNT MIN) SUBJECT nowhere");
  assert.match(r.untagged[0] ?? "", /^\* ESEARCH \(TAG "t\d+"\) UID COUNT 0$/);
  // Without RETURN the answer is the plain SEARCH one.
  assert.deepEqual((await c.ok("SEARCH SUBJECT lunch")).untagged, ["* SEARCH 3 5 6"]);
});

/** The tag of the command just completed (RawImap numbers them t1, t2, …). */
function lastTag(): string {
  const done = c.lines.findLast((l) => /^t\d+ /.test(l)) ?? "";
  return done.split(" ")[0] ?? "";
}

test("SORT: DATE (zones applied), ARRIVAL, SUBJECT (base subject), FROM, DISPLAYFROM, SIZE, REVERSE, UID SORT, with search keys", async () => {
  const sort = async (args: string): Promise<string> => only((await c.ok(args)).untagged, "SORT")[0] ?? "";
  assert.equal(await sort("SORT (DATE) UTF-8 ALL"), "* SORT 5 1 3 2 4 6");
  assert.equal(await sort("SORT (REVERSE ARRIVAL) US-ASCII ALL"), "* SORT 6 5 4 3 2 1");
  assert.equal(await sort("SORT (SUBJECT REVERSE DATE) UTF-8 ALL"), "* SORT 6 3 5 4 2 1");
  assert.equal(await sort("SORT (FROM) UTF-8 ALL"), "* SORT 2 4 5 6 3 1");
  assert.equal(await sort("SORT (DISPLAYFROM) UTF-8 ALL"), "* SORT 1 2 4 5 6 3");
  const bySize = MAILS.map((m, i) => ({ seq: i + 1, size: render(m).length })).sort((a, b) => b.size - a.size || a.seq - b.seq);
  assert.equal(await sort("SORT (REVERSE SIZE) UTF-8 ALL"), `* SORT ${bySize.map((x) => x.seq).join(" ")}`);
  assert.equal(await sort("UID SORT (DATE) UTF-8 ALL"), "* SORT 6 2 4 3 5 7");
  assert.equal(await sort("SORT (DATE) UTF-8 SUBJECT lunch"), "* SORT 5 3 6");
  assert.equal(await sort("SORT (DATE) UTF-8 SUBJECT nowhere"), "* SORT");
  let r = await c.command("SORT (DATE) ISO-8859-1 ALL");
  assert.equal(r.status, "NO");
  assert.match(r.text, /^\[BADCHARSET/);
  r = await c.command("SORT (SPEED) UTF-8 ALL");
  assert.equal(r.status, "BAD");
});

test("THREAD: REFERENCES (replies by References, a missing parent, one subject under a dummy), ORDEREDSUBJECT, UID THREAD", async () => {
  const thread = async (args: string): Promise<string> => only((await c.ok(args)).untagged, "THREAD")[0] ?? "";
  assert.equal(await thread("THREAD REFERENCES UTF-8 ALL"), "* THREAD ((5)(3)(6))(1 2 4)");
  assert.equal(await thread("THREAD ORDEREDSUBJECT UTF-8 ALL"), "* THREAD (5 (3)(6))(1 (2)(4))");
  assert.equal(await thread("UID THREAD REFERENCES UTF-8 ALL"), "* THREAD ((6)(4)(7))(2 3 5)");
  assert.equal(await thread("THREAD REFERENCES UTF-8 NOT SUBJECT lunch"), "* THREAD (1 2 4)");
  assert.equal((await c.command("THREAD KNITTING UTF-8 ALL")).status, "BAD");
});

test("imaplib: sort, thread, uid('SEARCH', 'RETURN', …) and uid('THREAD', …)", () => {
  const code = `
import imaplib, json, os, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["PORT"]), ssl_context=ctx)
M.login(os.environ["USER"], os.environ["PW"])
M.select("INBOX")
out = {}
out["sort"] = M.sort("(REVERSE DATE)", "UTF-8", "ALL")[1][0].decode()
out["thread"] = M.thread("REFERENCES", "UTF-8", "ALL")[1][0].decode()
out["uidthread"] = M.uid("THREAD", "ORDEREDSUBJECT", "UTF-8", "ALL")[1][0].decode()
typ, _ = M.uid("SEARCH", "RETURN", "(MIN MAX COUNT)", "SUBJECT", "lunch")
out["esearch"] = [typ, M.response("ESEARCH")[1][0].decode()]
out["uidsort"] = M.uid("SORT", "(SUBJECT DATE)", "UTF-8", "ALL")[1][0].decode()
M.logout()
print(json.dumps(out))`;
  const out = JSON.parse(python(code, { PORT: String(h.ports.imaps), USER: ALICE, PW })) as Record<string, unknown>;
  assert.equal(out["sort"], "6 4 2 3 1 5");
  assert.equal(out["thread"], "((5)(3)(6))(1 2 4)");
  assert.equal(out["uidthread"], "(6 (4)(7))(2 (3)(5))");
  const [status, esearch] = out["esearch"] as [string, string];
  assert.equal(status, "OK");
  assert.match(esearch, /^\(TAG "[A-Z]+\d+"\) UID MIN 4 MAX 7 COUNT 3$/);
  assert.equal(out["uidsort"], "6 4 7 2 3 5");
});

test("UTF8=ACCEPT: before ENABLE the old rules; after it UTF-8 names, APPEND UTF8 (~{n}), and a CHARSET other than UTF-8 is BAD", async () => {
  const name = Buffer.from("Grüße").toString("latin1");
  const u = await RawImap.open(h.ports.imaps);
  try {
    await u.login(ALICE, PW);
    await u.ok("EXAMINE INBOX");
    let r = await u.command("SEARCH CHARSET ISO-8859-1 ALL");
    assert.equal(r.status, "NO");
    assert.match(r.text, /^\[BADCHARSET \(US-ASCII UTF-8\)\]/);
    assert.equal((await u.command(`CREATE "${name}"`)).status, "BAD", "8-bit quoted name before ENABLE");
    const early = Buffer.from("Subject: early\r\n\r\nx\r\n");
    const before = await u.command(Buffer.concat([Buffer.from(`APPEND INBOX UTF8 (~{${early.length}+}\r\n`), early, Buffer.from(")")]));
    assert.equal(before.status, "BAD");
    assert.deepEqual(only((await u.ok("ENABLE UTF8=ACCEPT")).untagged, "ENABLED"), ["* ENABLED UTF8=ACCEPT"]);
    await u.ok(`CREATE "${name}"`);
    assert.deepEqual(only((await u.ok(`LIST "" "Gr*"`)).untagged, "LIST"), [`* LIST (\\HasNoChildren) "/" "${name}"`]);
    const msg = Buffer.from("From: Jörg <joerg@example.test>\r\nSubject: Grüße aus Zürich\r\n\r\nHallo\r\n");
    r = await u.ok(Buffer.concat([Buffer.from(`APPEND "${name}" UTF8 (~{${msg.length}+}\r\n`, "latin1"), msg, Buffer.from(")")]));
    assert.match(r.text, /^\[APPENDUID \d+ 1\]/);
    await u.ok(`SELECT "${name}"`);
    const fetched = only((await u.ok("FETCH 1 BODY.PEEK[]")).untagged, "1 FETCH")[0] ?? "";
    assert.ok(fetched.endsWith(`{${msg.length}}\r\n${msg.toString("latin1")})`), fetched);
    assert.equal((await u.command("SEARCH CHARSET US-ASCII ALL")).status, "BAD");
    assert.equal((await u.command("SORT (DATE) US-ASCII ALL")).status, "BAD");
    assert.deepEqual((await u.ok(Buffer.from('SEARCH CHARSET UTF-8 SUBJECT "zürich"'))).untagged, ["* SEARCH 1"]);
  } finally {
    u.close();
  }
  const code = `
import imaplib, json, os, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["PORT"]), ssl_context=ctx)
M.login(os.environ["USER"], os.environ["PW"])
out = {"enable": M.enable("UTF8=ACCEPT")[0]}
out["select"] = M.select('"Grüße"')[0]
out["search"] = M.search(None, "SUBJECT", '"Grüße"')[1][0].decode()
out["list"] = [x.decode() for x in M.list('""', '"Gr*"')[1]]
M.logout()
print(json.dumps(out))`;
  const out = JSON.parse(python(code, { PORT: String(h.ports.imaps), USER: ALICE, PW })) as Record<string, unknown>;
  assert.deepEqual(out, { enable: "OK", select: "OK", search: "1", list: ['(\\HasNoChildren) "/" "Grüße"'] });
});

test("SEARCHRES: $ empty before SAVE; SAVE, then FETCH/STORE/COPY/SEARCH/UID on $; MIN alone saved; follows EXPUNGE; reset by SELECT", async () => {
  const fetchedUids = async (cmd: string): Promise<string[]> =>
    only((await c.ok(cmd)).untagged, "").filter((l) => / FETCH /.test(l)).map((l) => /UID (\d+)/.exec(l)?.[1] ?? "?");
  await c.ok("SELECT INBOX");
  assert.deepEqual(await fetchedUids("FETCH $ (UID)"), [], "$ before any SAVE is empty");
  let r = await c.ok("SEARCH RETURN (SAVE) SUBJECT lunch");
  assert.deepEqual(r.untagged, [], "SAVE alone answers no ESEARCH");
  assert.deepEqual(await fetchedUids("FETCH $ (UID)"), ["4", "6", "7"]);
  assert.deepEqual(await fetchedUids("UID FETCH $ (FLAGS)"), ["4", "6", "7"]);
  r = await c.ok("UID SEARCH RETURN (ALL) $ SUBJECT fwd");
  assert.match(r.untagged[0] ?? "", /UID ALL 7$/);
  assert.deepEqual((await c.ok("SEARCH NOT $")).untagged, ["* SEARCH 1 2 4"]);
  assert.equal(only((await c.ok("STORE $ +FLAGS (\\Flagged)")).untagged, "").length, 3);
  assert.deepEqual((await c.ok("SEARCH FLAGGED")).untagged, ["* SEARCH 3 5 6"]);
  await c.ok("CREATE Saved");
  assert.match((await c.ok("COPY $ Saved")).text, /^\[COPYUID \d+ 4,6:7 1:3\]/);
  // RFC 5182 §2.4: SAVE with MIN alone keeps the smallest only, and ESEARCH still reports MIN.
  r = await c.ok("SEARCH RETURN (SAVE MIN) SUBJECT lunch");
  assert.match(r.untagged[0] ?? "", /\) MIN 3$/);
  assert.deepEqual(await fetchedUids("FETCH $ (UID)"), ["4"]);
  // Saved as UIDs: an expunged message leaves $, the others keep their place (RFC 5182 §2.1).
  await c.ok("SEARCH RETURN (SAVE) SUBJECT lunch");
  await c.ok("STORE 3 +FLAGS.SILENT (\\Deleted)");
  await c.ok("EXPUNGE");
  assert.deepEqual(await fetchedUids("FETCH $ (UID)"), ["6", "7"]);
  assert.deepEqual(only((await c.ok("FETCH $ (UID)")).untagged, "").map((l) => l.split(" ")[1]), ["4", "5"]);
  // A SAVE that fails leaves $ empty (RFC 9051 §6.4.4.3).
  const failed = await c.command("SEARCH RETURN (SAVE) CHARSET KOI8-R SUBJECT lunch");
  assert.equal(failed.status, "NO");
  assert.deepEqual(await fetchedUids("FETCH $ (UID)"), []);
  await c.ok("SEARCH RETURN (SAVE) SUBJECT lunch");
  await c.ok("SELECT INBOX");
  assert.deepEqual(await fetchedUids("FETCH $ (UID)"), [], "SELECT resets $");
});
