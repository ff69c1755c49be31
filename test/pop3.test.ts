/**
 * POP3 end to end (RFC 1939, RFC 2449, RFC 2595, RFC 5034) with real clients: Python's poplib
 * over STLS and implicit TLS, curl, openssl s_client, and a raw socket for byte-level checks —
 * login, STAT/LIST/UIDL/RETR/TOP with byte-stuffing, DELE/RSET/QUIT, UIDL across restarts,
 * refusals before TLS, garbage input, and the TLS version floor.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { readMailbox, waitForMessage } from "./mailbox.ts";
import { plainB64, RawPop3, randomBytes, unstuff } from "./pop3-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";
import { permissiveOpensslConf, runTool, type ToolResult } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
const CAROL = "carol@example.test";
const PW = "alice-password";
const CAROL_PW = "carol-password";
const REFUSED = "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";
const BODIES = [
  "From: <sender@remote.test>\r\nSubject: first MARK-1\r\n\r\nline one\r\n.leading dot line\r\n.\r\n..two dots\r\nlast line\r\n",
  "From: <sender@remote.test>\r\nSubject: second MARK-2\r\n\r\nhello\r\n",
  `From: <sender@remote.test>\r\nSubject: third MARK-3\r\n\r\n${Array.from({ length: 3000 }, (_, i) => `${i % 100 === 0 ? "." : ""}line ${i} ${"x".repeat(60)}\r\n`).join("")}`,
];

let h: ServerHandle;
let stored: Buffer[] = [];

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: PW },
      { address: CAROL, password: CAROL_PW },
    ],
    settings: { auth: "failure_delay_ms = 50" },
  });
  for (const body of BODIES) {
    const c = await RawSmtp.open(h.mxPort);
    // SMTP transparency (RFC 5321 §4.5.2): the client doubles leading dots, the server undoes it.
    const r = await c.deliver({ from: "sender@remote.test", to: [ALICE, CAROL], body: body.replace(/(^|\r\n)\./g, "$1.."), tls: true });
    assert.equal(r.code, 250, r.raw);
    await c.quit();
  }
  for (const addr of [ALICE, CAROL]) await waitForMessage(h.dataDir, addr, "MARK-3");
  stored = await readMailbox(h.dataDir, ALICE);
  assert.equal(stored.length, 3);
  stored.forEach((m, i) => assert.ok(m.includes(`MARK-${i + 1}`) && m.toString("latin1").endsWith(BODIES[i] ?? "?")));
});
after(async () => {
  await h.cleanup();
});

/** The header block including the empty line, plus `n` body lines. */
function topOf(msg: Buffer, n: number): Buffer {
  let end = msg.indexOf("\r\n\r\n") + 4;
  for (let i = 0; i < n && end < msg.length; i++) end = msg.indexOf("\r\n", end) + 2;
  return msg.subarray(0, end);
}

interface PoplibRun {
  capaPlain?: string[];
  capa: Record<string, string[]>;
  welcome: string;
  login: string[];
  version: string;
  stat: [number, number];
  list: string[];
  uidl: string[];
  retr: Array<{ resp: string; hex: string }>;
  top0: string[];
  top2: string[];
  quit: string;
}

function poplib(tr: "stls" | "ssl", how: "user" | "plain-ir" | "plain-cont"): PoplibRun {
  const code = `
import base64, json, os, poplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
if e["TR"] == "ssl":
    p = poplib.POP3_SSL("127.0.0.1", int(e["PORT"]), context=ctx, timeout=10)
else:
    p = poplib.POP3("127.0.0.1", int(e["PORT"]), timeout=10)
    out["capaPlain"] = sorted(p.capa().keys())
    p.stls(ctx)
out["welcome"] = p.getwelcome().decode()
out["capa"] = p.capa()
b64 = base64.b64encode(("\\0%s\\0%s" % (e["U"], e["PW"])).encode()).decode()
if e["HOW"] == "user":
    out["login"] = [p.user(e["U"]).decode(), p.pass_(e["PW"]).decode()]
elif e["HOW"] == "plain-ir":
    out["login"] = [p._shortcmd("AUTH PLAIN " + b64).decode()]
else:
    out["login"] = [p._shortcmd("AUTH PLAIN").decode(), p._shortcmd(b64).decode()]
out["version"] = p.sock.version()
out["stat"] = list(p.stat())
out["list"] = [l.decode() for l in p.list()[1]]
out["uidl"] = [l.decode() for l in p.uidl()[1]]
join = lambda ls: (b"\\r\\n".join(ls) + b"\\r\\n").hex()
out["retr"], out["top0"], out["top2"] = [], [], []
for i in range(1, out["stat"][0] + 1):
    resp, lines, _ = p.retr(i)
    out["retr"].append({"resp": resp.decode(), "hex": join(lines)})
    out["top0"].append(join(p.top(i, 0)[1]))
    out["top2"].append(join(p.top(i, 2)[1]))
out["quit"] = p.quit().decode()
print(json.dumps(out))
`;
  const port = tr === "ssl" ? h.ports.pop3s : h.ports.pop3;
  return JSON.parse(python(code, { TR: tr, HOW: how, PORT: String(port), U: ALICE, PW })) as PoplibRun;
}

