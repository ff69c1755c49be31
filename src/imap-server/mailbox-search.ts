/**
 * SEARCH without a session: the UIDs of a mailbox's messages that a search key matches, found by
 * the one engine IMAP's SEARCH, SORT and THREAD run (commands/search.ts, RFC 9051 §6.4.4), over a
 * view of the mailbox as it is now. The webmail's search uses it, so a person finds in the browser
 * exactly what their mail program finds with the same key.
 */
import { getMailboxById, messageStates, type Store } from "../store/index.ts";
import { matchingSeqs } from "./commands/search.ts";
import type { SearchKey } from "./parser/index.ts";
import { MailboxView } from "./view.ts";

/** The UIDs (ascending) of the messages of mailbox `mailboxId` that `key` matches; none when it is gone. */
export async function searchMailbox(store: Store, mailboxId: number, key: SearchKey): Promise<number[]> {
  const mailbox = await getMailboxById(store.db, mailboxId);
  if (mailbox === undefined) return [];
  // Read-only and \Recent to no one: a look that changes nothing (RFC 9051 §6.3.3, EXAMINE).
  const view = new MailboxView(mailbox, true, await messageStates(store.db, mailboxId));
  const { seqs } = await matchingSeqs(store, view, key);
  const uids: number[] = [];
  for (const seq of seqs) {
    const uid = view.uidAt(seq);
    if (uid !== undefined) uids.push(uid);
  }
  return uids;
}
