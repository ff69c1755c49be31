/**
 * A full data disk (issue 9, finding 6): the server's data directory on a small tmpfs, filled by
 * delivering until the server refuses. Refusals are `452 4.3.1` (at MAIL with a SIZE that would not
 * fit, at the end of DATA, on submission) and IMAP APPEND gets `NO [OVERQUOTA]`, before the disk is
 * actually full; every message that got 250 is in the mailbox; the server takes mail again once
 * space is freed. And when another process fills the disk under a transaction (the floor not yet
 * reached), the write's ENOSPC also answers 452 4.3.1, not 451, and leaves no partial file; IMAP
 * COPY and APPEND below the floor get NO [OVERQUOTA]. And every other IMAP write (STORE, CREATE)
 * on a full disk gets NO [OVERQUOTA] too (issue 10: one error table per protocol).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statfsSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listMessages } from "../src/store/index.ts";
import { prepareDataDir, python, startServer, type ServerHandle } from "./harness.ts";
import { readMailboxText } from "./mailbox.ts";
import { openDataDir } from "./support/postgres.ts";

const MB = 1024 * 1024;
const ALICE = "alice@example.test";
const ALICE_PW = "alice-password";

/** A data directory (init, domain, account, settings) moved onto a fresh tmpfs of `sizeMb`. */
function dataDirOnTmpfs(sizeMb: number, settings: Record<string, string>): string {
  // The database on the full file system too: SQLite's, whatever the run (PostgreSQL's disk is its own).
  const prepared = prepareDataDir({ sqlite: true, domains: [{ name: "example.test" }], users: [{ address: ALICE, password: ALICE_PW }], settings });
  const mnt = mkdtempSync(join(tmpdir(), "sealpost-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", mnt]);
  execFileSync("cp", ["-a", `${prepared}/.`, mnt]);
  rmSync(prepared, { recursive: true, force: true });
  return mnt;
}

async function removeTmpfs(h: ServerHandle | undefined, mnt: string): Promise<void> {
  await h?.stop("SIGKILL");
  execFileSync("umount", [mnt]);
  rmSync(mnt, { recursive: true, force: true });
}

