/**
 * IMAP logins (issue 3, done-when 3 and 4 for IMAP): LOGIN and AUTHENTICATE before TLS get
 * NO [PRIVACYREQUIRED]; openssl s_client with TLS 1.0/1.1 is refused on 993 and via STARTTLS on
 * 143; imaplib logs in over both; the login history shows it all, with the IMAP ID client name.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInHistory } from "./imap-login-helpers.ts";
import { permissiveOpensslConf, runTool, type ToolResult } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";
let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: PW }],
    settings: { auth: "failure_delay_ms = 50" },
  });
});
after(async () => {
  await h.cleanup();
});

const PY_PRELUDE = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
`;

test("before TLS: LOGINDISABLED, no AUTH=, LOGIN and AUTHENTICATE refused with PRIVACYREQUIRED", () => {
  const out = python(`${PY_PRELUDE}
m = imaplib.IMAP4("127.0.0.1", ${h.ports.imap})
print("CAPS", " ".join(m.capabilities))
for cmd in (lambda: m.login("${ALICE}", "${PW}"), lambda: m.authenticate("PLAIN", lambda _: b"\\0${ALICE}\\0${PW}")):
    try:
        cmd(); print("ACCEPTED")
    except imaplib.IMAP4.error as e:
        print("REFUSED", e)
m.starttls(ssl_context=ctx)
print("TLSCAPS", " ".join(m.capabilities))
print("LOGIN", m.login("${ALICE}", "${PW}")[0])
m.logout()
`);
  const caps = /^CAPS (.*)$/m.exec(out)?.[1] ?? "";
  assert.match(caps, /\bSTARTTLS\b/);
  assert.match(caps, /\bLOGINDISABLED\b/);
  assert.doesNotMatch(caps, /AUTH=/);
  const refusals = out.match(/^REFUSED .*$/gm) ?? [];
  assert.equal(refusals.length, 2, out);
  for (const r of refusals) assert.match(r, /\[PRIVACYREQUIRED\] Plaintext authentication is disabled/);
  assert.doesNotMatch(out, /ACCEPTED/);
  const tlsCaps = /^TLSCAPS (.*)$/m.exec(out)?.[1] ?? "";
  assert.match(tlsCaps, /AUTH=PLAIN/);
  assert.doesNotMatch(tlsCaps, /LOGINDISABLED|STARTTLS/);
  assert.match(out, /^LOGIN OK$/m);
});

test("wrong password and unknown account get the same NO [AUTHENTICATIONFAILED]", () => {
  const out = python(`${PY_PRELUDE}
for user, pw in (("${ALICE}", "wrong-password"), ("nobody@example.test", "${PW}")):
    m = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx)
    try:
        m.login(user, pw); print("ACCEPTED")
    except imaplib.IMAP4.error as e:
        print("NO", e)
    m.logout()
`);
  const lines = out.match(/^NO .*$/gm) ?? [];
  assert.equal(lines.length, 2, out);
  assert.equal(lines[0], lines[1]);
  assert.match(lines[0] ?? "", /\[AUTHENTICATIONFAILED\] Authentication failed\./);
});

function sClient(mode: "imaps" | "starttls", flag: string): Promise<ToolResult> {
  const args = mode === "imaps" ? ["-connect", `127.0.0.1:${h.ports.imaps}`] : ["-connect", `127.0.0.1:${h.ports.imap}`, "-starttls", "imap"];
  return runTool("/usr/bin/openssl", ["s_client", ...args, flag, "-cipher", "DEFAULT@SECLEVEL=0", "-crlf", "-ign_eof"], {
    input: "a1 CAPABILITY\na2 LOGOUT\n",
    timeoutMs: 15_000,
    env: { OPENSSL_CONF: permissiveOpensslConf() },
  });
}

test("openssl s_client: TLS 1.0 and 1.1 refused on imaps and after STARTTLS; TLS 1.2 and 1.3 work", async () => {
  const runs = (["imaps", "starttls"] as const).flatMap((mode) => (["-tls1", "-tls1_1", "-tls1_2", "-tls1_3"] as const).map((flag) => [mode, flag] as const));
  const results = await Promise.all(runs.map(([mode, flag]) => sClient(mode, flag)));
  runs.forEach(([mode, flag], i) => {
    const r = results[i] as ToolResult;
    const all = `${mode} ${flag}:\n${r.stdout}\n${r.stderr}`;
    if (flag === "-tls1_2" || flag === "-tls1_3") {
      assert.equal(r.status, 0, all);
      assert.match(r.stdout, new RegExp(`^New, TLSv1\\.${flag === "-tls1_2" ? "2" : "3"}, Cipher is `, "m"), all);
      assert.match(r.stdout, /^\* CAPABILITY IMAP4rev1 .*AUTH=PLAIN/m, all);
      assert.match(r.stdout, /^a2 OK /m, all);
    } else {
      assert.notEqual(r.status, 0, all);
      assert.match(r.stdout, /^New, \(NONE\), Cipher is \(NONE\)/m, all);
      assert.match(r.stderr, /alert protocol version|SSL alert number 70/, all);
      assert.doesNotMatch(r.stdout, /CAPABILITY/, all);
    }
  });
});

test("history: IMAP logins with TLS version, cipher and the ID name; the refused TLS 1.0 device", async () => {
  python(`${PY_PRELUDE}
m = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx)
imaplib.Commands["ID"] = ("NONAUTH", "AUTH", "SELECTED")
m._simple_command("ID", '("name" "Outlook" "version" "15.0")')
m.login("${ALICE}", "${PW}")
m.logout()
`);
  await sClient("imaps", "-tls1");
  const h1 = await eventuallyInHistory(h, ALICE, (entries) =>
    entries.some((e) => e.kind === "refused-handshake" && e.protocol === "imap") && entries.some((e) => e.clientName === "Outlook 15.0") ? entries : undefined,
  );
  const ok = h1.find((e) => e.kind === "login" && e.result === "ok" && e.clientName === "Outlook 15.0");
  assert.ok(ok !== undefined, JSON.stringify(h1, null, 1));
  assert.equal(ok.protocol, "imap");
  assert.equal(ok.port, h.ports.imaps);
  assert.match(ok.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.match(ok.tlsCipher ?? "", /^TLS_/);
  assert.equal(ok.legacy, false);
  const refusedPlain = h1.find((e) => e.kind === "login" && e.result === "refused" && e.tlsVersion === null);
  assert.ok(refusedPlain?.legacy === true);
  const handshake = h1.find((e) => e.kind === "refused-handshake" && e.protocol === "imap");
  assert.ok(handshake !== undefined);
  assert.equal(handshake.offeredMax, "TLSv1");
  assert.equal(handshake.legacy, true);
  assert.match(handshake.attribution ?? "", /probably this account's device/);
  // The device named itself Outlook when it logged in from that address: the hint says so.
  assert.match(handshake.hint ?? "", /Outlook/);
});
