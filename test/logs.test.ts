/**
 * The process log as an operator reads it (issue 10): JSON lines on stderr, every line of a
 * connection with its session id, protocol, client address and — once signed in — the account;
 * and the same id in the login history and the TLS events, so a user's complaint leads to the
 * lines. Driven with Python's imaplib: an IMAP FETCH that fails inside the server (its message
 * file unreadable) is logged at error with the session id that `sealpost history --json` shows
 * for the sign-in of that connection; a wrong password is logged with the id of its history row;
 * no line carries a password.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import type { HistoryEntry } from "../src/audit/index.ts";
import { listAccounts } from "../src/directory/index.ts";
import { listMessages } from "../src/store/index.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { waitForMessage } from "./mailbox.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const PW = "alice-Secret-4711";
const WRONG = "not-alices-Secret-0815";

interface LogLine {
  level: string;
  time: string;
  msg: string;
  session?: string;
  proto?: string;
  client?: string;
  account?: string;
  reason?: string;
  err?: { message?: string; code?: string };
}

/** Every line the server wrote, each parsed as JSON (a line that is not JSON fails the test). */
function logLines(h: ServerHandle): LogLine[] {
  return h
    .log()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        assert.fail(`not a JSON log line: ${l}`);
      }
    });
}

function history(h: ServerHandle): HistoryEntry[] {
  const r = h.cli(["history", ALICE, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: HistoryEntry[] }).entries;
}

/** Makes the message's file unreadable as a file (a directory in its place): reading it fails with EISDIR. */
async function breakMessageFile(dataDir: string): Promise<void> {
  const store = await openDataDir(dataDir);
  try {
    const account = (await listAccounts(store.db)).find((a) => a.address === ALICE);
    assert.ok(account !== undefined);
    const [message] = await listMessages(store.db, account.id);
    assert.ok(message !== undefined, "the delivered message");
    const path = store.blobs.path(message.blob);
    rmSync(path);
    mkdirSync(path);
  } finally {
    await store.close();
  }
}

const IMAPLIB = `
import imaplib, json, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["PORT"]), ssl_context=ctx)
M.login(e["USER"], e["PW"])
M.select("INBOX")
typ, data = M.fetch("1", "(BODY[])")
out["fetch"] = [typ, [d.decode() if isinstance(d, bytes) else repr(d) for d in data]]
M.logout()
W = imaplib.IMAP4_SSL("127.0.0.1", int(e["PORT"]), ssl_context=ctx)
try:
    W.login(e["USER"], e["WRONG"])
    out["wrong"] = "OK?"
except imaplib.IMAP4.error as x:
    out["wrong"] = str(x)
W.logout()
print(json.dumps(out))
`;
import { openDataDir } from "./support/postgres.ts";

test("the JSON log of a failing IMAP command carries the session id that the login history shows; no line carries a password", async () => {
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: PW }],
    settings: { auth: "failure_delay_ms = 50" },
  });
  try {
    const smtp = await RawSmtp.open(h.ports.mx);
    const sent = await smtp.deliver({ from: "sender@remote.test", to: [ALICE], body: "Subject: LOGS-1\r\n\r\nhello\r\n", tls: true });
    assert.equal(sent.code, 250, sent.raw);
    await smtp.quit();
    await waitForMessage(h.dataDir, ALICE, "LOGS-1");
    // The message's log line names the id of its 250 reply (Postfix's "queued as").
    const queuedAs = /queued as ([0-9A-F]{16})/.exec(sent.raw)?.[1];
    assert.ok(queuedAs !== undefined, sent.raw);
    const accepted = logLines(h).find((l) => l.msg === "message accepted" && (l as { id?: string }).id === queuedAs);
    assert.ok(accepted !== undefined && accepted.proto === "smtp" && /^[0-9A-F]{16}$/.test(accepted.session ?? ""), h.log());
    await breakMessageFile(h.dataDir);

    const out = JSON.parse(python(IMAPLIB, { PORT: String(h.ports.imaps), USER: ALICE, PW, WRONG })) as { fetch: [string, string[]]; wrong: string };
    // What the user sees: a server-side failure (RFC 5530 SERVERBUG), no internal detail.
    assert.equal(out.fetch[0], "NO", JSON.stringify(out));
    assert.match(out.fetch[1].join(" "), /\[SERVERBUG\] Internal error/);
    assert.doesNotMatch(out.fetch[1].join(" "), /EISDIR|blobs/);
    assert.match(out.wrong, /AUTHENTICATIONFAILED/);

    // The operator's side: the failure at level error, on the connection's bound logger.
    const failure = await eventually(() => logLines(h).find((l) => l.level === "error" && l.proto === "imap" && /internal error/.test(l.msg)), 5000, () => `the internal error in the log:\n${h.log()}`);
    const session = failure.session ?? "";
    assert.match(session, /^[0-9A-F]{16}$/, JSON.stringify(failure));
    assert.equal(failure.client, "127.0.0.1");
    assert.equal(failure.account, ALICE, "the account is bound once signed in");
    assert.equal(failure.err?.code, "EISDIR", JSON.stringify(failure));

    // Every line of that connection carries its id: opened, signed in, the failure, closed.
    const lines = logLines(h).filter((l) => l.session === session);
    for (const msg of ["connection opened", "sign-in ok", "connection closed"]) {
      assert.ok(lines.some((l) => l.msg === msg), `"${msg}" for session ${session}:\n${h.log()}`);
    }
    assert.ok(lines.every((l) => l.proto === "imap" && l.client === "127.0.0.1"), JSON.stringify(lines));

    // The complaint's path: the same id on the sign-in in `sealpost history --json` and on the TLS event.
    const signIn = await eventually(() => history(h).find((e) => e.session === session), 5000, `a history entry for session ${session}`);
    assert.deepEqual([signIn.kind, signIn.result, signIn.protocol, signIn.port], ["login", "ok", "imap", h.ports.imaps]);
    const human = h.cli(["history", ALICE]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`imap:${h.ports.imaps} +127\\.0\\.0\\.1 +session ${session} `));
    const store = await openDataDir(h.dataDir);
    try {
      const tls = await eventually(() => store.db.selectFrom("tls_events").selectAll().where("session_id", "=", session).executeTakeFirst(), 5000, "the TLS event");
      assert.deepEqual([tls.outcome, tls.mode, tls.protocol], ["ok", "implicit", "imap"]);
    } finally {
      await store.close();
    }

    // The wrong password: logged with its session id (the typed user, never the password), and the same id in the history.
    const wrong = logLines(h).find((l) => l.msg === "sign-in failed");
    assert.ok(wrong?.session !== undefined, h.log());
    assert.notEqual(wrong.session, session);
    assert.equal(wrong.reason, "wrong password");
    const failedRow = await eventually(() => history(h).find((e) => e.session === wrong.session), 5000, "the failed sign-in's history entry");
    assert.deepEqual([failedRow.result, failedRow.reason], ["failed", "wrong password"]);

    // No secret ever reaches a line.
    assert.ok(!h.log().includes(PW), "the password is not logged");
    assert.ok(!h.log().includes(WRONG), "the wrong password is not logged");
  } finally {
    await h.cleanup();
  }
});
