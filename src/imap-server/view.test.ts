import { test } from "node:test";
import assert from "node:assert/strict";
import { MailboxView } from "./view.ts";

const mb = { id: 1, name: "INBOX", uidvalidity: 7 };
const st = (uid: number, flags: string, modseq: number): { uid: number; flags: string; modseq: number } => ({ uid, flags, modseq });

test("applyChanges: flags of others, own STORE not echoed, new messages, expunges (held back during FETCH/STORE/SEARCH)", () => {
  const v = new MailboxView(mb, false, [st(1, "", 2), st(2, "", 3), st(4, "", 5)]);
  assert.equal(v.knownModseq, 5);
  v.setFlags(1, "\\Seen"); // this session's STORE
  assert.equal(v.knownModseq, 5, "only snapshots move knownModseq");
  let u = v.applyChanges([st(1, "\\Seen", 6), st(2, "\\Flagged", 7), st(9, "", 8)], null, false);
  assert.deepEqual(u, { expunged: [], exists: 4, flags: [[2, 2, "\\Flagged", 7]], vanished: [] });
  assert.deepEqual([v.knownModseq, v.lastUid, v.flagsAt(1)], [8, 9, "\\Seen"]);
  // UID 2 expunged: held back while expunges may not be sent, then reported.
  u = v.applyChanges([], new Set([1, 4, 9]), false);
  assert.deepEqual(u, { expunged: [], exists: null, flags: [], vanished: [] });
  assert.equal(v.exists, 4);
  u = v.applyChanges([st(4, "$X", 9)], new Set([1, 4, 9]), true);
  // The UIDs too, for QRESYNC's VANISHED (RFC 7162 §3.2.10).
  assert.deepEqual(u, { expunged: [2], exists: null, flags: [[2, 4, "$X", 9]], vanished: [2] });
  assert.deepEqual(Array.from(v.uids), [1, 4, 9]);
});

test("a view of 70,000 messages with as many distinct flag sets and UIDs past 2^16 keeps every value", () => {
  const n = 70_000;
  const states = Array.from({ length: n }, (_, i) => st(100_000 + i * 3, `$K${i}`, i + 1));
  const v = new MailboxView(mb, false, states.slice(0, 10));
  v.applyChanges(states.slice(10), null, true);
  assert.equal(v.exists, n);
  assert.deepEqual([v.uidAt(1), v.uidAt(n), v.flagsAt(1), v.flagsAt(n)], [100_000, 100_000 + (n - 1) * 3, "$K0", `$K${n - 1}`]);
  assert.equal(v.seqOf(100_000 + 69_998 * 3), 69_999);
  // Expunge every other message: sequence numbers close up, flags stay with their UIDs.
  const keep = new Set(states.filter((_, i) => i % 2 === 0).map((m) => m.uid));
  const u = v.applyChanges([], keep, true);
  assert.equal(u.expunged.length, n / 2);
  assert.deepEqual(u.vanished.slice(0, 2), [100_003, 100_009], "ascending UIDs");
  assert.equal(v.exists, n / 2);
  assert.deepEqual([v.uidAt(2), v.flagsAt(2), v.flagsAt(n / 2)], [100_006, "$K2", `$K${n - 2}`]);
});
