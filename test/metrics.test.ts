/**
 * The Prometheus endpoint as an operator scrapes it with curl: after a TLS 1.2 and a TLS 1.3 IMAP
 * session (Python's imaplib), a plaintext one, a message over the MX with STARTTLS and one over
 * submission to a remote domain (smtplib), and handshakes offering only TLS 1.1 and TLS 1.0
 * (openssl s_client), `/metrics` counts the sessions by protocol and TLS version, the refusals by
 * offered version, the sign-ins by result, the messages in, the queued message and its deferred
 * delivery attempt; it binds 127.0.0.1 (also when `init --listen` says otherwise) and knows no
 * other path.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, python, runCli, startSealpost, type ServerHandle } from "./harness.ts";
import { permissiveOpensslConf, runTool } from "./tls-client-env.ts";

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

/** `curl` against the metrics listener: status and body. */
function curl(path: string, ...extra: string[]): { status: number; body: string } {
  const r = spawnSync("curl", ["-sS", "-o", "-", "-w", "\n%{http_code}", ...extra, `http://127.0.0.1:${h.ports.metrics}${path}`], { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  const cut = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

/** The value of one sample (`name{labels} value`) in the exposition text; labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v) && have.size === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}

const PY_PRELUDE = `
import imaplib, smtplib, ssl
def ctx(version):
    c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
    c.minimum_version = version; c.maximum_version = version
    return c
`;

test("/metrics counts sessions by protocol and TLS version, refused handshakes by offered version, sign-ins by result, messages, the queue", async () => {
  const out = python(`${PY_PRELUDE}
m = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx(ssl.TLSVersion.TLSv1_2))
try:
    m.login("${ALICE}", "wrong-password"); print("ACCEPTED")
except imaplib.IMAP4.error:
    print("FAILED-LOGIN", m.sock.version())
m.logout()
m = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx(ssl.TLSVersion.TLSv1_3))
print("LOGIN", m.login("${ALICE}", "${PW}")[0], m.sock.version())
m.logout()
m = imaplib.IMAP4("127.0.0.1", ${h.ports.imap})
m.noop(); m.logout()
s = smtplib.SMTP("127.0.0.1", ${h.ports.mx})
s.starttls(context=ctx(ssl.TLSVersion.TLSv1_3))
s.sendmail("bob@remote.test", ["${ALICE}"], b"Subject: metrics\\r\\n\\r\\nhello\\r\\n")
s.quit()
print("SENT")
s = smtplib.SMTP_SSL("127.0.0.1", ${h.ports.submissions}, context=ctx(ssl.TLSVersion.TLSv1_3))
s.login("${ALICE}", "${PW}")
s.sendmail("${ALICE}", ["bob@remote.test"], b"From: ${ALICE}\\r\\nSubject: out\\r\\n\\r\\nhello\\r\\n")
s.quit()
print("SUBMITTED")
`);
  assert.match(out, /^FAILED-LOGIN TLSv1\.2$/m, out);
  assert.match(out, /^LOGIN OK TLSv1\.3$/m, out);
  assert.match(out, /^SENT$/m, out);
  assert.match(out, /^SUBMITTED$/m, out);

  const env = { OPENSSL_CONF: permissiveOpensslConf() };
  const old = await Promise.all([
    runTool("/usr/bin/openssl", ["s_client", "-connect", `127.0.0.1:${h.ports.imaps}`, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-ign_eof"], { input: "a LOGOUT\n", timeoutMs: 15_000, env }),
    runTool("/usr/bin/openssl", ["s_client", "-starttls", "smtp", "-connect", `127.0.0.1:${h.ports.mx}`, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0", "-crlf", "-ign_eof"], {
      input: "QUIT\n",
      timeoutMs: 15_000,
      env,
    }),
  ]);
  for (const r of old) assert.match(r.stderr, /alert protocol version|SSL alert number 70/, r.stdout + r.stderr);

  // Sessions are counted when they end, which the server sees a moment after the clients leave:
  // six of them (the TLS 1.1 client on 993 never got one). The submitted message's first attempt
  // finds no DNS (the harness points it at a closed port) and is deferred.
  const text = await eventually(() => {
    const r = curl("/metrics");
    assert.equal(r.status, 200, r.body);
    const ended = [...r.body.matchAll(/^sealpost_sessions_total\{.*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    const deferred = sample(r.body, "sealpost_delivery_attempts_total", { outcome: "deferred", tls_level: "may", tls_version: "none" }) ?? 0;
    return ended >= 6 && deferred >= 1 ? r.body : undefined;
  }, 10_000, "six ended sessions and a deferred delivery attempt");

  const s = (name: string, labels: Record<string, string> = {}): number | undefined => sample(text, name, labels);
  assert.equal(s("sealpost_sessions_total", { protocol: "imap", tls_version: "TLSv1.2" }), 1, text);
  assert.equal(s("sealpost_sessions_total", { protocol: "imap", tls_version: "TLSv1.3" }), 1, text);
  assert.equal(s("sealpost_sessions_total", { protocol: "imap", tls_version: "none" }), 1, text);
  assert.equal(s("sealpost_sessions_total", { protocol: "smtp", tls_version: "TLSv1.3" }), 1, text);
  // The TLS 1.0 client's session: STARTTLS was refused, so it ended without TLS.
  assert.equal(s("sealpost_sessions_total", { protocol: "smtp", tls_version: "none" }), 1, text);
  for (const listener of ["mx", "imap", "imaps"]) assert.equal(s("sealpost_sessions_open", { listener }), 0, text);
  assert.equal(s("sealpost_sessions_total", { protocol: "submission", tls_version: "TLSv1.3" }), 1, text);
  assert.equal(s("sealpost_tls_handshakes_total", { protocol: "imap", tls_version: "TLSv1.2" }), 1, text);
  assert.equal(s("sealpost_tls_handshakes_total", { protocol: "imap", tls_version: "TLSv1.3" }), 1, text);
  assert.equal(s("sealpost_tls_handshakes_total", { protocol: "smtp", tls_version: "TLSv1.3" }), 1, text);
  assert.equal(s("sealpost_tls_refused_total", { protocol: "imap", offered_version: "TLSv1.1" }), 1, text);
  assert.equal(s("sealpost_tls_refused_total", { protocol: "smtp", offered_version: "TLSv1" }), 1, text);
  assert.equal(s("sealpost_logins_total", { protocol: "imap", result: "ok" }), 1, text);
  assert.equal(s("sealpost_logins_total", { protocol: "imap", result: "failed" }), 1, text);
  assert.equal(s("sealpost_logins_total", { protocol: "imap", result: "throttled" }), 0, text);
  assert.equal(s("sealpost_logins_total", { protocol: "submission", result: "ok" }), 1, text);
  assert.equal(s("sealpost_messages_in_total", { protocol: "smtp" }), 1, text);
  assert.equal(s("sealpost_messages_in_total", { protocol: "submission" }), 1, text);
  assert.equal(s("sealpost_messages_out_total"), 0, text);
  // The submitted message waits in the queue for its retry.
  assert.equal(s("sealpost_queue_messages"), 1, text);
  assert.ok((s("sealpost_queue_oldest_age_seconds") ?? -1) >= 0, text);
  // `sealpost init` made a certificate valid for 825 days.
  const days = s("sealpost_certificate_days_left", { name: "mx.sealpost.test", key_type: "ECDSA P-256" });
  assert.ok(days !== undefined && days > 823 && days <= 825, `certificate days left: ${days}\n${text}`);
  // Memory and event-loop lag: prom-client's default metrics, on this registry.
  assert.ok((s("process_resident_memory_bytes") ?? 0) > 0, text);
  assert.ok(s("nodejs_eventloop_lag_seconds") !== undefined, text);
  assert.match(text, /^# HELP sealpost_sessions_total /m);
  // No addresses or user names in any label.
  assert.doesNotMatch(text, /127\.0\.0\.1|alice|example\.test|remote\.test/);
});

test("the metrics listener binds 127.0.0.1 and answers only GET /metrics", () => {
  const said = h.log().split("\n").flatMap((l) => (l.startsWith("{") ? [(JSON.parse(l) as { msg?: string }).msg] : []));
  assert.ok(said.includes(`metrics listening on 127.0.0.1:${h.ports.metrics}`), said.join("\n"));
  assert.notEqual(h.ports.metrics, undefined);
  for (const path of ["/", "/metrics/", "/favicon.ico", "/debug"]) assert.equal(curl(path).status, 404, path);
  assert.equal(curl("/metrics?name[]=x").status, 200);
  const post = curl("/metrics", "-X", "POST", "-D", "-");
  assert.equal(post.status, 405);
  assert.match(post.body, /^Allow: GET, HEAD\r?$/im);
});

test("init keeps the metrics listener on loopback whatever --listen says, and maps it with --port-base", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-metrics-init-"));
  try {
    const r = runCli(dir, ["init", "--hostname", "mx.metrics.test", "--listen", "0.0.0.0", "--port-base", "10000"]);
    assert.equal(r.status, 0, r.stderr);
    const toml = readFileSync(join(dir, "sealpost.toml"), "utf8");
    const section = /^\[listeners\.metrics\]\n([\s\S]*?)(?=^\[)/m.exec(toml)?.[1] ?? "";
    assert.match(section, /^address = "127\.0\.0\.1"$/m, toml);
    assert.match(section, /^port = 19225$/m, toml);
    assert.match(section, /^enabled = true$/m, toml);
    const imaps = /^\[listeners\.imaps\]\n([\s\S]*?)(?=^\[)/m.exec(toml)?.[1] ?? "";
    assert.match(imaps, /^address = "0\.0\.0\.0"$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
