/**
 * Which messages a FETCH, STORE, COPY, MOVE, SEARCH-less UID command addresses: a sequence set of
 * message sequence numbers, or of UIDs with the UID prefix (RFC 9051 §6.4.9), against the
 * selected mailbox as this session knows it.
 */
import type { ImapApi } from "../command.ts";
import { bad, no } from "../errors.ts";
import { clipIntervals, iterateIntervals, resolveSequenceSet, selectUids, type SequenceSet } from "../parser/index.ts";
import type { MailboxView } from "../view.ts";

export function selectedView(s: ImapApi): MailboxView {
  const view = s.selected;
  if (view === null) throw no("No mailbox selected.");
  return view;
}

/**
 * The sequence numbers `set` names, ascending and each once. UIDs that do not exist are ignored
 * (RFC 9051 §6.4.9); a sequence number past the last message (or "*" in an empty mailbox) is an
 * error (RFC 9051 §9, note on seq-number): tagged BAD.
 */
export function targetSeqs(view: MailboxView, set: SequenceSet, uid: boolean): number[] {
  // RFC 5182 §2.1: "$" is the saved result, by UID or not; empty before any SAVE.
  if (set.type === "saved") return view.savedSeqs();
  if (uid) return selectUids(set, view.uids).map((i) => i + 1);
  const exists = view.exists;
  for (const r of set.ranges) {
    for (const n of [r.from, r.to]) {
      if (n === "*" ? exists === 0 : n > exists) throw bad("Invalid message sequence number.");
    }
  }
  return [...iterateIntervals(clipIntervals(resolveSequenceSet(set, exists), exists))];
}

/** The UIDs of sequence numbers (all of which the view holds). */
export function uidsOf(view: MailboxView, seqs: readonly number[]): number[] {
  return seqs.map((seq) => view.uidAt(seq) ?? 0);
}
