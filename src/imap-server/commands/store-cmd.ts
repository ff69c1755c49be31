/**
 * STORE and UID STORE (RFC 9051 §6.4.6, §6.4.9; RFC 3501 §6.4.6):
 *
 *   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 *
 * The change is durable before the reply. Unless .SILENT, each message in the set gets an
 * untagged FETCH with its flags (and UID for UID STORE); the view records the new flags and
 * modseq so the session does not announce its own change a second time.
 */
import { MAX_KEYWORDS, storeFlags, type FlagOp } from "../../store/index.ts";
import type { ImapCommand } from "../command.ts";
import { bad, no, ResponseCode } from "../errors.ts";
import { selectedView, targetSeqs, uidsOf } from "./fetch-targets.ts";
import { newKeywordResponses } from "./util.ts";

/** Longest keyword accepted (RFC 9051 leaves it open; Dovecot's limit is 250 bytes). */
const MAX_KEYWORD_LENGTH = 250;

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
    // FlagLimitError, StorageFullError: the session's error table answers them.
    const results = await storeFlags(s.store, view.mailboxId, uidsOf(view, seqs), op, flags);
    let out = "";
    for (const r of results) {
      const seq = view.seqOf(r.uid);
      if (seq === 0) continue;
      if (r.changed) view.setFlags(seq, r.flags);
      else view.learnFlags(r.flags);
      // RFC 3501 §2.3.2: \Recent is the session's, not stored, and shown with the stored flags.
      if (item === "FLAGS") out += `* ${seq} FETCH (${cmd.uid ? `UID ${r.uid} ` : ""}FLAGS (${view.withRecent(r.uid, r.flags)}))\r\n`;
    }
    // RFC 3501 §7.2.6: a keyword new to the client is announced before the FETCH responses show it.
    out = newKeywordResponses(view) + out;
    if (out !== "") s.write(out);
    if (results.length < seqs.length) throw no("Some messages were expunged meanwhile.", ResponseCode.EXPUNGEISSUED);
    return { text: `${cmd.uid ? "UID STORE" : "STORE"} completed.` };
  },
};
