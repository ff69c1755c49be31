/**
 * `sealpost history`: POP3 logins as the login history shows them — successful, failed, for an
 * unknown account (same reply), refused in plaintext, rate-limited — and a refused TLS 1.0
 * handshake from an address the account used, attributed to the account's device, with a hint.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEntry } from "../src/audit/index.ts";
import { eventually, startSealpost, type ServerHandle } from "./harness.ts";
import { plainB64, RawPop3 } from "./pop3-raw.ts";
import { permissiveOpensslConf, runTool } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";
const FAILED = "-ERR [AUTH] Authentication failed.";

interface History {
  address: string;
  since: string;
  entries: HistoryEntry[];
}

function history(h: ServerHandle, address: string): History {
  const r = h.cli(["history", address, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as History;
}

/** The TLS version and cipher the client side negotiated. */
function tlsOf(c: RawPop3): { version: string; cipher: string } {
  const t = c.tls;
  assert.ok(t !== null);
  return { version: t.getProtocol() ?? "?", cipher: t.getCipher().standardName };
}

test("history --json shows ok, failed and plaintext-refused POP3 logins and the refused TLS 1.0 handshake of the account's device", async () => {
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: PW }],
    settings: { auth: "failure_delay_ms = 50" },
  });
  try {
    // 1. A successful login over implicit TLS.
    const { c: ok } = await RawPop3.open(h.ports.pop3s, { tls: true });
    assert.equal(await ok.login(ALICE, PW), "+OK Logged in.");
    const okTls = tlsOf(ok);
    await ok.quit();

    // 2. A wrong password after STLS, and 3. an unknown account: the same reply.
    const { c: bad } = await RawPop3.open(h.ports.pop3);
    await bad.stls();
    const badTls = tlsOf(bad);
    const wrongPassword = await bad.login(ALICE, "not-the-password");
    await bad.quit();
    const { c: unknown } = await RawPop3.open(h.ports.pop3s, { tls: true });
    const unknownAccount = await unknown.command(`AUTH PLAIN ${plainB64("nobody@example.test", PW)}`);
    await unknown.quit();
    assert.equal(wrongPassword, FAILED);
    assert.equal(unknownAccount, FAILED);

    // 4. USER in plaintext.
    const { c: plain } = await RawPop3.open(h.ports.pop3);
    assert.equal(await plain.command(`USER ${ALICE}`), "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    await plain.quit();

    // 5. The same address, now with a client limited to TLS 1.0.
    const s = await runTool("/usr/bin/openssl", ["s_client", "-connect", `127.0.0.1:${h.ports.pop3s}`, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0", "-ign_eof"], {
      input: "QUIT\n",
      timeoutMs: 15_000,
      env: { OPENSSL_CONF: permissiveOpensslConf() },
    });
    assert.notEqual(s.status, 0, s.stdout + s.stderr);
    assert.match(s.stderr, /alert protocol version|SSL alert number 70/, s.stderr);

    const hist = await eventually(() => {
      const x = history(h, ALICE);
      return x.entries.length >= 4 && x.entries.some((e) => e.kind === "refused-handshake") ? x : undefined;
    }, 5000, "four history entries including the refused handshake");
    assert.equal(hist.address, ALICE);
    const e = hist.entries;
    assert.deepEqual(
      e.map((x) => `${x.kind}/${x.result}`),
      ["refused-handshake/refused", "login/refused", "login/failed", "login/ok"],
      JSON.stringify(e, null, 1),
    );
    const times = e.map((x) => Date.parse(x.time));
    assert.deepEqual([...times].sort((a, b) => b - a), times, "newest first");
    for (const x of e) {
      assert.equal(x.protocol, "pop3");
      assert.equal(x.clientIp, "127.0.0.1");
    }
    const [handshake, refused, failed, success] = e as [HistoryEntry, HistoryEntry, HistoryEntry, HistoryEntry];

    assert.equal(success.port, h.ports.pop3s);
    assert.equal(success.mechanism, "USER");
    assert.deepEqual({ v: success.tlsVersion, c: success.tlsCipher }, { v: okTls.version, c: okTls.cipher });
    assert.match(success.tlsVersion ?? "", /^TLSv1\.[23]$/);
    assert.deepEqual([success.reason, success.legacy, success.hint, success.attribution], [null, false, null, null]);

    assert.equal(failed.port, h.ports.pop3);
    assert.equal(failed.reason, "wrong password");
    assert.deepEqual({ v: failed.tlsVersion, c: failed.tlsCipher }, { v: badTls.version, c: badTls.cipher });
    assert.equal(failed.legacy, false);

    assert.equal(refused.port, h.ports.pop3);
    assert.equal(refused.mechanism, "USER");
    assert.match(refused.reason ?? "", /plaintext|no TLS/i);
    assert.deepEqual([refused.tlsVersion, refused.tlsCipher, refused.legacy], [null, null, true]);
    assert.match(refused.hint ?? "", /without encryption/);

    assert.equal(handshake.port, h.ports.pop3s);
    assert.equal(handshake.offeredMax, "TLSv1");
    assert.equal(handshake.legacy, true);
    assert.deepEqual([handshake.tlsVersion, handshake.tlsCipher], [null, null]);
    assert.match(handshake.reason ?? "", /TLS 1\.0/);
    assert.match(handshake.attribution ?? "", /^probably this account's device: 127\.0\.0\.1 /);
    assert.match(handshake.hint ?? "", /TLS 1\.0/);
    // The unknown account's attempt is not in alice's history.
    assert.ok(!JSON.stringify(hist).includes("nobody"), JSON.stringify(hist));

    // The human-readable form marks the legacy entries.
    const human = h.cli(["history", ALICE]);
    assert.equal(human.status, 0, human.stderr);
    const lines = human.stdout.split("\n");
    const hsLine = lines.findIndex((l) => l.includes("offered at most TLSv1"));
    assert.ok(hsLine > 0, human.stdout);
    assert.match(lines[hsLine] ?? "", new RegExp(`^LEGACY .* pop3:${h.ports.pop3s} +127\\.0\\.0\\.1 .*TLS handshake refused`));
    assert.match(lines.slice(hsLine + 1, hsLine + 3).join("\n"), /probably this account's device[\s\S]*TLS 1\.0/);
    assert.ok(lines.some((l) => /^LEGACY .*no TLS +USER refused/.test(l)), human.stdout);
    const okLine = lines.find((l) => l.includes(`${okTls.version} ${okTls.cipher}`) && / ok$/.test(l));
    assert.ok(okLine !== undefined && !okLine.startsWith("LEGACY"), human.stdout);

    // An account that does not exist: status 2 and one line.
    const none = h.cli(["history", "nobody@example.test"]);
    assert.equal(none.status, 2, none.stderr);
    assert.equal(none.stdout, "");
    assert.deepEqual(none.stderr.trimEnd().split("\n").length, 1, none.stderr);
    assert.match(none.stderr, /nobody@example\.test/);
  } finally {
    await h.cleanup();
  }
});

test("rate limit: after 3 failures from the address the 4th attempt gets [LOGIN-DELAY] even with the right password", async () => {
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: PW }],
    settings: { auth: "failure_delay_ms = 50\nmax_failures_per_ip = 3" },
  });
  try {
    const { c } = await RawPop3.open(h.ports.pop3s, { tls: true });
    for (let i = 0; i < 3; i++) assert.equal(await c.login(ALICE, `wrong-${i}`), FAILED, `attempt ${i + 1}`);
    assert.match(await c.login(ALICE, PW), /^-ERR \[LOGIN-DELAY\] /);
    assert.match(await c.command("STAT"), /^-ERR /, "not logged in");
    await c.quit();
    // A new connection from the same address is limited too, also with AUTH PLAIN.
    const { c: again } = await RawPop3.open(h.ports.pop3s, { tls: true });
    assert.match(await again.command(`AUTH PLAIN ${plainB64(ALICE, PW)}`), /^-ERR \[LOGIN-DELAY\] /);
    await again.quit();

    // The two refused attempts are one entry that counts them (one per address and window).
    const hist = await eventually(() => {
      const x = history(h, ALICE);
      return x.entries.length >= 4 && x.entries[0]?.attempts === 2 ? x : undefined;
    }, 5000, "three failures and one entry for two refusals");
    const results = hist.entries.map((x) => `${x.result}×${x.attempts}`);
    assert.deepEqual(results, ["refused×2", "failed×1", "failed×1", "failed×1"], JSON.stringify(hist.entries, null, 1));
    const [refused] = hist.entries;
    assert.ok(refused !== undefined);
    assert.match(refused.reason ?? "", /rate limit/);
    assert.equal(refused.throttled, "2 sign-ins from 127.0.0.1 refused without a password check, after 3 failed sign-ins from 127.0.0.1 within 5 minutes");
    assert.equal(refused.port, h.ports.pop3s);
    assert.match(refused.tlsVersion ?? "", /^TLSv1\.[23]$/);
    // The entry carries the first refused attempt's mechanism.
    assert.deepEqual(hist.entries.map((x) => x.mechanism), ["USER", "USER", "USER", "USER"]);
    assert.ok(hist.entries.every((x) => x.result !== "ok"));
  } finally {
    await h.cleanup();
  }
});