const BASE_CAPS = ["AUTH-RESP-CODE", "CAPA", "IMPLEMENTATION", "PIPELINING", "RESP-CODES", "TOP", "UIDL"];
let uidlsBefore: string[] = [];
let carolUidls: string[] = [];

for (const tr of ["stls", "ssl"] as const) {
  for (const how of ["user", "plain-ir", "plain-cont"] as const) {
    test(`poplib over ${tr} with ${how}: STAT, LIST, UIDL, RETR and TOP match the stored messages`, () => {
      const r = poplib(tr, how);
      assert.equal(r.welcome, "+OK Sealpost POP3 ready.");
      if (tr === "stls") assert.deepEqual(r.capaPlain, [...BASE_CAPS, "STLS"].sort());
      assert.deepEqual(Object.keys(r.capa).sort(), [...BASE_CAPS, "SASL", "USER"].sort());
      assert.deepEqual(r.capa.SASL, ["PLAIN"]);
      const expectLogin = { user: ["+OK Send your password.", "+OK Logged in."], "plain-ir": ["+OK Logged in."], "plain-cont": ["+ ", "+OK Logged in."] }[how];
      assert.deepEqual(r.login, expectLogin);
      assert.match(r.version, /^TLSv1\.[23]$/);
      assert.deepEqual(r.stat, [3, stored.reduce((n, m) => n + m.length, 0)]);
      assert.deepEqual(r.list, stored.map((m, i) => `${i + 1} ${m.length}`));
      stored.forEach((m, i) => {
        assert.equal(r.retr[i]?.resp, `+OK ${m.length} octets`);
        assert.equal(Buffer.from(r.retr[i]?.hex ?? "", "hex").toString("latin1"), m.toString("latin1"), `RETR ${i + 1}`);
        assert.equal(Buffer.from(r.top0[i] ?? "", "hex").toString("latin1"), topOf(m, 0).toString("latin1"), `TOP ${i + 1} 0`);
        assert.equal(Buffer.from(r.top2[i] ?? "", "hex").toString("latin1"), topOf(m, 2).toString("latin1"), `TOP ${i + 1} 2`);
      });
      // UIDL: 8 hex digits of the UID (ascending with delivery) + 8 of UIDVALIDITY, the same in every session.
      const parsed = r.uidl.map((l) => /^(\d) ([0-9A-F]{8})([0-9A-F]{8})$/.exec(l));
      assert.deepEqual(parsed.map((m) => m?.[1]), ["1", "2", "3"], r.uidl.join("|"));
      const uids = parsed.map((m) => parseInt(m?.[2] ?? "0", 16));
      assert.ok((uids[0] ?? 0) > 0 && (uids[0] ?? 0) < (uids[1] ?? 0) && (uids[1] ?? 0) < (uids[2] ?? 0), r.uidl.join("|"));
      assert.equal(new Set(parsed.map((m) => m?.[3])).size, 1);
      if (uidlsBefore.length === 0) uidlsBefore = r.uidl;
      assert.deepEqual(r.uidl, uidlsBefore);
      assert.equal(r.quit, "+OK Logging out.", "nothing was marked deleted");
    });
  }
}

