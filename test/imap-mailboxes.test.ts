/**
 * IMAP mailbox management end to end (RFC 9051 §6.3, RFC 3501 §6.3, RFC 5258 LIST-EXTENDED,
 * RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE, RFC 3348 CHILDREN) with real clients: Python's
 * imaplib (plain LIST/LSUB, raw extended LIST, CREATE/RENAME/DELETE, STATUS, modified UTF-7 names,
 * DELETE of a mailbox another session has selected) and imapflow (its LIST-EXTENDED path, special
 * use, create/rename/delete, STATUS and LIST-STATUS).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ImapFlow } from "imapflow";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { waitForMessage } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const PW = "mailbox-test-password";

let h: ServerHandle;
const sizes: number[] = [];

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: PW },
      { address: BOB, password: PW },
    ],
    settings: { auth: "failure_delay_ms = 50" },
  });
  for (const [to, n] of [[ALICE, 3], [BOB, 2]] as const) {
    for (let i = 1; i <= n; i++) {
      const c = await RawSmtp.open(h.ports.mx);
      const r = await c.deliver({ from: "sender@remote.test", to: [to], body: `From: <sender@remote.test>\r\nSubject: MBX-${i}\r\n\r\nbody ${i}\r\n`, tls: true });
      assert.equal(r.code, 250, r.raw);
      await c.quit();
      const stored = await waitForMessage(h.dataDir, to, `MBX-${i}`);
      if (to === ALICE) sizes.push(stored.length);
    }
  }
});
after(async () => {
  await h.cleanup();
});

const IMAPLIB = String.raw`
import imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def conn():
    c = imaplib.IMAP4_SSL('127.0.0.1', int(e['PORT']), ssl_context=ctx)
    c.login(e['U'], e['PW'])
    return c
def d(data):
    return [x.decode() if isinstance(x, bytes) else [y.decode() for y in x] for x in data if x is not None]
def res(t):
    return [t[0], d(t[1])]
def ext(c, *args):
    typ, dat = c._simple_command('LIST', *args)
    status = d(c.untagged_responses.pop('STATUS', []))
    typ, dat = c._untagged_response(typ, dat, 'LIST')
    return [typ, d(dat)] + ([status] if status else [])
def err(f):
    try:
        f()
        return 'no error'
    except imaplib.IMAP4.error as x:
        return str(x)
r = {}
a = conn(); b = conn()
r['capability'] = d(a.capability()[1])
r['list'] = d(a.list()[1])
r['listAll'] = d(a.list('""', '*')[1])
r['delimiter'] = d(a.list('""', '""')[1])
r['status'] = res(a.status('INBOX', '(MESSAGES UNSEEN UIDNEXT UIDVALIDITY)'))
r['statusMore'] = res(a.status('inbox', '(SIZE DELETED RECENT)'))
r['statusMissing'] = res(a.status('Nope', '(MESSAGES)'))
r['statusModseq'] = res(a.status('INBOX', '(HIGHESTMODSEQ)'))
r['create'] = res(a.create('Projects/2026'))
r['listProjects'] = d(a.list('""', 'Projects*')[1])
r['createAgain'] = res(a.create('Projects'))
r['createWildcard'] = res(a.create('"a*b"'))
r['rename'] = res(a.rename('Projects', 'Work'))
r['listAfterRename'] = d(a.list('""', '*')[1])
r['renameMissing'] = res(a.rename('Projects', 'Elsewhere'))
r['subscribe'] = res(a.subscribe('Work/2026'))
r['lsubAll'] = d(a.lsub('""', '*')[1])
r['lsubPercent'] = d(a.lsub('""', '%')[1])
r['xReturn'] = ext(a, '""', 'Work*', 'RETURN', '(SUBSCRIBED CHILDREN SPECIAL-USE)')
r['xRecursive'] = ext(a, '(SUBSCRIBED RECURSIVEMATCH)', '""', '%', 'RETURN', '(CHILDREN)')
r['xSubscribed'] = ext(a, '(SUBSCRIBED)', '""', '*', 'RETURN', '(SPECIAL-USE)')
r['unsubscribe'] = res(a.unsubscribe('Work/2026'))
r['lsubAfter'] = d(a.lsub('""', '*')[1])
r['xSpecial'] = ext(a, '(SPECIAL-USE)', '""', '*')
r['xStatus'] = ext(a, '""', '(INBOX Work)', 'RETURN', '(STATUS (MESSAGES UNSEEN))')
r['xRecursiveAlone'] = err(lambda: a._simple_command('LIST', '(RECURSIVEMATCH)', '""', '*'))
r['xUnknown'] = err(lambda: a._simple_command('LIST', '(FOO)', '""', '*'))
r['createUtf7'] = res(a.create('Entw&APw-rfe'))
r['listUtf7'] = d(a.list('""', 'Entw*')[1])
r['selectUtf7'] = res(a.select('Entw&APw-rfe'))
r['badUtf7'] = [res(a.create('Bad&Jjo')), res(a.create('&AGE-')), res(a.select('x&APw'))]
r['renameInbox'] = res(a.rename('INBOX', 'Old/Inbox'))
r['statusOld'] = res(a.status('Old/Inbox', '(MESSAGES UNSEEN UIDNEXT)'))
r['statusInboxAfter'] = res(a.status('INBOX', '(MESSAGES UIDNEXT)'))
r['selectA'] = res(a.select('Old/Inbox'))
r['selectB'] = res(b.select('Old/Inbox'))
r['deleteParent'] = res(a.delete('Old'))
r['deleteSelected'] = res(a.delete('Old/Inbox'))
r['expungesA'] = d(a.untagged_responses.pop('EXPUNGE', []))
b.noop()
r['expungesB'] = d(b.untagged_responses.pop('EXPUNGE', []))
r['deleteInbox'] = res(a.delete('INBOX'))
r['statusDeleted'] = res(a.status('Old/Inbox', '(MESSAGES)'))
r['listEnd'] = d(a.list('""', '%')[1])
a.logout(); b.logout()
print(json.dumps(r))
`;

test("imaplib: LIST/LSUB, CREATE/RENAME/DELETE, SUBSCRIBE, STATUS, extended LIST, modified UTF-7", () => {
  const r = JSON.parse(python(IMAPLIB, { PORT: String(h.ports.imaps), U: ALICE, PW })) as Record<string, unknown>;
  const caps = (r.capability as string[]).join(" ").split(" ");
  for (const c of ["CHILDREN", "SPECIAL-USE", "LIST-EXTENDED", "LIST-STATUS"]) assert.ok(caps.includes(c), c);
  const defaults = [
    '(\\HasNoChildren) "/" INBOX',
    '(\\HasNoChildren \\Archive) "/" Archive',
    '(\\HasNoChildren \\Drafts) "/" Drafts',
    '(\\HasNoChildren \\Junk) "/" Junk',
    '(\\HasNoChildren \\Sent) "/" Sent',
    '(\\HasNoChildren \\Trash) "/" Trash',
  ];
  assert.deepEqual(r.list, defaults);
  assert.deepEqual(r.listAll, defaults);
  assert.deepEqual(r.delimiter, ['(\\Noselect) "/" ""']);

  const status = r.status as [string, string[]];
  assert.equal(status[0], "OK");
  assert.match(status[1][0] ?? "", /^INBOX \(MESSAGES 3 UNSEEN 3 UIDNEXT 4 UIDVALIDITY \d+\)$/);
  const total = sizes.reduce((n, s) => n + s, 0);
  // RECENT: the delivered messages, which no session has selected yet (RFC 3501 §6.3.10).
  assert.deepEqual(r.statusMore, ["OK", [`INBOX (SIZE ${total} DELETED 0 RECENT 3)`]]);
  assert.deepEqual(r.statusMissing, ["NO", ["[NONEXISTENT] Mailbox does not exist."]]);
  // CONDSTORE (RFC 7162 §3.1.6) is advertised: STATUS tells the mailbox's highest modseq.
  const [modseqStatus, [modseqLine]] = r.statusModseq as [string, string[]];
  assert.equal(modseqStatus, "OK");
  assert.match(modseqLine ?? "", /^INBOX \(HIGHESTMODSEQ [1-9]\d*\)$/);

  assert.deepEqual(r.create, ["OK", ["CREATE completed."]]);
  assert.deepEqual(r.listProjects, ['(\\HasChildren) "/" Projects', '(\\HasNoChildren) "/" Projects/2026']);
  assert.deepEqual(r.createAgain, ["NO", ["[ALREADYEXISTS] Mailbox already exists."]]);
  assert.equal((r.createWildcard as [string])[0], "NO");
  assert.deepEqual(r.rename, ["OK", ["RENAME completed."]]);
  const afterRename = r.listAfterRename as string[];
  assert.ok(afterRename.includes('(\\HasChildren) "/" Work') && afterRename.includes('(\\HasNoChildren) "/" Work/2026'));
  assert.ok(!afterRename.some((l) => l.includes("Projects")));
  assert.deepEqual(r.renameMissing, ["NO", ["[NONEXISTENT] Mailbox does not exist."]]);

  assert.deepEqual(r.subscribe, ["OK", ["SUBSCRIBE completed."]]);
  const subscribedDefaults = ['() "/" INBOX', '() "/" Archive', '() "/" Drafts', '() "/" Junk', '() "/" Sent', '() "/" Trash'];
  assert.deepEqual(r.lsubAll, [...subscribedDefaults, '() "/" Work/2026']);
  // "%" at the end lists the unsubscribed level above a subscribed mailbox as \Noselect.
  assert.deepEqual(r.lsubPercent, [...subscribedDefaults, '(\\Noselect) "/" Work']);
  assert.deepEqual(r.xReturn, ["OK", ['(\\HasChildren) "/" Work', '(\\HasNoChildren \\Subscribed) "/" Work/2026']]);
  const recursive = r.xRecursive as [string, string[]];
  assert.ok(recursive[1].includes('(\\HasChildren) "/" Work ("CHILDINFO" ("SUBSCRIBED"))'), recursive[1].join("\n"));
  assert.ok(recursive[1].includes('(\\HasNoChildren \\Sent \\Subscribed) "/" Sent'));
  // Thunderbird's form: subscribed mailboxes only, \Subscribed implied; "Work" is not subscribed.
  const withSubscribed = defaults.map((l) => l.replace(/\) "\/"/, ' \\Subscribed) "/"'));
  assert.deepEqual(r.xSubscribed, ["OK", [...withSubscribed, '(\\HasNoChildren \\Subscribed) "/" Work/2026']]);
  assert.deepEqual(r.lsubAfter, subscribedDefaults);

  assert.deepEqual((r.xSpecial as [string, string[]])[1], defaults.slice(1));
  assert.deepEqual(r.xStatus, [
    "OK",
    ['(\\HasNoChildren) "/" INBOX', '(\\HasChildren) "/" Work'],
    ["INBOX (MESSAGES 3 UNSEEN 3)", "Work (MESSAGES 0 UNSEEN 0)"],
  ]);
  assert.match(r.xRecursiveAlone as string, /BAD/);
  assert.match(r.xUnknown as string, /BAD.*selection option/);

  assert.deepEqual(r.createUtf7, ["OK", ["CREATE completed."]]);
  assert.deepEqual(r.listUtf7, ['(\\HasNoChildren) "/" Entw&APw-rfe']);
  assert.deepEqual(r.selectUtf7, ["OK", ["0"]]);
  for (const [typ] of r.badUtf7 as Array<[string]>) assert.equal(typ, "NO");

  // RENAME INBOX: the messages move, INBOX stays (empty) with its UIDNEXT.
  assert.deepEqual(r.renameInbox, ["OK", ["RENAME completed."]]);
  assert.deepEqual(r.statusOld, ["OK", ["Old/Inbox (MESSAGES 3 UNSEEN 3 UIDNEXT 4)"]]);
  assert.deepEqual(r.statusInboxAfter, ["OK", ["INBOX (MESSAGES 0 UIDNEXT 4)"]]);
  assert.deepEqual(r.selectA, ["OK", ["3"]]);
  assert.deepEqual(r.selectB, ["OK", ["3"]]);
  assert.deepEqual(r.deleteParent, ["NO", ["[HASCHILDREN] Mailbox has children; delete them first."]]);
  // DELETE of the selected mailbox: both sessions that have it selected see every message go.
  assert.deepEqual(r.deleteSelected, ["OK", ["DELETE completed."]]);
  assert.deepEqual(r.expungesA, ["3", "2", "1"]);
  assert.deepEqual(r.expungesB, ["3", "2", "1"]);
  assert.deepEqual(r.deleteInbox, ["NO", ["[CANNOT] INBOX cannot be deleted."]]);
  assert.deepEqual(r.statusDeleted, ["NO", ["[NONEXISTENT] Mailbox does not exist."]]);
  assert.ok((r.listEnd as string[]).includes('(\\HasNoChildren) "/" Old'));
});

test("imapflow: special-use list, create/rename/delete, STATUS and LIST-STATUS", async () => {
  const client = new ImapFlow({ host: "127.0.0.1", port: h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: BOB, pass: PW }, logger: false });
  await client.connect();
  try {
    const boxes = await client.list();
    const byPath = new Map(boxes.map((b) => [b.path, b]));
    const uses: Array<[string, string]> = [["Sent", "\\Sent"], ["Drafts", "\\Drafts"], ["Trash", "\\Trash"], ["Junk", "\\Junk"], ["Archive", "\\Archive"]];
    for (const [path, use] of uses) {
      const box = byPath.get(path);
      assert.ok(box !== undefined, path);
      assert.equal(box.specialUse, use, path);
      assert.equal(box.specialUseSource, "extension", path);
      assert.ok(box.flags.has(use) && box.subscribed, path);
    }
    assert.equal(byPath.get("INBOX")?.specialUse, "\\Inbox");

    assert.deepEqual(await client.mailboxCreate("Reports/2026"), { path: "Reports/2026", created: true });
    assert.deepEqual(await client.mailboxCreate("Reports/2026"), { path: "Reports/2026", created: false });
    assert.deepEqual(await client.mailboxCreate("Entwürfe 2026"), { path: "Entwürfe 2026", created: true });
    let listed = new Map((await client.list()).map((b) => [b.path, b]));
    assert.equal(listed.get("Reports/2026")?.subscribed, true);
    assert.notEqual(listed.get("Reports")?.subscribed, true);
    assert.ok(listed.get("Reports")?.flags.has("\\HasChildren"));
    // imapflow enables UTF8=ACCEPT (RFC 6855 §3), so the name is listed in UTF-8, not modified UTF-7.
    assert.equal(listed.get("Entwürfe 2026")?.pathAsListed, "Entwürfe 2026");

    const renamed = await client.mailboxRename("Reports", "Berichte");
    assert.equal(renamed.newPath, "Berichte");
    listed = new Map((await client.list()).map((b) => [b.path, b]));
    assert.ok(listed.has("Berichte/2026") && !listed.has("Reports") && !listed.has("Reports/2026"));
    assert.equal(listed.get("Berichte/2026")?.subscribed, true);

    const st = await client.status("INBOX", { messages: true, unseen: true, uidNext: true, uidValidity: true });
    assert.ok(st !== false);
    assert.equal(st.messages, 2);
    assert.equal(st.unseen, 2);
    assert.equal(st.uidNext, 3);
    assert.ok(Number(st.uidValidity) > 0);

    const withStatus = await client.list({ statusQuery: { messages: true, unseen: true } });
    const inbox = withStatus.find((b) => b.path === "INBOX");
    assert.equal(inbox?.status?.messages, 2);
    assert.equal(inbox.status.unseen, 2);
    assert.equal(withStatus.find((b) => b.path === "Sent")?.status?.messages, 0);

    await assert.rejects(client.mailboxDelete("Berichte"), (e: { serverResponseCode?: string }) => e.serverResponseCode === "HASCHILDREN");
    await client.mailboxDelete("Berichte/2026");
    await client.mailboxDelete("Berichte");
    await client.mailboxDelete("Entwürfe 2026");
    const finalPaths = (await client.list()).map((b) => b.path).sort();
    assert.deepEqual(finalPaths, ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
  } finally {
    await client.logout();
  }
});

test("LIST with a pattern that is not valid modified UTF-7 completes OK with no match, as Dovecot answers; CREATE of such a name is still refused", () => {
  const r = JSON.parse(
    python(
      `
import imaplib, json, os, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["PORT"]), ssl_context=ctx)
M.login(os.environ["U"], os.environ["PW"])
out = {}
# An unterminated "&", a non-canonical run (an ASCII letter in base64), and both in an extended LIST beside a good pattern.
out["unterminated"] = M.list('""', '"&Jjo"')
out["noncanonical"] = M.list('""', '"&AGE-"')
typ, data = M._simple_command("LIST", '""', '("&Jjo" "INBOX")')
out["extended"] = [typ, [d.decode() for d in M._untagged_response(typ, data, "LIST")[1] if d is not None]]
out["create"] = M.create('"&Jjo"')[0]
M.logout()
print(json.dumps(out, default=lambda b: b.decode() if isinstance(b, bytes) else str(b)))
`,
      { PORT: String(h.ports.imaps), U: ALICE, PW },
    ),
  ) as Record<string, unknown>;
  assert.deepEqual(r.unterminated, ["OK", [null]]);
  assert.deepEqual(r.noncanonical, ["OK", [null]]);
  assert.deepEqual(r.extended, ["OK", ['(\\HasNoChildren) "/" INBOX']]);
  assert.equal(r.create, "NO");
});
