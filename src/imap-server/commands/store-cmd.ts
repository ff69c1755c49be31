/**
 * STORE and UID STORE (RFC 9051 §6.4.6, §6.4.9; RFC 3501 §6.4.6):
 *
 *   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 *
 * with RFC 7162's UNCHANGEDSINCE modifier before it (conditional STORE, `[MODIFIED set]`).
 *
 * The change is durable before the reply. Unless .SILENT, each message in the set gets an
 * untagged FETCH with its flags (and UID for UID STORE); the view records the new flags and
 * modseq so the session does not announce its own change a second time.
 */
import { MAX_KEYWORDS, storeFlags, type FlagOp } from "../../store/index.ts";
import type { ImapCommand } from "../command.ts";
import { bad, no, ResponseCode } from "../errors.ts";
import { formatSequenceSet, type ArgParser } from "../parser/index.ts";
import { selectedView, targetSeqs, uidsOf } from "./fetch-targets.ts";
import { newKeywordResponses } from "./util.ts";
import { useCondstore } from "./condstore.ts";

/** Longest keyword accepted (RFC 9051 leaves it open; Dovecot's limit is 250 bytes). */
const MAX_KEYWORD_LENGTH = 250;

/** [ "(" store-modifier *(SP store-modifier) ")" SP ]: UNCHANGEDSINCE (RFC 7162 §3.1.3, RFC 4466 §2.5). */
function readStoreModifiers(a: ArgParser): number | undefined {
  if (!a.accept("(")) return undefined;
  let unchangedSince: number | undefined;
  for (;;) {
    if (a.keyword("STORE modifier") !== "UNCHANGEDSINCE") throw bad("Unknown STORE modifier.");
    a.sp();
    unchangedSince = a.number(Number.MAX_SAFE_INTEGER);
    if (a.accept(")")) break;
    a.sp();
  }
  a.sp();
  return unchangedSince;
}

export const STORE: ImapCommand = {
  name: "STORE",
  states: ["selected"],
  noExpungeResponses: true,
  async handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    a.sp();
    const set = a.sequenceSet();
    a.sp();
    const unchangedSince = readStoreModifiers(a);
    const op: FlagOp = a.accept("+") ? "add" : a.accept("-") ? "remove" : "set";
    const item = a.keyword("store item");
    if (item !== "FLAGS" && item !== "FLAGS.SILENT") throw bad("Expected FLAGS, +FLAGS or -FLAGS.");
    a.sp();
    const flags = a.storeFlags();
    a.end();
    if (flags.length > MAX_KEYWORDS || flags.some((f) => f.length > MAX_KEYWORD_LENGTH)) throw no("Too many or too long flags.", ResponseCode.LIMIT);
    // RFC 9051 §6.3.2: EXAMINE opens read-only; STORE must fail there.
    if (view.readOnly) throw no("Mailbox is read-only.", ResponseCode.CANNOT);
    const seqs = targetSeqs(view, set, cmd.uid);
    // RFC 7162 §3.1: UNCHANGEDSINCE enables CONDSTORE.
    if (unchangedSince !== undefined) await useCondstore(s);
    // FlagLimitError, StorageFullError: the session's error table answers them.
    const results = await storeFlags(s.store, view.mailboxId, uidsOf(view, seqs), op, flags, unchangedSince === undefined ? {} : { unchangedSince });
    let out = "";
    const modified: number[] = [];
    for (const r of results) {
      const seq = view.seqOf(r.uid);
      if (seq === 0) continue;
      if (r.modified) {
        modified.push(cmd.uid ? r.uid : seq);
        continue;
      }
      if (r.changed) view.setFlags(seq, r.flags);
      else view.learnFlags(r.flags);
      // RFC 3501 §2.3.2: \Recent is the session's, not stored, and shown with the stored flags.
      const shown = view.withRecent(r.uid, r.flags);
      // RFC 7162 §3.1, §3.1.3: with CONDSTORE every such FETCH has UID and MODSEQ, even for .SILENT.
      if (s.condstore) {
        if (item === "FLAGS") out += `* ${seq} FETCH (UID ${r.uid} FLAGS (${shown}) MODSEQ (${r.modseq}))\r\n`;
        else if (r.changed) out += `* ${seq} FETCH (UID ${r.uid} MODSEQ (${r.modseq}))\r\n`;
      } else if (item === "FLAGS") out += `* ${seq} FETCH (${cmd.uid ? `UID ${r.uid} ` : ""}FLAGS (${shown}))\r\n`;
    }
    // Every changed message took the same modseq and the view shows it: the update flush need not read it back.
    const changed = results.filter((r) => r.changed);
    const took = changed[0]?.modseq;
    if (took !== undefined && changed.every((r) => view.seqOf(r.uid) !== 0)) view.ownChange(took);
    // RFC 3501 §7.2.6: a keyword new to the client is announced before the FETCH responses show it.
    out = newKeywordResponses(view) + out;
    if (out !== "") s.write(out);
    if (results.length < seqs.length) throw no("Some messages were expunged meanwhile.", ResponseCode.EXPUNGEISSUED);
    const label = cmd.uid ? "UID STORE" : "STORE";
    // RFC 7162 §3.1.3: the messages that failed UNCHANGEDSINCE, in the tagged OK.
    if (modified.length > 0) return { code: `${ResponseCode.MODIFIED} ${formatSequenceSet(modified)}`, text: `Conditional ${label} failed for some messages.` };
    return { text: `${label} completed.` };
  },
};
