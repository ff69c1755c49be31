import { test } from "node:test";
import assert from "node:assert/strict";
import { compilePattern, MAX_PATTERN_WILDCARDS, PatternTooComplexError } from "./list-pattern.ts";

const NAMES = ["INBOX", "INBOX/Sub", "Sent", "Projects", "Projects/2026", "Projects/2026/Q1", "Entwürfe", "a%b", "Proj"];

function list(pattern: string): string[] {
  const p = compilePattern(pattern);
  return NAMES.filter((n) => p.matches(n));
}

test("* crosses levels, % does not (RFC 9051 §6.3.9)", () => {
  assert.deepEqual(list("*"), NAMES);
  assert.deepEqual(list("%"), ["INBOX", "Sent", "Projects", "Entwürfe", "a%b", "Proj"]);
  assert.deepEqual(list("Projects/%"), ["Projects/2026"]);
  assert.deepEqual(list("Projects/*"), ["Projects/2026", "Projects/2026/Q1"]);
  assert.deepEqual(list("Proj*"), ["Projects", "Projects/2026", "Projects/2026/Q1", "Proj"]);
  assert.deepEqual(list("Proj%"), ["Projects", "Proj"]);
  assert.deepEqual(list("%/%"), ["INBOX/Sub", "Projects/2026"]);
  assert.deepEqual(list("*/Q1"), ["Projects/2026/Q1"]);
  assert.deepEqual(list("Sent"), ["Sent"]);
  assert.deepEqual(list("sent"), []);
  assert.deepEqual(list(""), []);
  assert.deepEqual(list("Entw*e"), ["Entwürfe"]);
  assert.deepEqual(list("%*%**%"), NAMES);
});

test("INBOX matches case-insensitively, also as a parent level", () => {
  assert.deepEqual(list("inbox"), ["INBOX"]);
  assert.deepEqual(list("InBoX/%"), ["INBOX/Sub"]);
  assert.deepEqual(list("inb*"), ["INBOX", "INBOX/Sub"]);
  assert.deepEqual(list("INBOX/sub"), []);
});

test("endsWithPercent, and no blow-up on pathological patterns", () => {
  assert.equal(compilePattern("a/%").endsWithPercent, true);
  assert.equal(compilePattern("a/%*").endsWithPercent, false);
  assert.equal(compilePattern("%%").endsWithPercent, true);
  const name = "a".repeat(1000);
  const evil = compilePattern(`${"*a".repeat(MAX_PATTERN_WILDCARDS - 1)}*b`);
  assert.equal(evil.matches(name), false);
  assert.equal(compilePattern(`${"*a".repeat(MAX_PATTERN_WILDCARDS)}`).matches(name), true);
  assert.throws(() => compilePattern("*a".repeat(MAX_PATTERN_WILDCARDS + 1)), PatternTooComplexError);
});
