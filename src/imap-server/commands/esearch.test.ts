import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgParser, readSearchProgram } from "../parser/index.ts";
import { MailboxView } from "../view.ts";
import { answerEsearch, withSavedResult } from "./esearch.ts";

const view = (uids: number[]): MailboxView =>
  new MailboxView({ id: 1, name: "INBOX", uidvalidity: 7 }, false, uids.map((uid) => ({ uid, flags: "", modseq: 1 })));
const keysOf = (text: string): ReturnType<typeof readSearchProgram>["key"] =>
  readSearchProgram(new ArgParser(text, { searchRes: true })).key;

test("RFC 5182 §2.1: $ becomes the saved UIDs wherever it stands, as a sequence set or after UID", () => {
  assert.deepEqual(withSavedResult(keysOf("$"), [3, 4, 5, 9]), {
    type: "uid",
    set: { type: "set", ranges: [{ from: 3, to: 5 }, { from: 9, to: 9 }] },
  });
  const nested = withSavedResult(keysOf("OR SEEN NOT UID $"), []);
  assert.deepEqual(nested, { type: "or", keys: [{ type: "flag", flag: "\\Seen", set: true }, { type: "not", key: { type: "uid", set: { type: "set", ranges: [] } } }] });
});

test("RFC 4731 §3.1 ESEARCH: MIN MAX COUNT ALL by number or UID; nothing found leaves only COUNT 0", () => {
  const v = view([10, 11, 12, 20, 30]);
  const all = new Set(["MIN", "MAX", "COUNT", "ALL"]);
  assert.equal(answerEsearch(v, [1, 2, 3, 5], all, { tag: "A1", uid: false, modseq: null }), '* ESEARCH (TAG "A1") MIN 1 MAX 5 COUNT 4 ALL 1:3,5\r\n');
  assert.equal(answerEsearch(v, [1, 2, 3, 5], all, { tag: "A2", uid: true, modseq: null }), '* ESEARCH (TAG "A2") UID MIN 10 MAX 30 COUNT 4 ALL 10:12,30\r\n');
  assert.equal(answerEsearch(v, [], all, { tag: "A3", uid: false, modseq: null }), '* ESEARCH (TAG "A3") COUNT 0\r\n');
  // RFC 7162 §3.1.5: with a MODSEQ search key, the highest modseq found comes last (not when nothing was found).
  assert.equal(answerEsearch(v, [1, 5], new Set(["COUNT"]), { tag: "A4", uid: false, modseq: 17 }), '* ESEARCH (TAG "A4") COUNT 2 MODSEQ 17\r\n');
  assert.equal(answerEsearch(v, [], new Set(["COUNT"]), { tag: "A5", uid: false, modseq: 17 }), '* ESEARCH (TAG "A5") COUNT 0\r\n');
});

test("RFC 5182 §2.4 SAVE: alone no ESEARCH response; with MIN or MAX only those; with ALL or COUNT everything; kept as UIDs", () => {
  const v = view([10, 11, 12, 20, 30]);
  assert.equal(answerEsearch(v, [2, 4, 5], new Set(["SAVE"]), { tag: "t", uid: false, modseq: null }), null);
  assert.deepEqual(v.savedUids, [11, 20, 30]);
  answerEsearch(v, [2, 4, 5], new Set(["SAVE", "MIN"]), { tag: "t", uid: false, modseq: null });
  assert.deepEqual(v.savedUids, [11]);
  answerEsearch(v, [2, 4, 5], new Set(["SAVE", "MIN", "MAX"]), { tag: "t", uid: false, modseq: null });
  assert.deepEqual(v.savedUids, [11, 30]);
  answerEsearch(v, [2, 4, 5], new Set(["SAVE", "MAX", "COUNT"]), { tag: "t", uid: false, modseq: null });
  assert.deepEqual(v.savedUids, [11, 20, 30]);
  // Expunging UID 20 (sequence 4) takes it out of $ (§2.1).
  v.applyChanges([], new Set([10, 11, 12, 30]), true);
  assert.deepEqual(v.savedSeqs(), [2, 4]);
});
