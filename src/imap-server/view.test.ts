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

test("\\Recent is kept as UID ranges: counted over the UIDs still in the view, shown in FETCH FLAGS", () => {
  const v = new MailboxView(mb, false, [st(1, "\\Seen", 1), st(2, "", 1), st(3, "", 1)]);
  v.addRecent(2, 3); // claimed at SELECT
  assert.deepEqual([v.recentCount, v.fetchFlags(1), v.fetchFlags(2)], [2, "\\Seen", "\\Recent"]);
  v.applyChanges([st(7, "$A", 2), st(8, "", 2)], null, true);
  v.addRecent(7, 8); // claimed when this session learnt of them
  assert.equal(v.recentCount, 4);
  v.applyChanges([], new Set([1, 3, 8]), true);
  assert.deepEqual([v.recentCount, v.isRecent(2), v.isRecent(8), v.withRecent(8, "\\Seen")], [2, true, true, "\\Seen \\Recent"]);
  const ro = new MailboxView(mb, true, [st(4, "", 1), st(5, "", 1)]);
  ro.addRecent(5, Infinity); // EXAMINE: the unclaimed ones, from the mailbox's mark on
  assert.deepEqual([ro.recentCount, ro.fetchFlags(1), ro.fetchFlags(2)], [1, "", "\\Recent"]);
});

test("keywords: SELECT's set comes from the flag table; a new one is reported once, from another session, a STORE or a result", () => {
  const v = new MailboxView(mb, false, [st(1, "\\Seen $A", 1), st(2, "$a Work", 1), st(3, "\\Flagged", 1)]);
  assert.deepEqual(v.keywords, ["$A", "Work"]);
  assert.equal(v.takeNewKeywords(), false, "SELECT announces the set it starts with");
  v.applyChanges([st(2, "Work Later", 2)], null, true);
  assert.equal(v.takeNewKeywords(), true);
  assert.equal(v.takeNewKeywords(), false);
  v.setFlags(3, "\\Flagged $A");
  assert.equal(v.takeNewKeywords(), false, "known keywords, in a new combination");
  v.learnFlags("Fresh");
  assert.equal(v.takeNewKeywords(), true);
  assert.deepEqual(v.keywords, ["$A", "Work", "Later", "Fresh"]);
});

test("a view widens its columns one step at a time: UIDs past 255 and past 65,535, a 257th flag set by STORE", () => {
  const v = new MailboxView(mb, false, Array.from({ length: 300 }, (_, i) => st(i + 1, "", i + 1)));
  assert.deepEqual([v.uidAt(255), v.uidAt(256), v.uidAt(300), v.seqOf(300)], [255, 256, 300, 300]);
  for (let seq = 1; seq <= 300; seq++) v.setFlags(seq, `$S${seq}`);
  assert.deepEqual([v.flagsAt(1), v.flagsAt(256), v.flagsAt(257), v.flagsAt(300)], ["$S1", "$S256", "$S257", "$S300"]);
  v.applyChanges([st(65_536, "", 301), st(70_000, "\\Seen", 302)], null, true);
  assert.deepEqual([v.exists, v.uidAt(300), v.uidAt(301), v.uidAt(302), v.flagsAt(302), v.seqOf(70_000)], [302, 300, 65_536, 70_000, "\\Seen", 302]);
});
