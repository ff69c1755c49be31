import { test } from "node:test";
import assert from "node:assert/strict";
import { formatThreads, orderedSubject, referencesThreads, type ThreadInput, type ThreadNode } from "./threading.ts";

/** A message numbered `n`, sent at minute `n` unless `date` says otherwise. */
function msg(n: number, subject: string, opts: { id?: string | null; refs?: string[]; date?: number; re?: boolean } = {}): ThreadInput {
  return {
    id: n,
    order: n,
    date: (opts.date ?? n) * 60_000,
    subject,
    replyOrForward: opts.re ?? false,
    messageId: opts.id === undefined ? `m${n}@x` : opts.id,
    references: opts.refs ?? [],
  };
}

const refs = (...ms: ThreadInput[]): string => formatThreads(referencesThreads(ms));

test("RFC 5256 §4: the THREAD response's nesting, (3 6 (4 23)(44 7 96)) and a dummy's branches", () => {
  const n = (id: number, ...children: ThreadNode[]): ThreadNode => ({ msg: msg(id, ""), children });
  assert.equal(formatThreads([n(2), n(3, n(6, n(4, n(23)), n(44, n(7, n(96)))))]), "(2)(3 6 (4 23)(44 7 96))");
  assert.equal(formatThreads([{ msg: null, children: [n(3), n(5)] }]), "((3)(5))");
  assert.equal(formatThreads([]), "");
});

test("ORDEREDSUBJECT: one thread per base subject, its first message the parent of the rest, threads by their first date", () => {
  const ms = [msg(1, "B"), msg(2, "A", { date: 10 }), msg(3, "B", { re: true }), msg(4, "A", { date: 5 }), msg(5, "C", { date: 0 }), msg(6, "B")];
  // A: 4 (minute 5) then 2 (minute 10); B: 1, 3, 6; C: 5 alone at minute 0.
  assert.equal(formatThreads(orderedSubject(ms)), "(5)(1 (3)(6))(4 2)");
});

test("REFERENCES step 1: References link parent to child; a reply's parent is its last reference", () => {
  const a = msg(1, "HELLO");
  const b = msg(2, "HELLO", { refs: ["m1@x"], re: true });
  const c = msg(3, "HELLO", { refs: ["m1@x", "m2@x"], re: true });
  const d = msg(4, "HELLO", { refs: ["m1@x"], re: true });
  assert.equal(refs(a, b, c, d), "(1 (2 3)(4))");
  // Arrival order does not matter: the reply that came first waits in a dummy for its parent.
  assert.equal(refs(c, b, a), "(1 2 3)");
});

test("REFERENCES steps 2-3: a missing parent is a dummy; pruned when it has one child, kept at the root with several", () => {
  const b = msg(2, "X", { refs: ["gone@x"] });
  const c = msg(3, "Y", { refs: ["gone@x"] });
  assert.equal(refs(b), "(2)");
  assert.equal(refs(b, c), "((2)(3))");
  // A dummy between two messages goes, its child taking its place.
  const a = msg(1, "Z");
  const d = msg(4, "Z", { refs: ["m1@x", "gone@x"] });
  assert.equal(refs(a, d), "(1 4)");
});

test("REFERENCES step 5: threads of one base subject merge: a reply under the original, two originals under a dummy", () => {
  assert.equal(refs(msg(1, "HELLO"), msg(2, "HELLO", { re: true })), "(1 2)");
  assert.equal(refs(msg(1, "HELLO", { re: true }), msg(2, "HELLO")), "(2 1)");
  assert.equal(refs(msg(1, "HELLO"), msg(2, "HELLO"), msg(3, "OTHER")), "((1)(2))(3)");
  // An empty subject groups nothing.
  assert.equal(refs(msg(1, ""), msg(2, "")), "(1)(2)");
});

test("REFERENCES step 6: siblings by sent date, ties by sequence number; threads by their first message", () => {
  const a = msg(1, "T", { date: 50 });
  const b = msg(2, "T", { refs: ["m1@x"], date: 70, re: true });
  const c = msg(3, "T", { refs: ["m1@x"], date: 60, re: true });
  const d = msg(4, "U", { date: 10 });
  const e = msg(5, "T", { refs: ["m1@x"], date: 60, re: true });
  assert.equal(refs(a, b, c, d, e), "(4)(1 (3)(5)(2))");
});

test("REFERENCES: loops are not made, and repeated or missing Message-IDs each stay a message", () => {
  // 1 names 2 as its parent first; 2 then naming 1 would close a loop, so 2 stays the root.
  const a = msg(1, "A", { refs: ["m2@x"] });
  const b = msg(2, "B", { refs: ["m1@x"] });
  assert.equal(refs(a, b), "(2 1)");
  const self = msg(3, "S", { refs: ["m3@x"] });
  assert.equal(refs(self), "(3)");
  const dup1 = msg(4, "D", { id: "same@x" });
  const dup2 = msg(5, "E", { id: "same@x" });
  const none = msg(6, "F", { id: null });
  assert.equal(refs(dup1, dup2, none), "(4)(5)(6)");
});

test("REFERENCES and the formatter over a reply chain of 100,000 messages (no recursion)", () => {
  const ms = [msg(1, "LONG")];
  for (let i = 2; i <= 100_000; i++) ms.push(msg(i, "LONG", { refs: [`m${i - 1}@x`], re: true }));
  const out = refs(...ms);
  assert.ok(out.startsWith("(1 2 3 "));
  assert.ok(out.endsWith(" 99999 100000)"));
});
