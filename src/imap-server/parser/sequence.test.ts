import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseSequenceSet, resolveSequenceSet, clipIntervals, intervalsContain, iterateIntervals, selectUids, formatSequenceSet,
  formatIntervals,
} from "./sequence.ts";
import { ArgParser } from "./parse.ts";
import { ImapParseError } from "./errors.ts";

test("parses numbers, ranges, * and ranges in either order", () => {
  assert.deepEqual(parseSequenceSet("1:*"), { type: "set", ranges: [{ from: 1, to: "*" }] });
  assert.deepEqual(parseSequenceSet("*:4"), { type: "set", ranges: [{ from: "*", to: 4 }] });
  assert.deepEqual(parseSequenceSet("4294967295"), { type: "set", ranges: [{ from: 4294967295, to: 4294967295 }] });
  assert.deepEqual(parseSequenceSet("3,5:7,*"), {
    type: "set",
    ranges: [{ from: 3, to: 3 }, { from: 5, to: 7 }, { from: "*", to: "*" }],
  });
});

test("refuses 0, out-of-range, leading zeros, empty items and $ without SEARCHRES", () => {
  for (const bad of ["0", "1:0", "4294967296", "01", "1,,2", "", "1:", ":2", "1:2:3", "$", "1,$", "-1"]) {
    assert.throws(() => parseSequenceSet(bad), ImapParseError, bad);
  }
  assert.deepEqual(parseSequenceSet("$", { allowSaved: true }), { type: "saved" });
  assert.deepEqual(new ArgParser("$", { searchRes: true }).sequenceSet(), { type: "saved" });
  assert.throws(() => new ArgParser("0").sequenceSet(), ImapParseError);
});

test("resolve: * substituted, reversed ranges normalised, overlaps merged", () => {
  assert.deepEqual(resolveSequenceSet(parseSequenceSet("*:4,2,3,10:12,11"), 20), [
    { lo: 2, hi: 20 },
  ]);
  assert.deepEqual(resolveSequenceSet(parseSequenceSet("7:9,1,3"), 5), [{ lo: 1, hi: 1 }, { lo: 3, hi: 3 }, { lo: 7, hi: 9 }]);
  // RFC 9051 §6.4.8: 559:* includes the last UID even when 559 is higher.
  assert.deepEqual(resolveSequenceSet(parseSequenceSet("559:*"), 100), [{ lo: 100, hi: 559 }]);
  assert.deepEqual(clipIntervals(resolveSequenceSet(parseSequenceSet("3:7,9"), 100), 5), [{ lo: 3, hi: 5 }]);
});

test("1:4294967295 is cheap: membership and UID selection never expand the range", () => {
  const set = parseSequenceSet("1:4294967295");
  const intervals = resolveSequenceSet(set, 10);
  assert.equal(intervalsContain(intervals, 4294967295), true);
  assert.equal(intervalsContain(intervals, 0), false);
  const uids = [3, 10, 4000000000];
  const start = performance.now();
  assert.deepEqual(selectUids(set, uids), [0, 1, 2]);
  assert.ok(performance.now() - start < 50);
  assert.deepEqual(selectUids(parseSequenceSet("4:*"), uids), [1, 2]);
  assert.deepEqual(selectUids(parseSequenceSet("11:3999999999"), uids), []);
  assert.deepEqual(selectUids(parseSequenceSet("1:*"), []), []);
  assert.deepEqual([...iterateIntervals(clipIntervals(intervals, 3))], [1, 2, 3]);
});

test("formatSequenceSet compresses runs; keeps order with sort: false", () => {
  assert.equal(formatSequenceSet([5, 1, 2, 3, 3, 9, 10]), "1:3,5,9:10");
  assert.equal(formatSequenceSet([]), "");
  assert.equal(formatSequenceSet([4294967295]), "4294967295");
  assert.equal(formatSequenceSet([7, 8, 9, 1, 2], { sort: false }), "7:9,1:2");
  assert.equal(formatIntervals([{ lo: 1, hi: 1 }, { lo: 4, hi: 6 }]), "1,4:6");
});
