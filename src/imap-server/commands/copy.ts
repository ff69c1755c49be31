/**
 * COPY / UID COPY (RFC 9051 §6.4.7, RFC 3501 §6.4.7) and MOVE / UID MOVE (RFC 6851), with the
 * UIDPLUS response code COPYUID (RFC 4315 §3): `[COPYUID uidvalidity source-uids dest-uids]`.
 *
 * A missing target is `NO [TRYCREATE]` (RFC 9051 §6.4.7), a store without room `NO [OVERQUOTA]`. MOVE copies and removes in one
 * transaction (RFC 6851 §3.3: atomic to other sessions); it sends COPYUID in an untagged OK before
 * the EXPUNGE responses, which the session's update flush then sends (RFC 6851 §4.3).
 */
import { copyMessages, getMailbox, moveMessages, type CopyResult } from "../../store/index.ts";
import type { ImapApi, ImapCommand } from "../command.ts";
import { no, ResponseCode } from "../errors.ts";
import { formatSequenceSet, type ParsedCommand } from "../parser/index.ts";
import { selectedView, targetSeqs, uidsOf } from "./fetch-targets.ts";
import { readMailbox } from "./util.ts";
import { modseqCode } from "./condstore.ts";

async function transfer(s: ImapApi, cmd: ParsedCommand, move: boolean): Promise<CopyResult | null> {
  const view = selectedView(s);
  const a = cmd.args;
  a.sp();
  const set = a.sequenceSet();
  a.sp();
  const name = readMailbox(s, a);
  a.end();
  const seqs = targetSeqs(view, set, cmd.uid);
  if (move && view.readOnly) throw no("Mailbox is read-only.", ResponseCode.CANNOT);
  const account = s.account;
  if (account === null) throw no("Not logged in.");
  const target = await getMailbox(s.store.db, account.id, name);
  if (target === undefined) throw no("Mailbox does not exist.", ResponseCode.TRYCREATE);
  if (seqs.length === 0) return null;
  // MailboxGoneError, StorageFullError (nothing was copied or moved: one transaction): the session's error table.
  const fn = move ? moveMessages : copyMessages;
  return await fn(s.store, view.mailboxId, uidsOf(view, seqs), target.id);
}

function copyUid(res: CopyResult): string {
  return `COPYUID ${res.uidvalidity} ${formatSequenceSet(res.srcUids, { sort: false })} ${formatSequenceSet(res.dstUids, { sort: false })}`;
}

export const COPY: ImapCommand = {
  name: "COPY",
  states: ["selected"],
  async handle(s, cmd) {
    const res = await transfer(s, cmd, false);
    const label = cmd.uid ? "UID COPY" : "COPY";
    // RFC 4315 §3: no COPYUID when nothing was copied.
    if (res === null || res.srcUids.length === 0) {
      if (res !== null) throw no("The messages were expunged meanwhile.", ResponseCode.EXPUNGEISSUED);
      return { text: `${label} completed; nothing to copy.` };
    }
    return { code: copyUid(res), text: `${label} completed.` };
  },
};

export const MOVE: ImapCommand = {
  name: "MOVE",
  states: ["selected"],
  async handle(s, cmd) {
    const res = await transfer(s, cmd, true);
    const label = cmd.uid ? "UID MOVE" : "MOVE";
    if (res === null || res.srcUids.length === 0) {
      if (res !== null) throw no("The messages were expunged meanwhile.", ResponseCode.EXPUNGEISSUED);
      return { text: `${label} completed; nothing to move.` };
    }
    s.untagged(`OK [${copyUid(res)}] Moved.`);
    // RFC 6851 §4.4: COPYUID went untagged so the tagged OK can carry HIGHESTMODSEQ (CONDSTORE).
    const code = await modseqCode(s, selectedView(s));
    return code === undefined ? { text: `${label} completed.` } : { code, text: `${label} completed.` };
  },
};