test("on the wire: leading dots are stuffed in RETR and TOP, and unstuffing gives the stored bytes", async () => {
  const { c } = await RawPop3.open(h.ports.pop3s, { tls: true });
  assert.equal(await c.command(`AUTH PLAIN ${plainB64(ALICE, PW)}`), "+OK Logged in.");
  assert.equal(await c.command("RETR 1"), `+OK ${stored[0]?.length} octets`);
  const raw = (await c.readMultiRaw()).toString("latin1");
  assert.match(raw, /\r\nline one\r\n\.\.leading dot line\r\n\.\.\r\n\.\.\.two dots\r\nlast line\r\n\.\r\n$/);
  assert.equal(unstuff(Buffer.from(raw, "latin1")).toString("latin1"), stored[0]?.toString("latin1"));
  assert.equal(await c.command("TOP 1 2"), "+OK");
  assert.match((await c.readMultiRaw()).toString("latin1"), /\r\n\r\nline one\r\n\.\.leading dot line\r\n\.\r\n$/);
  // Errors on bad message numbers; the session goes on.
  for (const cmd of ["RETR 4", "RETR 0", "LIST x", "TOP 1", "UIDL 99"]) assert.match(await c.command(cmd), /^-ERR /, cmd);
  assert.equal(await c.command("UIDL 3"), `+OK ${uidlsBefore[2]}`);
  await c.quit();
});

