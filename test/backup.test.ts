/**
 * Backups and mbox export/import end to end: `sealpost backup` of a running server while Python's
 * smtplib keeps delivering, `sealpost restore` into a new data directory, a second server on it,
 * and every message acknowledged before the backup began read back over IMAP byte for byte; an
 * account with several mailboxes and flags exported and imported into another, compared over IMAP.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, NODE, python, runCli, startServer, startSealpost, type ServerHandle } from "./harness.ts";
import { imapDump, type DumpedMessage } from "./support/imap-dump.ts";

const ALICE = "alice@example.test";
const CAROL = "carol@example.test";
const DAVE = "dave@example.test";
const PW = "backup-test-password";

let h: ServerHandle;
const scratch = mkdtempSync(join(tmpdir(), "sealpost-backup-test-"));

before(async () => {
  h = await startSealpost({
    // backup and restore copy a SQLite database; a PostgreSQL store is refused (test/cluster.test.ts).
    sqlite: true,
    domains: [{ name: "example.test" }],
    users: [ALICE, CAROL, DAVE].map((address) => ({ address, password: PW })),
    settings: { auth: "failure_delay_ms = 50" },
  });
});

after(async () => {
  await h.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** The message the delivery loop sends as number `i` (mirrors the Python below). */
function loopMessage(i: number): Buffer {
  return Buffer.from(
    `From: loop@remote.test\r\nTo: ${ALICE}\r\nSubject: during backup ${i}\r\nMessage-ID: <loop-${i}@remote.test>\r\n\r\nmessage ${i}\r\nFrom the loop, line two\r\n${"x".repeat((i * 37) % 5000)}\r\n`,
  );
}

const LOOP = `
import os, smtplib, sys
port, stop = int(sys.argv[1]), sys.argv[2]
i = 0
while not os.path.exists(stop):
    s = smtplib.SMTP("127.0.0.1", port)
    for _ in range(20):
        i += 1
        body = ("From: loop@remote.test\\r\\nTo: ${ALICE}\\r\\nSubject: during backup %d\\r\\nMessage-ID: <loop-%d@remote.test>\\r\\n\\r\\nmessage %d\\r\\nFrom the loop, line two\\r\\n%s\\r\\n" % (i, i, i, "x" * ((i * 37) % 5000))).encode()
        s.sendmail("loop@remote.test", ["${ALICE}"], body)
        print("ACK %d" % i, flush=True)
    s.quit()
print("DONE", flush=True)
`;

const messageId = (m: DumpedMessage): string => /^Message-ID: <([^>]*)>/im.exec(m.bytes.toString("latin1"))?.[1] ?? "";