const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Blob files on disk, and the blob names rows refer to: equal when nothing is left over. */
async function blobsOnDiskAndInRows(dataDir: string): Promise<{ disk: string[]; rows: string[] }> {
  const disk = readdirSync(join(dataDir, "blobs"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath.slice(join(dataDir, "blobs").length + 1)}/${e.name}`);
  const store = await openDataDir(dataDir);
  try {
    const account = await store.db.selectFrom("accounts").select("id").where("address", "=", ALICE).executeTakeFirstOrThrow();
    const rows = (await listMessages(store.db, account.id)).map((m) => m.blob);
    return { disk: disk.sort(), rows: [...new Set(rows)].sort() };
  } finally {
    await store.close();
  }
}

/** Python's smtplib, imaplib and ssl with the settings in the environment; `out` is printed as JSON. */
function py(h: ServerHandle, code: string, extraEnv: Record<string, string> = {}): Record<string, unknown> {
  const prelude = `
import imaplib, json, os, smtplib, ssl, time
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
def message(subject, size):
    body = ("x" * 76 + "\\r\\n") * (size // 78)
    return ("From: <sender@remote.test>\\r\\nTo: <${ALICE}>\\r\\nSubject: " + subject + "\\r\\n\\r\\n" + body).encode()
def reply(code, msg): return [code, msg.decode("latin1") if isinstance(msg, bytes) else str(msg)]
def send_until_accepted(helo, subject, size):
    # A refusal rests on a free-space reading at most a second old: retry for a while.
    deadline = time.time() + 15
    while True:
        try:
            s = smtplib.SMTP("127.0.0.1", int(e["MX"]), local_hostname=helo, timeout=30)
            s.sendmail("sender@remote.test", [e["ALICE"]], message(subject, size))
            s.quit()
            return "accepted"
        except smtplib.SMTPSenderRefused as x:
            if time.time() > deadline:
                return reply(x.smtp_code, x.smtp_error)
            time.sleep(0.2)
`;
  const env = { MX: String(h.ports.mx), SUB: String(h.ports.submission), IMAPS: String(h.ports.imaps), ALICE, ALICE_PW, ...extraEnv };
  return JSON.parse(python(`${prelude}\n${code}\nprint(json.dumps(out))`, env)) as Record<string, unknown>;
}

describe("the free-space floor", () => {
  let mnt: string;
  let h: ServerHandle;
  let filler: string;

  before(async () => {
    // 4 MB kept free; MAIL wants room for 1.5 × the message (SIZE, else the 1 MB limit) on top.
    mnt = dataDirOnTmpfs(16, { store: "min_free_space = 4", smtp: "max_message_size = 1048576" });
    // Space someone else uses, freed later to show the server recovers.
    filler = join(mnt, "filler.bin");
    writeFileSync(filler, Buffer.alloc(3 * MB, 1));
    h = await startServer(mnt);
  });
  after(async () => {
    await removeTmpfs(h, mnt);
  });

  test("deliver until refused: 452 4.3.1 at MAIL, at the end of DATA, on submission, NO [OVERQUOTA] on APPEND; nothing acknowledged is lost; taken again once space is freed", async () => {
    const filled = py(h, `
s = smtplib.SMTP("127.0.0.1", int(e["MX"]), local_hostname="filler.client.test", timeout=30)
accepted = []
for i in range(200):
    subject = "fill-%03d" % i
    try:
        s.sendmail("sender@remote.test", [e["ALICE"]], message(subject, 300 * 1024))  # smtplib declares SIZE
        accepted.append(subject)
    except smtplib.SMTPSenderRefused as x:
        out["refused"] = ["mail"] + reply(x.smtp_code, x.smtp_error)
        break
    except smtplib.SMTPDataError as x:
        out["refused"] = ["data"] + reply(x.smtp_code, x.smtp_error)
        break
out["accepted"] = accepted
s.rset()
# A SIZE that fits, then a message that does not: refused at the end of DATA.
out["mailSmall"] = reply(*s.docmd("MAIL", "FROM:<sender@remote.test> SIZE=1000"))
out["rcpt"] = reply(*s.docmd("RCPT", "TO:<" + e["ALICE"] + ">"))
out["data"] = reply(*s.docmd("DATA"))
s.send(message("too-big-for-now", 900 * 1024) + b"\\r\\n.\\r\\n")
out["endOfData"] = reply(*s.getreply())
s.quit()
# Submission: authenticated, same answer.
sub = smtplib.SMTP("127.0.0.1", int(e["SUB"]), local_hostname="user.client.test", timeout=30)
sub.starttls(context=ctx)
sub.login(e["ALICE"], e["ALICE_PW"])
try:
    sub.sendmail(e["ALICE"], [e["ALICE"]], message("submitted", 900 * 1024))  # cannot fit, however the WAL breathes
    out["submission"] = "accepted"
except smtplib.SMTPSenderRefused as x:
    out["submission"] = reply(x.smtp_code, x.smtp_error)
sub.quit()
# IMAP APPEND of a message that does not fit above the floor.
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx)
M.login(e["ALICE"], e["ALICE_PW"])
out["append"] = reply(*M.append("INBOX", None, None, message("appended", 900 * 1024)))
M.logout()
`);
    const accepted = filled.accepted as string[];
    assert.ok(accepted.length >= 10, `some messages fit first (${accepted.length})`);
    const [stage, code, text] = filled.refused as [string, number, string];
    assert.deepEqual([stage, code], ["mail", 452], `refused at MAIL with 452: ${text}`);
    assert.match(text, /^4\.3\.1 Insufficient system storage/);
    // Refused before the disk is full: about the floor is still free (SQLite's WAL is counted per reading).
    assert.ok(freeBytes(mnt) > 3.5 * MB, `${freeBytes(mnt)} bytes free`);
    assert.deepEqual(filled.mailSmall, [250, "2.1.0 Ok"]);
    assert.equal((filled.rcpt as [number])[0], 250);
    assert.equal((filled.data as [number])[0], 354);
    assert.deepEqual(filled.endOfData, [452, "4.3.1 Insufficient system storage"]);
    assert.deepEqual(filled.submission, [452, "4.3.1 Insufficient system storage"]);
    assert.equal((filled.append as [string, string[]])[0], "NO");
    assert.match(String(filled.append), /\[OVERQUOTA\] Not enough disk space/);

    // Every message that got 250 is in the mailbox, complete and once; no file is left over.
    const stored = (await readMailboxText(mnt, ALICE)).map((m) => /^Subject: (\S+)\r$/m.exec(m)?.[1] ?? "?");
    assert.deepEqual(stored, accepted);
    const { disk, rows } = await blobsOnDiskAndInRows(mnt);
    assert.deepEqual(disk, rows, "no file of a refused message is left");

    // Space is freed (by someone else): within the reading's lifetime the server takes mail again.
    unlinkSync(filler);
    const again = py(h, `
out["mx"] = send_until_accepted("later.client.test", "after-space-freed", 300 * 1024)
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx)
M.login(e["ALICE"], e["ALICE_PW"])
out["append"] = reply(*M.append("INBOX", None, None, message("appended-later", 300 * 1024)))[0]
M.logout()
`);
    assert.equal(again.mx, "accepted");
    assert.equal(again.append, "OK");
    assert.match(h.log(), /storage: refusing new mail/);
    assert.match(h.log(), /storage: accepting mail again/);
  });
});

describe("ENOSPC before the floor is reached", () => {
  let mnt: string;
  let h: ServerHandle;

  before(async () => {
    // One free-space reading serves a minute: another process can fill the disk behind it.
    mnt = dataDirOnTmpfs(8, { store: "min_free_space = 1\nfree_space_cache_ms = 60000", smtp: "max_message_size = 1048576" });
    h = await startServer(mnt);
  });
  after(async () => {
    await removeTmpfs(h, mnt);
  });

  test("a write that fails with ENOSPC answers 452 4.3.1 (not 451) and leaves no partial file; COPY and APPEND get NO [OVERQUOTA]; freed space is seen", async () => {
    const first = py(h, `
s = smtplib.SMTP("127.0.0.1", int(e["MX"]), local_hostname="first.client.test", timeout=30)
s.sendmail("sender@remote.test", [e["ALICE"]], message("before-the-disk-filled", 10 * 1024))
s.quit()
`);
    assert.deepEqual(first, {});
    // Another process takes all but 100 KB; the server's reading still says megabytes are free.
    const filler = join(mnt, "filler.bin");
    writeFileSync(filler, Buffer.alloc(freeBytes(mnt) - 100 * 1024, 1));
    const full = py(h, `
s = smtplib.SMTP("127.0.0.1", int(e["MX"]), local_hostname="second.client.test", timeout=30)
try:
    s.sendmail("sender@remote.test", [e["ALICE"]], message("does-not-fit", 600 * 1024))
    out["reply"] = "accepted"
except smtplib.SMTPDataError as x:
    out["reply"] = reply(x.smtp_code, x.smtp_error)
s.quit()
`);
    assert.deepEqual(full.reply, [452, "4.3.1 Insufficient system storage"]);
    // The failed write dropped the reading; the next one sees the disk below the floor: COPY and
    // APPEND are refused too, before they write anything.
    const imap = py(h, `
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx)
M.login(e["ALICE"], e["ALICE_PW"])
M.select("INBOX")
out["copy"] = reply(*M.copy("1", "Archive"))
out["append"] = reply(*M.append("INBOX", None, None, message("small", 1024)))
M.logout()
`);
    assert.deepEqual(imap.copy, ["NO", "[b'[OVERQUOTA] Not enough disk space.']"]);
    assert.deepEqual(imap.append, ["NO", "[b'[OVERQUOTA] Not enough disk space.']"]);
    const { disk, rows } = await blobsOnDiskAndInRows(mnt);
    assert.equal(rows.length, 1);
    assert.deepEqual(disk, rows, "the partial file of the failed write is gone");

    // Space is freed: a refusal rests on a reading at most a second old, so mail is taken again.
    unlinkSync(filler);
    const later = py(h, `
