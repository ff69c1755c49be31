/**
 * EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): permanently removes the \Deleted
 * messages (for UID EXPUNGE, only those in the UID set). The removal is durable before the reply;
 * the `* n EXPUNGE` responses then come from the session's update flush, the same path that
 * reports other sessions' expunges, so each is reported exactly once.
 */
import { expunge } from "../../store/index.ts";
import type { ImapCommand } from "../command.ts";
import { no, ResponseCode } from "../errors.ts";
import { selectUids } from "../parser/index.ts";
import { selectedView } from "./fetch-targets.ts";
import { modseqCode } from "./condstore.ts";

export const EXPUNGE: ImapCommand = {
  name: "EXPUNGE",
  states: ["selected"],
  async handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    let uids: number[] | undefined;
    if (cmd.uid) {
      a.sp();
      const set = a.sequenceSet();
      // RFC 5182 §2.1: "$" is the saved result.
      uids = set.type === "saved" ? [...view.savedUids] : selectUids(set, view.uids).map((i) => view.uids[i] ?? 0);
    }
    a.end();
    if (view.readOnly) throw no("Mailbox is read-only.", ResponseCode.CANNOT);
    await expunge(s.store, view.mailboxId, uids);
    const text = `${cmd.uid ? "UID EXPUNGE" : "EXPUNGE"} completed.`;
    // RFC 7162 §3.2.7: with CONDSTORE, the tagged OK tells the modseq after the expunge.
    const code = await modseqCode(s, view);
    return code === undefined ? { text } : { code, text };
  },
};
