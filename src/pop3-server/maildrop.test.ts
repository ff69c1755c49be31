import { test } from "node:test";
import assert from "node:assert/strict";
import { Maildrop, stuffMessage } from "./maildrop.ts";

const row = (uid: number, size: number) => ({ uid, size, internalDate: 0, flags: "", blob: `b/${uid}` });
const drop = (): Maildrop => new Maildrop({ mailboxId: 7, uidvalidity: 0x1234abcd, messages: [row(3, 100), row(9, 250), row(12, 40)] });

test("RFC 1939 §8: numbers 1..n over the snapshot; a deleted message is gone for RETR/LIST but still numbered", () => {
  const m = drop();
  assert.equal(m.get(1)?.uid, 3);
  assert.equal(m.get(3)?.uid, 12);
  assert.equal(m.get(0), undefined);
  assert.equal(m.get(4), undefined);
  assert.equal(m.get(1.5), undefined);
  assert.deepEqual(m.stat(), { count: 3, size: 390 });
  m.markDeleted(2);
  assert.equal(m.get(2), undefined);
  assert.ok(m.exists(2) && m.isDeleted(2));
  assert.deepEqual([...m.live()].map(([n, r]) => [n, r.uid]), [[1, 3], [3, 12]]);
  assert.deepEqual(m.stat(), { count: 2, size: 140 });
  assert.deepEqual(m.deletedUids(), [9]);
});

test("RSET (§5) unmarks every deletion", () => {
  const m = drop();
  m.markDeleted(1);
  m.markDeleted(3);
  m.reset();
  assert.deepEqual(m.deletedUids(), []);
  assert.deepEqual(m.stat(), { count: 3, size: 390 });
});

test("UIDL is the UID and UIDVALIDITY in hex, Dovecot's %08Xu%08Xv, so IMAP and POP3 agree", () => {
  const m = drop();
  const first = m.get(1);
  assert.ok(first !== undefined);
  assert.equal(m.uidl(first), "000000031234ABCD");
});

test("RFC 1939 §3: lines starting with '.' are stuffed and the reply ends with CRLF . CRLF", () => {
  assert.equal(stuffMessage(Buffer.from(".top\r\nbody\r\n..two\r\n")).toString(), "..top\r\nbody\r\n...two\r\n.\r\n");
  assert.equal(stuffMessage(Buffer.from("no final newline")).toString(), "no final newline\r\n.\r\n");
  assert.equal(stuffMessage(Buffer.alloc(0)).toString(), ".\r\n");
});

test("TOP (§7): the header, the blank line and n body lines", () => {
  const raw = Buffer.from("Subject: x\r\nFrom: a@b\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n");
  assert.equal(stuffMessage(raw, 0).toString(), "Subject: x\r\nFrom: a@b\r\n\r\n.\r\n");
  assert.equal(stuffMessage(raw, 2).toString(), "Subject: x\r\nFrom: a@b\r\n\r\nline 1\r\n..line 2\r\n.\r\n");
  assert.equal(stuffMessage(raw, 99).toString(), "Subject: x\r\nFrom: a@b\r\n\r\nline 1\r\n..line 2\r\nline 3\r\n.\r\n");
});

const top = (raw: string, lines: number): string => stuffMessage(Buffer.from(raw), lines).toString();

test("TOP finds the header with mime's scanner: bare LF, an empty header, no blank line", () => {
  assert.equal(top("A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n", 1), "A: 1\r\nB: 2\r\n\r\nl1\r\n.\r\n");
  assert.equal(top("A: 1\r\n\r\nl1\r\n\r\nl3\r\n", 0), "A: 1\r\n\r\n.\r\n");
  assert.equal(top("A: 1\nB: 2\n\nl1\nl2\n", 1), "A: 1\nB: 2\n\nl1\n.\r\n", "bare LF line ends");
  assert.equal(top("\r\nbody\r\n\r\nmore\r\n", 0), "\r\n.\r\n", "an empty header: no body line is taken for it");
  assert.equal(top("A: 1\r\nB: 2\r\n", 0), "A: 1\r\nB: 2\r\n.\r\n", "no empty line: all of it is header");
});