out["mx"] = send_until_accepted("third.client.test", "fits-again", 600 * 1024)
`);
    assert.deepEqual(later, { mx: "accepted" });
    const stored = (await readMailboxText(mnt, ALICE)).map((m) => /^Subject: (\S+)\r$/m.exec(m)?.[1] ?? "?");
    assert.deepEqual(stored, ["before-the-disk-filled", "fits-again"]);
  });
});

describe("a full disk under other IMAP writes (issue 10: one error table)", () => {
  let mnt: string;
  let h: ServerHandle;

  before(async () => {
    mnt = dataDirOnTmpfs(8, { store: "min_free_space = 1\nfree_space_cache_ms = 60000" });
    h = await startServer(mnt);
  });
  after(async () => {
    await removeTmpfs(h, mnt);
  });

  test("STORE and CREATE on a full disk answer NO [OVERQUOTA], not NO [SERVERBUG]; they work again once space is freed", async () => {
    const first = py(h, `
s = smtplib.SMTP("127.0.0.1", int(e["MX"]), local_hostname="first.client.test", timeout=30)
s.sendmail("sender@remote.test", [e["ALICE"]], message("flag-me", 10 * 1024))
s.quit()
`);
    assert.deepEqual(first, {});
    const full = py(h, `
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx)
M.login(e["ALICE"], e["ALICE_PW"])
M.select("INBOX")
# Another process takes every free byte: the database's next write fails with SQLITE_FULL.
with open(e["FILLER"], "wb", buffering=0) as f:
    for chunk in (1024 * 1024, 4096):
        try:
            while True:
                f.write(b"\\1" * chunk)
        except OSError:
            pass
out["store"] = reply(*M.store("1", "+FLAGS", "(\\\\Flagged)"))
out["create"] = reply(*M.create("Projects"))
os.unlink(e["FILLER"])
out["storeAgain"] = reply(*M.store("1", "+FLAGS", "(\\\\Flagged)"))[0]
out["createAgain"] = reply(*M.create("Projects"))[0]
M.logout()
`, { MNT: mnt, FILLER: join(mnt, "filler.bin") });
    // Before the one table, STORE and CREATE answered NO [SERVERBUG] here (nobody mapped a full
    // store there, and SQLite's own rollback of the failed COMMIT hid SQLITE_FULL behind "cannot rollback").
    assert.deepEqual(full.store, ["NO", "[b'[OVERQUOTA] Not enough disk space.']"]);
    assert.deepEqual(full.create, ["NO", "[b'[OVERQUOTA] Not enough disk space.']"]);
    assert.deepEqual([full.storeAgain, full.createAgain], ["OK", "OK"]);
  });
});
