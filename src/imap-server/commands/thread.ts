/**
 * THREAD and UID THREAD (RFC 5256 §3, §4):
 *
 *   thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
 *
 * answered `* THREAD (1 2 (3)(4))…`. The messages are SEARCH's (search.ts); the keys are the ones
 * SORT reads (sort-keys.ts); the algorithms are in threading.ts.
 */
import type { ImapCommand } from "../command.ts";
import { bad } from "../errors.ts";
import { readCharsetAndKeys } from "../parser/index.ts";
import { selectedView } from "./fetch-targets.ts";
import { useCondstore } from "./condstore.ts";
import { matchingSeqs } from "./search.ts";
import { sortFacts } from "./sort-keys.ts";
import { formatThreads, orderedSubject, referencesThreads, type ThreadInput, type ThreadNode } from "./threading.ts";

/** The algorithms advertised as THREAD=… (capabilities.ts). */
const ALGORITHMS: ReadonlyMap<string, (messages: readonly ThreadInput[]) => ThreadNode[]> = new Map([
  ["ORDEREDSUBJECT", orderedSubject],
  ["REFERENCES", referencesThreads],
]);

export const THREAD: ImapCommand = {
  name: "THREAD",
  states: ["selected"],
  noExpungeResponses: true,
  async handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    a.sp();
    const algorithm = ALGORITHMS.get(a.keyword("threading algorithm"));
    if (algorithm === undefined) throw bad("Unknown threading algorithm.");
    const key = readCharsetAndKeys(a);
    const { seqs } = await matchingSeqs(s.store, view, key, () => useCondstore(s));
    const facts = await sortFacts(s, view, seqs, { header: true });
    const threads = algorithm(
      facts.map((f) => ({
        id: cmd.uid ? f.uid : f.seq,
        order: f.seq,
        date: f.date,
        subject: f.keys.subject,
        replyOrForward: f.keys.replyOrForward,
        messageId: f.keys.messageId,
        references: f.keys.references,
      })),
    );
    const list = formatThreads(threads);
    s.untagged(`THREAD${list !== "" ? ` ${list}` : ""}`);
    return { text: `${cmd.uid ? "UID THREAD" : "THREAD"} completed.` };
  },
};
