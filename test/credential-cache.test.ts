/**
 * The cache of verified credentials (issue 13, src/auth/credential-cache.ts) seen from outside:
 * a second IMAP sign-in with the same password is answered from the cache (the log says so),
 * and a password changed with `sealpost user passwd` — another process, writing the database —
 * refuses the old password over IMAP at once, as does `sealpost user set --disabled on`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";
const NEW_PW = "alice-new-password-2";
let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: PW }],
    settings: { auth: "failure_delay_ms = 50\ncredential_cache_ttl = 3600" },
  });
});
after(async () => {
  await h.cleanup();
});

/** imaplib over IMAPS: LOGIN with each password in turn on a fresh connection; prints OK or NO per attempt. */
function logins(passwords: readonly string[]): string[] {
  const out = python(`
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
for pw in ${JSON.stringify(passwords)}:
    m = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx)
    try:
        m.login("${ALICE}", pw); print("OK"); m.logout()
    except imaplib.IMAP4.error as e:
        print("NO", e); m.shutdown()
`);
  return out.trim().split("\n").map((l) => l.split(" ")[0] ?? "");
}

interface LogLine {
  msg?: string;
  account?: string;
  cached?: boolean;
}

/** Whether each successful sign-in of Alice's so far was answered from the cache (`n` of them, once logged). */
function cachedSignIns(n: number): Promise<boolean[]> {
  // python() blocks this process, so the server's log lines arrive after it returns.
  return eventually(() => {
    const lines = signIns();
    return lines.length >= n ? lines.map((l) => l.cached === true) : undefined;
  }, 5000, `${n} sign-in lines:\n${h.log()}`);
}

function signIns(): LogLine[] {
  return h
    .log()
    .split("\n")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    })
    .filter((l) => l.msg === "sign-in ok" && l.account === ALICE);
}

test("a sign-in is answered from the cache; a password changed by the CLI is refused over IMAP at once", async () => {
  assert.deepEqual(logins([PW, PW]), ["OK", "OK"]);
  assert.deepEqual(await cachedSignIns(2), [false, true], h.log());

  const passwd = h.cli(["user", "passwd", ALICE], `${NEW_PW}\n`);
  assert.equal(passwd.status, 0, passwd.stderr);
  assert.deepEqual(logins([PW, NEW_PW, NEW_PW]), ["NO", "OK", "OK"]);
  assert.deepEqual(await cachedSignIns(4), [false, true, false, true], "the new password verified once, then cached");

  const disable = h.cli(["user", "set", ALICE, "--disabled", "on"]);
  assert.equal(disable.status, 0, disable.stderr);
  assert.deepEqual(logins([NEW_PW]), ["NO"]);
  const enable = h.cli(["user", "set", ALICE, "--disabled", "off"]);
  assert.equal(enable.status, 0, enable.stderr);
  assert.deepEqual(logins([NEW_PW]), ["OK"]);
  assert.deepEqual(await cachedSignIns(5), [false, true, false, true, false], "dropped on disable: a full check after it");
});
