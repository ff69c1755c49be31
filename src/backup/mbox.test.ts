import { test } from "node:test";
import assert from "node:assert/strict";
import { asctime, mboxEntry, MboxError, MboxReader, parseFromLineDate, type MboxMessage } from "./mbox.ts";

const T = Date.UTC(2026, 11, 6, 17, 2, 44);

function write(msgs: readonly MboxMessage[]): Buffer {
  return Buffer.concat(msgs.flatMap((m) => mboxEntry(m)));
}

/** Reads `file` in chunks of `size` bytes (1 splits every line, "From " and CRLF included). */
function read(file: Buffer, size: number, max = 1 << 20): ReturnType<MboxReader["end"]> {
  const r = new MboxReader(max);
  const out = [];
  for (let i = 0; i < file.length; i += size) out.push(...r.push(file.subarray(i, i + size)));
  out.push(...r.end());
  return out;
}

const TRICKY = Buffer.from(
  [
    "From: someone@remote.test",
    "Subject: lines that look like separators",
    "",
    "From the start of a line, this would split a plain mbox.",
    ">From an already quoted line",
    ">>From twice quoted",
    "From:not a separator (no space)",
    " From indented is left alone",
    "",
    "From ",
    "",
  ].join("\r\n"),
);

test("mboxrd: From lines are quoted on writing and unquoted on reading; bytes, mailbox, flags and date round-trip", () => {
  const msgs: MboxMessage[] = [
    { mailbox: "INBOX", flags: ["\\Seen", "\\Answered", "$Forwarded"], internalDate: T, bytes: TRICKY },
    { mailbox: "Archive/2026 Ünïcode", flags: ["\\Flagged", "\\Deleted", "\\Draft", "work", "later"], internalDate: T + 61_000, bytes: Buffer.from("Subject: LF only\n\nFrom here\nbody\n") },
    { mailbox: "Sent", flags: [], internalDate: T - 86_400_000, bytes: Buffer.from("Subject: empty body\r\n\r\n") },
    { mailbox: "Drafts", flags: [], internalDate: T, bytes: Buffer.alloc(0) },
    // A message that starts with headers we also write: only our block comes off.
    { mailbox: "INBOX", flags: ["\\Seen"], internalDate: T, bytes: Buffer.from("Status: O\r\nX-Sealpost-Mailbox: elsewhere\r\nSubject: x\r\n\r\nbody\r\n") },
  ];
  const file = write(msgs);
  const text = file.toString("utf8");
  assert.ok(text.startsWith(`From MAILER-DAEMON Sun Dec  6 17:02:44 2026\nStatus: RO\r\nX-Status: A\r\nX-Keywords: $Forwarded\r\nX-Sealpost-Mailbox: INBOX\r\nFrom: someone`), text.slice(0, 200));
  assert.ok(text.includes("\r\n>From the start of a line"));
  assert.ok(text.includes("\r\n>>From an already quoted line"));
  assert.ok(text.includes("\r\n>>>From twice quoted"));
  assert.ok(text.includes("\r\nFrom:not a separator"));
  assert.ok(text.includes("\r\n>From \r\n"));
  assert.ok(text.includes("\n>From here\n"));
  assert.equal(text.match(/^From /gm)?.length, msgs.length, "one separator per message");
  for (const size of [1, 7, 64, file.length]) {
    const back = read(file, size);
    assert.equal(back.length, msgs.length);
    back.forEach((b, i) => {
      const m = msgs[i];
      assert.ok(m !== undefined);
      assert.ok(b.bytes.equals(Buffer.from(m.bytes)), `message ${i} byte for byte (chunks of ${size})`);
      assert.equal(b.mailbox, m.mailbox);
      assert.deepEqual([...b.flags].sort(), [...m.flags].sort());
      assert.equal(b.internalDate, m.internalDate);
    });
  }
});

test("another program's mbox: flags from Status/X-Status/X-Keywords, bytes untouched, no mailbox", () => {
  const file = Buffer.from(
    [
      "From alice@example.org Sat Jan 03 01:05:34 +0100 2015",
      "X-Gmail-Labels: Inbox",
      "Status: RO",
      "X-Status: F",
      "X-Keywords: Junk, $label1",
      "Subject: hi",
      "",
      ">From the body",
      "",
      "From bob@example.org Mon Feb  2 10:00:00 2015",
      "Subject: second, no flags",
      "",
      "text",
      "",
    ].join("\n"),
  );
  const [a, b, ...rest] = read(file, 5);
  assert.equal(rest.length, 0);
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(a.mailbox, null);
  assert.deepEqual(a.flags, ["\\Seen", "\\Flagged", "Junk", "$label1"]);
  assert.equal(a.internalDate, Date.UTC(2015, 0, 3, 0, 5, 34));
  assert.equal(a.bytes.toString(), "X-Gmail-Labels: Inbox\nStatus: RO\nX-Status: F\nX-Keywords: Junk, $label1\nSubject: hi\n\nFrom the body\n");
  assert.deepEqual(b.flags, []);
  assert.equal(b.bytes.toString(), "Subject: second, no flags\n\ntext\n");
});

test("not an mbox, and a message over the limit: MboxError", () => {
  assert.throws(() => read(Buffer.from("Subject: no From line\n\nx\n"), 4), MboxError);
  const big = write([{ mailbox: "INBOX", flags: [], internalDate: T, bytes: Buffer.alloc(5000, 0x61) }]);
  assert.throws(() => read(big, 100, 4096), /larger than 4096 bytes/);
  assert.equal(read(big, 100, 8192).length, 1);
});

test("asctime and its parser agree", () => {
  assert.equal(asctime(T), "Sun Dec  6 17:02:44 2026");
  assert.equal(parseFromLineDate(`From x ${asctime(T)}`), T);
  assert.equal(parseFromLineDate("From x Thu Jan 01 00:00:00 -0500 1970"), 5 * 3_600_000);
  assert.equal(parseFromLineDate("From x"), null);
});
