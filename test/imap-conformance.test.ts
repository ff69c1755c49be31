/**
 * Issue 13's IMAP conformance faults, end to end with the raw client and Python's imaplib:
 * \Recent (RFC 3501 §2.3.2, §6.3.1, §6.3.2, §6.3.10, §6.4.4, §7.3.2), keywords announced in FLAGS and
 * PERMANENTFLAGS before a FETCH uses them (RFC 3501 §7.2.6, §7.1), SEARCH FROM/TO/CC/BCC by address
 * (RFC 3501 §6.4.4, as Dovecot matches), and subscriptions that outlive their mailbox (RFC 9051
 * §6.3.7, RFC 5258 §3.1, §3.5).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";

const PW = "conformance-test-password";
const RECENT = "recent@example.test";
const KEYWORDS = "keywords@example.test";
const SEARCHER = "searcher@example.test";
const SUBS = "subs@example.test";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [RECENT, KEYWORDS, SEARCHER, SUBS].map((address) => ({ address, password: PW })),
    settings: { auth: "failure_delay_ms = 50" },
  });
});
after(async () => {
  await h.cleanup();
});

async function session(user: string): Promise<RawImap> {
  const c = await RawImap.open(h.ports.imaps);
  await c.login(user, PW);
  return c;
}

function message(subject: string, from = "<sender@remote.test>"): string {
  return `From: ${from}\r\nTo: <someone@example.test>\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`;
}

async function append(c: RawImap, mailbox: string, msg: string, flags = ""): Promise<void> {
  await c.ok(`APPEND ${mailbox} (${flags}) {${Buffer.byteLength(msg)}+}\r\n${msg}`);
}

function statusRecent(lines: readonly string[]): number {
  const m = lines.map((l) => /RECENT (\d+)/.exec(l)).find((x) => x !== null);
  assert.ok(m !== undefined && m !== null, lines.join(" | "));
  return Number(m[1]);
}

function flagsOf(lines: readonly string[], seq: number): string {
  const m = lines.map((l) => new RegExp(`^\\* ${seq} FETCH \\(.*FLAGS \\(([^)]*)\\)`).exec(l)).find((x) => x !== null);
  assert.ok(m !== undefined && m !== null, `no FETCH ${seq} FLAGS in ${lines.join(" | ")}`);
  return m[1] ?? "";
}

test("\\Recent: STATUS counts unclaimed messages, EXAMINE shows them without claiming, SELECT claims them once, arrivals go to the selecting session, COPY makes them recent in the target", async () => {
  const a = await session(RECENT);
  const b = await session(RECENT);
  const c = await session(RECENT);
  try {
    await append(c, "INBOX", message("recent-1"));
    await append(c, "INBOX", message("recent-2"));
    assert.equal(statusRecent((await c.ok("STATUS INBOX (MESSAGES RECENT)")).untagged), 2);

    // EXAMINE: the unclaimed messages are \Recent to this session, but they stay unclaimed.
    const examined = await b.ok("EXAMINE INBOX");
    assert.ok(examined.untagged.includes("* 2 RECENT"), examined.untagged.join(" | "));
    const bFlags = (await b.ok("FETCH 1:* FLAGS")).untagged;
    assert.match(flagsOf(bFlags, 1), /\\Recent/);
    assert.match(flagsOf(bFlags, 2), /\\Recent/);
    assert.equal(statusRecent((await c.ok("STATUS INBOX (RECENT)")).untagged), 2);

    // SELECT claims them: this session sees them as \Recent, no later one does.
    const selected = await a.ok("SELECT INBOX");
    assert.ok(selected.untagged.includes("* 2 RECENT"), selected.untagged.join(" | "));
    assert.ok((await a.ok("SEARCH RECENT")).untagged.includes("* SEARCH 1 2"));
    await a.ok("STORE 1 +FLAGS.SILENT (\\Seen)");
    assert.ok((await a.ok("SEARCH NEW")).untagged.includes("* SEARCH 2"));
    assert.ok((await a.ok("SEARCH OLD")).untagged.includes("* SEARCH"));
    assert.equal(flagsOf((await a.ok("FETCH 1 FLAGS")).untagged, 1), "\\Seen \\Recent");
    // RFC 3501 §2.3.2: \Recent cannot be altered by the client; STORE ignores it.
    await a.ok("STORE 2 -FLAGS.SILENT (\\Recent)");
    await a.ok("STORE 2 +FLAGS.SILENT (\\Recent \\Flagged)");
    assert.equal(flagsOf((await a.ok("FETCH 2 FLAGS")).untagged, 2), "\\Flagged \\Recent");
    assert.equal(statusRecent((await c.ok("STATUS INBOX (RECENT)")).untagged), 0);

    const second = await b.ok("SELECT INBOX");
    assert.ok(second.untagged.includes("* 0 RECENT"), second.untagged.join(" | "));
    assert.ok((await b.ok("SEARCH OLD")).untagged.includes("* SEARCH 1 2"));
    assert.doesNotMatch(flagsOf((await b.ok("FETCH 2 FLAGS")).untagged, 2), /\\Recent/);

    // A message that arrives while A has INBOX selected read-write is A's recent message.
    await append(c, "INBOX", message("recent-3"));
    const noop = (await a.ok("NOOP")).untagged;
    assert.ok(noop.includes("* 3 EXISTS"), noop.join(" | "));
    assert.ok(noop.includes("* 3 RECENT"), noop.join(" | "));
    assert.match(flagsOf((await a.ok("FETCH 3 FLAGS")).untagged, 3), /\\Recent/);
    assert.ok((await a.ok("SEARCH RECENT")).untagged.includes("* SEARCH 1 2 3"));
    const bNoop = (await b.ok("NOOP")).untagged;
    assert.ok(bNoop.includes("* 3 EXISTS"), bNoop.join(" | "));
    assert.doesNotMatch(flagsOf((await b.ok("FETCH 3 FLAGS")).untagged, 3), /\\Recent/);

    // COPY and MOVE make the messages recent in the target, for its next selecter.
    await a.ok("CREATE Kept");
    await a.ok("COPY 1:2 Kept");
    await a.ok("MOVE 3 Kept");
    assert.equal(statusRecent((await c.ok("STATUS Kept (MESSAGES RECENT)")).untagged), 3);
    const archive = await c.ok("SELECT Kept");
    assert.ok(archive.untagged.includes("* 3 RECENT"), archive.untagged.join(" | "));
    assert.equal(statusRecent((await b.ok("STATUS Kept (RECENT)")).untagged), 0);
  } finally {
    a.close();
    b.close();
    c.close();
  }
});

test("\\Recent through imaplib: select reports RECENT, search NEW finds the new messages", () => {
  const out = python(
    String.raw`
import imaplib, json, os, ssl, time
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = imaplib.IMAP4_SSL('127.0.0.1', int(e['PORT']), ssl_context=ctx)
c.login(e['U'], e['PW'])
c.create('Fresh')
for i in range(3):
    c.append('Fresh', None, None, ('From: <x@remote.test>\r\nSubject: fresh %d\r\n\r\nbody\r\n' % i).encode())
c.select('Fresh')
recent = c.response('RECENT')[1]
new = c.search(None, 'NEW')[1]
c.close()
c.select('Fresh')
again = c.response('RECENT')[1]
print(json.dumps({'recent': [x.decode() for x in recent], 'new': new[0].decode(), 'again': [x.decode() if x else None for x in again]}))
`,
    { PORT: String(h.ports.imaps), U: RECENT, PW },
  );
  assert.deepEqual(JSON.parse(out), { recent: ["3"], new: "1 2 3", again: ["0"] });
});

test("a keyword is announced in FLAGS and PERMANENTFLAGS before any FETCH uses it (own STORE, another session's STORE, APPEND)", async () => {
  const k = await session(KEYWORDS);
  const other = await session(KEYWORDS);
  try {
    await append(other, "INBOX", message("kw-1"), "\\Seen $Existing");
    const sel = (await k.ok("SELECT INBOX")).untagged;
    assert.ok(sel.includes("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Existing)"), sel.join(" | "));
    assert.ok(sel.some((l) => l.startsWith("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Existing \\*)]")), sel.join(" | "));

    const announcedBefore = (lines: readonly string[], keyword: string, fetch: RegExp): void => {
      const flags = lines.findIndex((l) => l.startsWith("* FLAGS (") && l.includes(` ${keyword})`));
      const perm = lines.findIndex((l) => l.startsWith("* OK [PERMANENTFLAGS (") && l.includes(` ${keyword} \\*)]`));
      const used = lines.findIndex((l) => fetch.test(l));
      assert.ok(flags >= 0 && perm >= 0 && used >= 0, lines.join(" | "));
      assert.ok(flags < used && perm < used, lines.join(" | "));
    };

    // This session's own STORE: the FLAGS response comes before the STORE's FETCH.
    announcedBefore((await k.ok("STORE 1 +FLAGS (Todo)")).untagged, "Todo", /^\* 1 FETCH .*Todo/);
    // A keyword announced once is not announced again.
    const again = (await k.ok("STORE 1 -FLAGS (Todo)")).untagged.concat((await k.ok("STORE 1 +FLAGS (Todo)")).untagged);
    assert.ok(!again.some((l) => l.startsWith("* FLAGS")), again.join(" | "));

    // Another session's STORE, learnt on NOOP.
    await other.ok("SELECT INBOX");
    await other.ok("STORE 1 +FLAGS.SILENT (Later)");
    announcedBefore((await k.ok("NOOP")).untagged, "Later", /^\* 1 FETCH .*Later/);

    // Another session's APPEND: announced with the EXISTS, before the client fetches the flags.
    await append(other, "INBOX", message("kw-2"), "Fresh");
    const noop = (await k.ok("NOOP")).untagged;
    assert.ok(noop.includes("* 2 EXISTS"), noop.join(" | "));
    assert.ok(noop.some((l) => l.startsWith("* FLAGS (") && l.includes(" Fresh")), noop.join(" | "));
    assert.match(flagsOf((await k.ok("FETCH 2 FLAGS")).untagged, 2), /Fresh/);

    // EXAMINE lists the keywords too, with no permanent flags (read-only).
    const ex = (await other.ok("EXAMINE INBOX")).untagged;
    assert.ok(ex.some((l) => l.startsWith("* FLAGS (") && l.includes("$Existing") && l.includes("Todo") && l.includes("Later") && l.includes("Fresh")), ex.join(" | "));
    assert.ok(ex.includes("* OK [PERMANENTFLAGS ()] Flags permitted."), ex.join(" | "));
  } finally {
    k.close();
    other.close();
  }
});

test("SEARCH FROM/TO/CC/BCC match each address's name, mailbox, host and mailbox@host, whatever the header's form (imaplib)", () => {
  const forms: Array<[string, string]> = [
    ["plain", "user-from@domain.org"],
    ["named", '"From, User" <user-from@domain.org>'],
    ["quoted-local", '"user-from"@domain.org'],
    ["folded", "User From <user-from@\r\n domain.org>"],
    ["comment", "user-from(the sender)@domain.org"],
    ["group", "Team: other@elsewhere.test, user-from@domain.org;"],
    ["encoded", "=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@domain.org>"],
    ["unrelated", "Someone Else <user-from@other.example>"],
  ];
  const out = python(
    String.raw`
import imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = imaplib.IMAP4_SSL('127.0.0.1', int(e['PORT']), ssl_context=ctx)
c.login(e['U'], e['PW'])
for subject, frm in json.loads(e['FORMS']):
    msg = 'From: %s\r\nTo: Team: a@x.test, b@y.test;\r\nCc: "Doe, Jane" <jane@cc.test>\r\nSubject: %s\r\n\r\nbody\r\n' % (frm, subject)
    c.append('INBOX', None, None, msg.encode())
c.select('INBOX')
def subjects(*criteria):
    typ, data = c.uid('SEARCH', *criteria)
    return subjects_of(data)
def subjects_of(data):
    uids = data[0].split()
    if not uids:
        return []
    typ, data = c.uid('FETCH', b','.join(uids).decode(), '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    return sorted(x[1].decode().strip()[len('Subject: '):] for x in data if isinstance(x, tuple))
def literal_search(key, value):
    c.literal = value.encode()
    typ, data = c.uid('SEARCH', 'CHARSET', 'UTF-8', key)
    return subjects_of(data)
print(json.dumps({
  'address': subjects('FROM', 'user-from@domain.org'),
  'mailbox': subjects('FROM', 'USER-FROM'),
  'host': subjects('FROM', 'domain.org'),
  'name': subjects('FROM', '"From, User"'),
  'encodedName': literal_search('FROM', 'jürgen müller'),
  'groupTo': subjects('TO', 'b@y.test'),
  'cc': subjects('CC', '"doe, jane"'),
}))
`,
    { PORT: String(h.ports.imaps), U: SEARCHER, PW, FORMS: JSON.stringify(forms) },
  );
  const all = forms.map(([s]) => s).sort();
  assert.deepEqual(JSON.parse(out), {
    address: ["comment", "folded", "group", "named", "plain", "quoted-local"],
    mailbox: ["comment", "folded", "group", "named", "plain", "quoted-local", "unrelated"],
    host: ["comment", "encoded", "folded", "group", "named", "plain", "quoted-local"],
    name: ["named"],
    encodedName: ["encoded"],
    groupTo: all,
    cc: all,
  });
});

test("subscriptions outlive their mailbox: LIST (SUBSCRIBED) shows \\NonExistent, LSUB \\Noselect; SUBSCRIBE of a missing name; RENAME moves them", async () => {
  const c = await session(SUBS);
  try {
    const subscribedList = async (pattern = '"*"'): Promise<string[]> => (await c.ok(`LIST (SUBSCRIBED) "" ${pattern}`)).untagged;
    await c.ok("CREATE Keep");
    await c.ok("SUBSCRIBE Keep");
    await c.ok("DELETE Keep");
    assert.ok((await subscribedList()).includes('* LIST (\\NonExistent \\Subscribed) "/" Keep'));
    assert.ok((await c.ok('LSUB "" "*"')).untagged.includes('* LSUB (\\Noselect) "/" Keep'));
    assert.ok(!(await c.ok('LIST "" "*"')).untagged.some((l) => l.endsWith(" Keep")));

    // Dovecot lets a name that does not exist be subscribed.
    await c.ok("SUBSCRIBE Ghost");
    assert.ok((await subscribedList()).includes('* LIST (\\NonExistent \\Subscribed) "/" Ghost'));
    await c.ok("UNSUBSCRIBE Ghost");
    assert.ok(!(await subscribedList()).some((l) => l.endsWith(" Ghost")));

    // Created again, the name is subscribed still.
    await c.ok("CREATE Keep");
    assert.ok((await subscribedList()).includes('* LIST (\\HasNoChildren \\Subscribed) "/" Keep'));

    // RENAME carries the subscriptions of the name and its children.
    await c.ok("CREATE Proj/Sub");
    await c.ok("SUBSCRIBE Proj");
    await c.ok("SUBSCRIBE Proj/Sub");
    await c.ok("RENAME Proj Work");
    const afterRename = await subscribedList();
    assert.ok(afterRename.includes('* LIST (\\HasChildren \\Subscribed) "/" Work'), afterRename.join(" | "));
    assert.ok(afterRename.includes('* LIST (\\HasNoChildren \\Subscribed) "/" Work/Sub'), afterRename.join(" | "));
    assert.ok(!afterRename.some((l) => l.includes(" Proj")), afterRename.join(" | "));

    // RFC 5258 §3.5: a subscribed child of a level that does not exist gives the level CHILDINFO.
    await c.ok('SUBSCRIBE "Gone/Child"');
    const recursive = (await c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')).untagged;
    assert.ok(recursive.includes('* LIST (\\NonExistent) "/" Gone ("CHILDINFO" ("SUBSCRIBED"))'), recursive.join(" | "));
    assert.ok(recursive.includes('* LIST (\\NonExistent \\Subscribed) "/" Keep') === false, recursive.join(" | "));
    assert.ok(recursive.includes('* LIST (\\HasNoChildren \\Subscribed) "/" Keep'), recursive.join(" | "));
    const lsub = (await c.ok('LSUB "" "%"')).untagged;
    assert.ok(lsub.includes('* LSUB (\\Noselect) "/" Gone'), lsub.join(" | "));
  } finally {
    c.close();
  }
});

test("subscriptions through imaplib: lsub and LIST (SUBSCRIBED) keep a deleted mailbox", () => {
  const out = python(
    String.raw`
import imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = imaplib.IMAP4_SSL('127.0.0.1', int(e['PORT']), ssl_context=ctx)
c.login(e['U'], e['PW'])
c.create('Temp')
c.subscribe('Temp')
c.delete('Temp')
lsub = [x.decode() for x in c.lsub('""', 'Temp')[1] if x]
typ, dat = c._simple_command('LIST', '(SUBSCRIBED)', '""', 'Temp')
listed = [x.decode() for x in c._untagged_response(typ, dat, 'LIST')[1] if x]
print(json.dumps({'lsub': lsub, 'list': listed}))
`,
    { PORT: String(h.ports.imaps), U: SUBS, PW },
  );
  assert.deepEqual(JSON.parse(out), { lsub: ['(\\Noselect) "/" Temp'], list: ['(\\NonExistent \\Subscribed) "/" Temp'] });
});