test("backup while mail arrives; restore into a new directory; every message acknowledged before the backup reads back over IMAP", async () => {
  const stop = join(scratch, "stop-loop");
  const acked: number[] = [];
  const loop = spawn("python3", ["-c", LOOP, String(h.ports.mx), stop], { stdio: ["ignore", "pipe", "pipe"] });
  let loopErr = "";
  loop.stderr.on("data", (b: Buffer) => (loopErr += b.toString()));
  let pending = "";
  let done = false;
  const exited = new Promise<number | null>((res) => loop.once("exit", res));
  loop.stdout.on("data", (b: Buffer) => {
    pending += b.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const l of lines) {
      const m = /^ACK (\d+)$/.exec(l);
      if (m !== null) acked.push(Number(m[1]));
      if (l === "DONE") done = true;
    }
  });
  try {
    // Some mail in the store first, and the loop still sending while the backup runs.
    while (acked.length < 30) {
      assert.equal(loop.exitCode, null, `delivery loop ended early: ${loopErr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = [...acked];
    const dest = join(scratch, "backup-1");
    const backup = await new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      const p = spawn(NODE, [CLI, "backup", dest, "--data", h.dataDir], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
      p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      p.once("exit", (status) => res({ status, stdout, stderr }));
    });
    assert.equal(backup.status, 0, backup.stderr);
    assert.match(backup.stdout, /^backup in .*backup-1: database \(\d{4}_\w+\), \d+ message files/);
    assert.deepEqual(existsSync(join(h.dataDir, "sweep-holds")) ? readdirSync(join(h.dataDir, "sweep-holds")) : [], [], "the sweep hold is released");
    const manifest = JSON.parse(readFileSync(join(dest, "manifest.json"), "utf8")) as { blobs: { count: number }; files: string[] };
    assert.ok(manifest.blobs.count >= before.length);
    assert.ok(manifest.files.includes("sealpost.toml"));
    assert.ok(manifest.files.some((f) => f.startsWith("certs/") && f.endsWith(".key")));
    writeFileSync(stop, "");
    assert.equal(await exited, 0, loopErr);
    assert.ok(done);

    // Restore refuses an existing data directory, with one line and status 2.
    const refused = runCli(h.dataDir, ["restore", dest]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^sealpost: data directory .* is not empty; refusing to overwrite it\n$/);
    const target = join(scratch, "restored", "data");
    const restored = runCli(target, ["restore", dest]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stdout, /^restored the backup of .* into .*restored\/data: \d+ message files/);

    const copy = await startServer(target);
    try {
      const original = imapDump(h.ports.imaps, ALICE, PW).INBOX ?? [];
      const back = imapDump(copy.ports.imaps, ALICE, PW).INBOX ?? [];
      const originalById = new Map(original.map((m) => [messageId(m), m]));
      const backById = new Map(back.map((m) => [messageId(m), m]));
      for (const i of before) {
        const got = backById.get(`loop-${i}@remote.test`);
        assert.ok(got !== undefined, `message ${i} (acknowledged before the backup) is in the restored INBOX`);
        assert.ok(got.bytes.equals(originalById.get(`loop-${i}@remote.test`)?.bytes ?? Buffer.alloc(0)), `message ${i} byte for byte as the original server has it`);
        assert.ok(got.bytes.subarray(got.bytes.length - loopMessage(i).length).equals(loopMessage(i)), `message ${i} ends with the bytes sent`);
      }
      // Nothing in the copy that the original does not have, and no message twice.
      assert.equal(backById.size, back.length);
      for (const m of back) assert.ok(m.bytes.equals(originalById.get(messageId(m))?.bytes ?? Buffer.alloc(0)));
      assert.ok(back.length <= acked.length);
    } finally {
      await copy.cleanup();
    }
  } finally {
    writeFileSync(stop, "");
    if (loop.exitCode === null) await exited;
  }
});

/** IMAP APPENDs (with flags and a date) and mailboxes for CAROL, through imaplib. */
const SETUP = `
import imaplib, os, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["PORT"]), ssl_context=ctx)
m.login("${CAROL}", "${PW}")
for name in ("Projects", "Archive/2026"):
    assert m.create(name)[0] == "OK"
def add(box, flags, date, body):
    typ, data = m.append(box, flags, date, body.encode())
    assert typ == "OK", data
add("INBOX", r"(\\Seen)", '"02-Mar-2026 10:00:00 +0000"', "From: a@remote.test\\r\\nSubject: plain\\r\\n\\r\\nHello\\r\\n")
add("INBOX", r"(\\Flagged \\Answered $Forwarded)", '"03-Mar-2026 11:30:15 +0100"',
    "From: b@remote.test\\r\\nSubject: tricky lines\\r\\n\\r\\nFrom the top of a line\\r\\n>From quoted already\\r\\n>>From twice\\r\\nFrom \\r\\n\\r\\n")
add("Projects", r"(\\Seen \\Draft work later)", '"04-Mar-2026 08:00:00 -0500"', "From: c@remote.test\\r\\nSubject: project\\r\\n\\r\\nbody\\r\\n")
add("Projects", None, '"05-Mar-2026 09:00:00 +0000"', "Status: O\\r\\nX-Sealpost-Mailbox: not ours\\r\\nSubject: headers that look like ours\\r\\n\\r\\nx\\r\\n")
add("Archive/2026", r"(\\Deleted \\Seen)", '"06-Mar-2026 23:59:59 +0000"', "From: d@remote.test\\r\\nSubject: archived\\r\\n\\r\\nold\\r\\n")
m.logout()
`;

test("export an account with several mailboxes and flags to mbox, import it into another, and IMAP shows the same mail", () => {
  python(SETUP, { PORT: String(h.ports.imaps) });
  const file = join(scratch, "carol.mbox");
  const exported = h.cli(["export", CAROL, file]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^exported 5 messages \([\d.]+ MB\) from 8 mailboxes of carol@example\.test to /);
  const mbox = readFileSync(file, "latin1");
  assert.equal(mbox.match(/^From /gm)?.length, 5);
  assert.ok(mbox.includes("\r\n>From the top of a line\r\n>>From quoted already\r\n>>>From twice\r\n>From \r\n"));
  assert.match(mbox, /^X-Sealpost-Mailbox: Archive\/2026\r$/m);

  const refused = h.cli(["export", CAROL, file]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /exists already; refusing to overwrite it\n$/);

  const imported = h.cli(["import", DAVE, file]);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /^imported 5 messages into dave@example\.test \(created Archive\/2026, Projects\)\n$/);

  const carol = imapDump(h.ports.imaps, CAROL, PW);
  const dave = imapDump(h.ports.imaps, DAVE, PW);
  assert.deepEqual(Object.keys(dave).sort(), Object.keys(carol).sort());
  const view = (msgs: DumpedMessage[]): Array<{ flags: string[]; date: string; bytes: string }> =>
    msgs.map((m) => ({ flags: m.flags.filter((f) => f !== "\\Recent").sort(), date: m.internalDate, bytes: m.bytes.toString("base64") }));
  let count = 0;
  for (const [name, msgs] of Object.entries(carol)) {
    assert.deepEqual(view(dave[name] ?? []), view(msgs), `mailbox ${name}: same bytes, flags and dates in the same order`);
    count += msgs.length;
  }
  assert.equal(count, 5);
  assert.deepEqual(carol["Projects"]?.[1]?.bytes.toString(), "Status: O\r\nX-Sealpost-Mailbox: not ours\r\nSubject: headers that look like ours\r\n\r\nx\r\n");
});