test("CAPA before and after STLS; commands pipelined behind STLS are discarded; STLS on pop3s is refused", async () => {
  const { c, greeting } = await RawPop3.open(h.ports.pop3);
  assert.equal(greeting, "+OK Sealpost POP3 ready.");
  assert.deepEqual((await c.multi("CAPA")).lines, ["CAPA", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS", "IMPLEMENTATION Sealpost"]);
  c.send("STLS\r\nCAPA\r\n"); // RFC 2595 §3.1: the CAPA sent in the clear must not be answered over TLS
  assert.match(await c.readLine(), /^\+OK /);
  await c.stlsHandshake();
  assert.equal(await c.command("QUIT"), "+OK Logging out.");
  await c.waitClosed();

  const { c: s } = await RawPop3.open(h.ports.pop3s, { tls: true });
  assert.deepEqual((await s.multi("CAPA")).lines, ["CAPA", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN", "IMPLEMENTATION Sealpost"]);
  assert.match(await s.command("STLS"), /^-ERR /);
  await s.quit();
});

test("USER/PASS and AUTH before TLS get -ERR [AUTH]; the same connection logs in after STLS", async () => {
  const { c } = await RawPop3.open(h.ports.pop3);
  assert.equal(await c.command(`USER ${ALICE}`), REFUSED);
  assert.equal(await c.command(`PASS ${PW}`), REFUSED);
  assert.equal(await c.command(`AUTH PLAIN ${plainB64(ALICE, PW)}`), REFUSED);
  assert.equal(await c.command("AUTH PLAIN"), REFUSED);
  assert.match(await c.command("STAT"), /^-ERR /);
  await c.stls();
  assert.equal(await c.login(ALICE, PW), "+OK Logged in.");
  assert.match(await c.command("STAT"), /^\+OK 3 \d+$/);
  await c.quit();
});

test("curl: pop3s retrieves message 1, and pop3 with --ssl-reqd (STLS) lists the messages", async () => {
  const [get, list, plain] = await Promise.all([
    runTool("curl", ["-sS", "--insecure", `pop3s://127.0.0.1:${h.ports.pop3s}/1`, "-u", `${ALICE}:${PW}`]),
    runTool("curl", ["-sS", "--insecure", "--ssl-reqd", `pop3://127.0.0.1:${h.ports.pop3}/`, "-u", `${ALICE}:${PW}`]),
    runTool("curl", ["-sS", `pop3://127.0.0.1:${h.ports.pop3}/`, "-u", `${ALICE}:${PW}`]),
  ]);
  assert.equal(get.status, 0, get.stderr);
  assert.equal(get.stdout, stored[0]?.toString("utf8"));
  assert.equal(list.status, 0, list.stderr);
  assert.equal(list.stdout, stored.map((m, i) => `${i + 1} ${m.length}\r\n`).join(""));
  // Without TLS curl cannot log in: the server offers no mechanism (curl's 67: login denied).
  assert.equal(plain.status, 67, plain.stderr);
  assert.equal(plain.stdout, "");
});

test("DELE + RSET keeps the messages; DELE + QUIT removes them durably; other UIDLs are unchanged", async () => {
  const code = `
import json, os, poplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def session(tls):
    if tls == "ssl":
        return poplib.POP3_SSL("127.0.0.1", int(e["PS"]), context=ctx, timeout=10)
    p = poplib.POP3("127.0.0.1", int(e["P"]), timeout=10); p.stls(ctx); return p
def login(tls):
    p = session(tls); p.user(e["U"]); p.pass_(e["PW"]); return p
out = {}
p = login("stls")
out["uidl0"] = [l.decode() for l in p.uidl()[1]]
out["dele"] = p.dele(2).decode()
out["stat1"] = list(p.stat())
try:
    p.retr(2)
except poplib.error_proto as err:
    out["retrDeleted"] = err.args[0].decode()
out["rset"] = p.rset().decode()
out["stat2"] = list(p.stat())
out["quitAfterRset"] = p.quit().decode()
p = login("ssl")
out["stat3"] = list(p.stat())
p.dele(2)
out["quit"] = p.quit().decode()
p = login("ssl")
out["stat4"] = list(p.stat())
out["uidl4"] = [l.decode() for l in p.uidl()[1]]
out["retr2"] = (b"\\r\\n".join(p.retr(2)[1]) + b"\\r\\n").decode()
p.quit()
print(json.dumps(out))
`;
  const initial = await readMailbox(h.dataDir, CAROL);
  const [m1, m2, m3] = initial.map((m) => m.length);
  const r = JSON.parse(python(code, { P: String(h.ports.pop3), PS: String(h.ports.pop3s), U: CAROL, PW: CAROL_PW })) as Record<string, unknown>;
  assert.equal(r.dele, "+OK Marked to be deleted.");
  assert.deepEqual(r.stat1, [2, (m1 ?? 0) + (m3 ?? 0)]);
  assert.equal(r.retrDeleted, "-ERR Message 2 is deleted.");
  assert.deepEqual(r.stat2, [3, (m1 ?? 0) + (m2 ?? 0) + (m3 ?? 0)]);
  assert.deepEqual(r.stat3, [3, (m1 ?? 0) + (m2 ?? 0) + (m3 ?? 0)], "RSET then QUIT deleted nothing");
  // RFC 1939 §6: the sign-off says what QUIT removed, and nothing about deletions when there were none.
  assert.equal(r.quitAfterRset, "+OK Logging out.");
  assert.equal(r.quit, "+OK Logging out, 1 message deleted.");
  assert.deepEqual(r.stat4, [2, (m1 ?? 0) + (m3 ?? 0)]);
  const u0 = r.uidl0 as string[];
  assert.deepEqual(r.uidl4, [`1 ${u0[0]?.split(" ")[1]}`, `2 ${u0[2]?.split(" ")[1]}`]);
  assert.equal(r.retr2, initial[2]?.toString("utf8"));
  carolUidls = r.uidl4;
  const remaining = await readMailbox(h.dataDir, CAROL);
  assert.deepEqual(remaining.map((m) => m.toString("latin1")), [initial[0], initial[2]].map((m) => m?.toString("latin1")));
});

test("garbage: random bytes, a 100 KB line and 25 unknown commands get -ERR; another client is served meanwhile", async () => {
  const { c: good } = await RawPop3.open(h.ports.pop3s, { tls: true });
  assert.equal(await good.login(ALICE, PW), "+OK Logged in.");

  const random = async (): Promise<void> => {
    const { c } = await RawPop3.open(h.ports.pop3);
    const lines = Array.from({ length: 12 }, (_, i) => Buffer.from(randomBytes(i + 1, 1 + ((i * 37) % 300)).filter((b) => b !== 0x0a && b !== 0x0d)));
    c.send(Buffer.concat(lines.flatMap((l, i) => [l, Buffer.from(i % 2 === 0 ? "\r\n" : "\n")])));
    for (let i = 0; i < lines.length; i++) assert.match(await c.readLine(), /^-ERR Unknown command: [\x21-\x7e]{0,20}$/);
    assert.match((await c.multi("CAPA")).status, /^\+OK /);
    await c.quit();
  };
  const longLine = async (): Promise<void> => {
    const { c } = await RawPop3.open(h.ports.pop3);
    c.send(`${"X".repeat(100_000)}\r\nCAPA\r\n`);
    assert.equal(await c.readLine(), "-ERR Line too long.");
    assert.equal(await c.readLine(), "+OK Capability list follows");
    await c.readMultiRaw();
    await c.quit();
  };
  const unknown = async (): Promise<void> => {
    const { c } = await RawPop3.open(h.ports.pop3);
    c.send(Array.from({ length: 25 }, (_, i) => `BOGUS${i + 1}\r\n`).join(""));
    const expected = [...Array.from({ length: 20 }, (_, i) => `-ERR Unknown command: BOGUS${i + 1}`), "-ERR Too many bad commands, disconnecting."];
    assert.deepEqual(await c.readAllLines(), expected);
    assert.ok(c.closed);
  };
  const serve = async (): Promise<void> => {
    for (let round = 0; round < 3; round++) {
      for (const [i, m] of stored.entries()) {
        assert.equal(await good.command(`RETR ${i + 1}`), `+OK ${m.length} octets`);
        assert.equal(unstuff(await good.readMultiRaw()).toString("latin1"), m.toString("latin1"));
      }
    }
  };
  await Promise.all([random(), longLine(), unknown(), serve()]);
  assert.match(await good.command("NOOP"), /^\+OK/);
  await good.quit();
});

test("a SASL response over the line limit ends the AUTH exchange: the next line is a command again", async () => {
  const { c } = await RawPop3.open(h.ports.pop3s, { tls: true });
  assert.equal(await c.command("AUTH PLAIN"), "+ ");
  assert.equal(await c.command("A".repeat(10_000)), "-ERR Line too long.");
  assert.equal(await c.command("CAPA"), "+OK Capability list follows");
  await c.readMultiRaw();
  assert.equal(await c.command("AUTH PLAIN"), "+ ");
  assert.equal(await c.command("*"), "-ERR Authentication cancelled.");
  assert.equal(await c.command(`AUTH PLAIN ${plainB64(ALICE, PW)}`), "+OK Logged in.");
  await c.quit();
});

function sClient(mode: "pop3s" | "stls", flag: string): Promise<ToolResult> {
  const args = mode === "pop3s" ? ["-connect", `127.0.0.1:${h.ports.pop3s}`] : ["-connect", `127.0.0.1:${h.ports.pop3}`, "-starttls", "pop3"];
  return runTool("/usr/bin/openssl", ["s_client", ...args, flag, "-cipher", "DEFAULT@SECLEVEL=0", "-crlf", "-ign_eof"], {
    input: "CAPA\nQUIT\n",
    timeoutMs: 15_000,
    env: { OPENSSL_CONF: permissiveOpensslConf() },
  });
}

test("openssl s_client: TLS 1.0 and 1.1 are refused on pop3s and after STLS; TLS 1.2 works", async () => {
  const runs = (["pop3s", "stls"] as const).flatMap((mode) => (["-tls1", "-tls1_1", "-tls1_2"] as const).map((flag) => [mode, flag] as const));
  const results = await Promise.all(runs.map(([mode, flag]) => sClient(mode, flag)));
  runs.forEach(([mode, flag], i) => {
    const r = results[i] as ToolResult;
    const all = `${mode} ${flag}:\n${r.stdout}\n${r.stderr}`;
    if (flag === "-tls1_2") {
      assert.equal(r.status, 0, all);
      assert.match(r.stdout, /^New, TLSv1\.2, Cipher is ECDHE-/m, all);
      if (mode === "pop3s") assert.match(r.stdout, /^\+OK Sealpost POP3 ready\.\r?$/m, all);
      assert.match(r.stdout, /^SASL PLAIN\r?$/m, all);
      assert.doesNotMatch(r.stdout, /^STLS\r?$/m, all);
      assert.match(r.stdout, /^\+OK Logging out\.\r?$/m, all);
    } else {
      assert.notEqual(r.status, 0, all);
      assert.match(r.stdout, /^New, \(NONE\), Cipher is \(NONE\)/m, all);
      assert.match(r.stderr, /alert protocol version|SSL alert number 70/, all);
      assert.doesNotMatch(r.stdout, /SASL PLAIN|Logging out/, all);
    }
  });
});

test("UIDLs and deletions survive a server restart", async () => {
  await h.stop();
  await h.restart();
  const { c } = await RawPop3.open(h.ports.pop3s, { tls: true });
  assert.equal(await c.login(ALICE, PW), "+OK Logged in.");
  assert.deepEqual((await c.multi("UIDL")).lines, uidlsBefore);
  await c.quit();
  const { c: carol } = await RawPop3.open(h.ports.pop3s, { tls: true });
  assert.equal(await carol.login(CAROL, CAROL_PW), "+OK Logged in.");
  assert.match(await carol.command("STAT"), /^\+OK 2 \d+$/);
  assert.equal(carolUidls.length, 2);
  assert.deepEqual((await carol.multi("UIDL")).lines, carolUidls);
  await carol.quit();
});
