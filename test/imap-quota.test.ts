/**
 * Storage quota, STATUS=SIZE, APPENDLIMIT and COMPRESS=DEFLATE end to end (issue 13): the quota set
 * by `sealpost user set --quota`, read with imaplib's getquotaroot/getquota, enforced on APPEND and
 * COPY (NO [OVERQUOTA], RFC 9208) and by the MX through smtplib (452 4.2.2 / 552 5.2.2); STATUS
 * (SIZE APPENDLIMIT) and LIST-STATUS raw; an APPEND over the limit refused before its literal;
 * imapflow fetching a large message over a compressed connection, and a raw COMPRESS exchange.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { constants, createDeflateRaw, createInflateRaw } from "node:zlib";
import { ImapFlow } from "imapflow";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@example.test";
const PW = "quota-test-password";
const APPEND_LIMIT = 2_000_000;

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ALICE, BOB, CAROL].map((address) => ({ address, password: PW })),
    settings: { imap: `max_literal = ${APPEND_LIMIT}` },
  });
});
after(async () => {
  await h.cleanup();
});

test("user set --quota: sizes with units, none, and a one-line error for anything else", () => {
  const bad = h.cli(["user", "set", ALICE, "--quota", "2X"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^sealpost: --quota: expected a size such as 500M, 2G or 1T.*"2X"\n$/);
  assert.equal(h.cli(["user", "set", ALICE, "--quota", "0"]).status, 2);
  const set = h.cli(["user", "set", ALICE, "--quota", "2G"]);
  assert.equal(set.status, 0, set.stderr);
  assert.match(set.stdout, /storage 0 of 2G \(0%\)/);
  assert.match(h.cli(["user", "show", ALICE]).stdout, /^storage: +0 of 2G \(0%\)$/m);
  assert.match(h.cli(["user", "list"]).stdout, /alice@example\.test .* 0 of 2G \(0%\)/);
  const none = h.cli(["user", "set", ALICE, "--quota", "none"]);
  assert.match(none.stdout, /storage 0 \(no limit\)/);
  const shown = JSON.parse(h.cli(["user", "show", ALICE, "--json"]).stdout) as { quotaBytes: unknown };
  assert.equal(shown.quotaBytes, null);
});

const IMAPLIB = String.raw`
import imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = imaplib.IMAP4_SSL('127.0.0.1', int(e['PORT']), ssl_context=ctx)
c.login(e['U'], e['PW'])
out = {}
out['caps'] = list(c.capabilities)
def dd(x):
    if isinstance(x, bytes): return x.decode()
    if isinstance(x, (list, tuple)): return [dd(y) for y in x]
    return x
def r(t): return [t[0], dd(t[1])]
msg = b'Subject: q\r\n\r\n' + b'x' * 3000 + b'\r\n'
out['root0'] = r(c.getquotaroot('INBOX'))
out['a1'] = r(c.append('INBOX', None, None, msg))
out['a2'] = r(c.append('INBOX', None, None, msg))
out['root'] = r(c.getquotaroot('INBOX'))
out['quota'] = r(c.getquota('""'))
out['a3'] = r(c.append('INBOX', None, None, msg))
c.select('INBOX')
out['copy'] = r(c.copy('1:*', 'Trash'))
out['move'] = r(c._simple_command('MOVE', '1', 'Trash'))
out['setquota'] = r(c.setquota('""', '(STORAGE 99999)'))
print(json.dumps(out))
`;

test("QUOTA with imaplib: GETQUOTAROOT/GETQUOTA report usage and limit in KiB; APPEND and COPY over it get NO [OVERQUOTA], MOVE does not", () => {
  assert.equal(h.cli(["user", "set", BOB, "--quota", "8K"]).status, 0);
  const out = JSON.parse(python(IMAPLIB, { PORT: String(h.ports.imaps), U: BOB, PW })) as Record<string, [string, unknown[]]>;
  const caps = out.caps as unknown as string[];
  for (const c of ["QUOTA", "QUOTA=RES-STORAGE", "STATUS=SIZE", `APPENDLIMIT=${APPEND_LIMIT}`]) assert.ok(caps.includes(c), `${c} in ${caps.join(" ")}`);
  assert.deepEqual(out.root0, ["OK", [['INBOX ""'], ['"" (STORAGE 0 8)']]]);
  assert.equal(out.a1?.[0], "OK");
  assert.equal(out.a2?.[0], "OK");
  // Two messages of 3,016 bytes: 6,032 bytes, 6 KiB rounded up, of 8 KiB.
  assert.deepEqual(out.root, ["OK", [['INBOX ""'], ['"" (STORAGE 6 8)']]]);
  assert.deepEqual(out.quota, ["OK", ['"" (STORAGE 6 8)']]);
  assert.equal(out.a3?.[0], "NO");
  assert.match(String(out.a3?.[1]?.[0]), /^\[OVERQUOTA\] /);
  assert.equal(out.copy?.[0], "NO");
  assert.match(String(out.copy?.[1]?.[0]), /^\[OVERQUOTA\] /);
  assert.equal(out.move?.[0], "OK");
  assert.equal(out.setquota?.[0], "NO");
  assert.match(h.cli(["user", "show", BOB]).stdout, /^storage: +5\.9K of 8K \(73%\)$/m);
});

const SMTPLIB = String.raw`
import smtplib, json, os
e = os.environ
out = {}
def rcpt(size, to, body=None):
    s = smtplib.SMTP('127.0.0.1', int(e['PORT']))
    s.ehlo('client.test')
    s.mail('sender@remote.test', ['SIZE=%d' % size] if size else [])
    code, text = s.rcpt(to)
    res = [code, text.decode()]
    if code == 250 and body is not None:
        try:
            code, text = s.data(body)
        except smtplib.SMTPDataError as err:
            code, text = err.smtp_code, err.smtp_error
        res += ['accepted'] if code == 250 else [code, text.decode()]
    s.close()
    return res
body = b'Subject: hi\r\n\r\n' + (b'y' * 73 + b'\r\n') * 20
out['fits'] = rcpt(0, e['TO'], body)
out['full_declared'] = rcpt(1500, e['TO'])
out['too_big_declared'] = rcpt(9000, e['TO'])
out['too_big_data'] = rcpt(0, e['TO'], b'Subject: big\r\n\r\n' + (b'z' * 70 + b'\r\n') * 130)
out['fits_again'] = rcpt(0, e['TO'], body)
print(json.dumps(out))
`;

test("the MX over quota (smtplib): 452 4.2.2 at RCPT when full, 552 5.2.2 for a message larger than the quota (at RCPT with SIZE, after DATA without)", () => {
  assert.equal(h.cli(["user", "set", CAROL, "--quota", "4K"]).status, 0);
  const out = JSON.parse(python(SMTPLIB, { PORT: String(h.ports.mx), TO: CAROL })) as Record<string, Array<number | string>>;
  assert.deepEqual(out.fits?.slice(0, 1), [250]);
  assert.equal(out.fits?.at(-1), "accepted");
  // About 1.7 KiB stored of 4 KiB: a second declared 1,500 bytes fits, a third would not; fill it first.
  assert.deepEqual(out.full_declared?.[0], 250);
  assert.equal(out.too_big_declared?.[0], 552);
  assert.match(String(out.too_big_declared?.[1]), /^5\.2\.2 /);
  assert.deepEqual(out.too_big_data?.slice(0, 1), [250]);
  assert.equal(out.too_big_data?.[2], 552);
  assert.match(String(out.too_big_data?.[3]), /^5\.2\.2 /);
  assert.equal(out.fits_again?.at(-1), "accepted");
  // Now 2 × ~1.6 KiB of 4 KiB: a third 1,500-byte message would not fit.
  const again = JSON.parse(python(SMTPLIB.replace("out['fits'] = rcpt(0, e['TO'], body)", "out['fits'] = [250, 'x', 'accepted']"), { PORT: String(h.ports.mx), TO: CAROL })) as Record<string, Array<number | string>>;
  assert.equal(again.full_declared?.[0], 452);
  assert.match(String(again.full_declared?.[1]), /^4\.2\.2 .*Mailbox full/);
  assert.equal(again.fits_again?.[0], 250);
  assert.equal(again.fits_again?.[2], 452);
  assert.match(String(again.fits_again?.[3]), /^4\.2\.2 /);
});

test("STATUS (SIZE APPENDLIMIT), LIST-STATUS with SIZE, and an APPEND over APPENDLIMIT refused before its literal", async () => {
  const c = await RawImap.open(h.ports.imaps);
  try {
    await c.login(ALICE, PW);
    const caps = await c.ok("CAPABILITY");
    assert.match(caps.untagged.join(" "), / COMPRESS=DEFLATE/);
    const body = "Subject: s\r\n\r\nhello\r\n";
    await c.ok(`APPEND INBOX {${body.length}+}\r\n${body}`);
    const st = await c.ok("STATUS INBOX (MESSAGES SIZE APPENDLIMIT)");
    assert.deepEqual(st.untagged, [`* STATUS INBOX (MESSAGES 1 SIZE ${body.length} APPENDLIMIT ${APPEND_LIMIT})`]);
    const list = await c.ok('LIST "" "INBOX" RETURN (STATUS (SIZE))');
    assert.ok(list.untagged.includes(`* STATUS INBOX (SIZE ${body.length})`), list.untagged.join("\n"));
    // A synchronizing literal over the limit: NO [TOOBIG], and no "+" continuation is ever sent.
    const big = await c.command(`APPEND INBOX {${APPEND_LIMIT + 1}}`);
    assert.equal(big.status, "NO");
    assert.match(big.text, /^\[TOOBIG\]/);
    assert.ok(!c.lines.some((l) => l.startsWith("+")));
  } finally {
    c.close();
  }
});

test("COMPRESS=DEFLATE: imapflow fetches a large message over a compressed connection; raw deflate both ways, a second COMPRESS is NO [COMPRESSIONACTIVE]", async () => {
  const big = Buffer.from(`Subject: big\r\n\r\n${Array.from({ length: 20_000 }, (_, i) => `line ${i} of a long message\r\n`).join("")}`);
  const client = new ImapFlow({ host: "127.0.0.1", port: h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PW }, logger: false });
  await client.connect();
  try {
    assert.ok(Reflect.get(client, "_inflate") !== undefined && Reflect.get(client, "_inflate") !== null, "imapflow turned compression on");
    const appended = await client.append("Archive", big);
    const lock = await client.getMailboxLock("Archive");
    try {
      const msg = await client.fetchOne(String(appended && appended.uid), { source: true }, { uid: true });
      assert.ok(msg !== false && msg.source !== undefined);
      assert.ok(msg.source.equals(big));
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }

  const c = await RawImap.open(h.ports.imaps);
  try {
    await c.login(ALICE, PW);
    await c.ok("COMPRESS DEFLATE");
    const deflate = createDeflateRaw();
    const inflate = createInflateRaw();
    let text = "";
    inflate.on("data", (d: Buffer) => (text += d.toString("latin1")));
    // From here on the socket carries deflate both ways: read raw bytes into the inflater.
    const socket: import("node:net").Socket = Reflect.get(c, "socket");
    socket.removeAllListeners("data");
    socket.on("data", (d: Buffer) => inflate.write(d));
    deflate.on("data", (d: Buffer) => socket.write(d));
    const send = (line: string): void => {
      deflate.write(line);
      deflate.flush(constants.Z_SYNC_FLUSH);
    };
    const until = async (re: RegExp): Promise<void> => {
      for (let i = 0; i < 200 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(text, re);
    };
    send("c1 STATUS INBOX (MESSAGES)\r\n");
    await until(/c1 OK/);
    assert.match(text, /\* STATUS INBOX \(MESSAGES 1\)\r\n/);
    send("c2 COMPRESS DEFLATE\r\n");
    await until(/c2 NO/);
    assert.match(text, /c2 NO \[COMPRESSIONACTIVE\]/);
  } finally {
    c.close();
  }
});
