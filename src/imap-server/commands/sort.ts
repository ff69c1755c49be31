/**
 * SORT and UID SORT (RFC 5256 §3, with DISPLAYFROM and DISPLAYTO of RFC 5957):
 *
 *   sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria
 *   sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"
 *   sort-criterion = ["REVERSE" SP] sort-key
 *
 * The messages are SEARCH's (the one engine, search.ts), ordered by keys read once per message
 * (sort-keys.ts): O(n log n) comparisons of precomputed values. Equal messages keep sequence
 * order (RFC 5256 §3: "sorted in the order in which they appear in the mailbox").
 */
import type { ImapCommand } from "../command.ts";
import { bad } from "../errors.ts";
import { readCharsetAndKeys, type ArgParser } from "../parser/index.ts";
import { selectedView } from "./fetch-targets.ts";
import { useCondstore } from "./condstore.ts";
import { matchingSeqs } from "./search.ts";
import { sortFacts, type SortFacts } from "./sort-keys.ts";

type Compare = (a: SortFacts, b: SortFacts) => number;

const byString = (get: (f: SortFacts) => string): Compare => (a, b) => {
  const x = get(a);
  const y = get(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** RFC 5256 §3 sort keys (and RFC 5957 §3); `header`: the key needs the message's header. */
const SORT_KEYS: ReadonlyMap<string, { compare: Compare; header: boolean }> = new Map([
  ["ARRIVAL", { compare: (a, b) => a.arrival - b.arrival, header: false }],
  ["SIZE", { compare: (a, b) => a.size - b.size, header: false }],
  ["DATE", { compare: (a, b) => a.date - b.date, header: true }],
  ["SUBJECT", { compare: byString((f) => f.keys.subject), header: true }],
  ["FROM", { compare: byString((f) => f.keys.from), header: true }],
  ["TO", { compare: byString((f) => f.keys.to), header: true }],
  ["CC", { compare: byString((f) => f.keys.cc), header: true }],
  ["DISPLAYFROM", { compare: byString((f) => f.keys.displayFrom), header: true }],
  ["DISPLAYTO", { compare: byString((f) => f.keys.displayTo), header: true }],
]);

interface Criterion {
  compare: Compare;
  header: boolean;
  reverse: boolean;
}

/** sort-criteria; an unknown key is a syntax error (BAD). */
function readCriteria(a: ArgParser): Criterion[] {
  return a.list((p) => {
    let name = p.keyword("sort key");
    const reverse = name === "REVERSE";
    if (reverse) {
      p.sp();
      name = p.keyword("sort key");
    }
    const key = SORT_KEYS.get(name);
    if (key === undefined) throw bad("Unknown sort key.");
    return { ...key, reverse };
  });
}

export const SORT: ImapCommand = {
  name: "SORT",
  states: ["selected"],
  noExpungeResponses: true,
  async handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    a.sp();
    const criteria = readCriteria(a);
    const key = readCharsetAndKeys(a);
    const { seqs } = await matchingSeqs(s.store, view, key, () => useCondstore(s));
    const facts = await sortFacts(s, view, seqs, { header: criteria.some((c) => c.header) });
    facts.sort((x, y) => {
      for (const c of criteria) {
        const d = c.compare(x, y);
        if (d !== 0) return c.reverse ? -d : d;
      }
      return x.seq - y.seq;
    });
    const ids = facts.map((f) => (cmd.uid ? f.uid : f.seq));
    s.untagged(`SORT${ids.length > 0 ? ` ${ids.join(" ")}` : ""}`);
    return { text: `${cmd.uid ? "UID SORT" : "SORT"} completed.` };
  },
};
