/**
 * The one way a new message enters the store — MX, submission, bounces (and later the web): its
 * blob is written (or was), the rows that name it commit in one group commit together with the
 * caller's own rows (queue entry, audit rows, recipients' states), and only then do the mailboxes'
 * listeners hear "changed". Principle 1: when this resolves the bytes and the rows are fsynced;
 * when it throws, nothing was committed and the file is gone (handoff.ts).
 */
import type { Transaction } from "kysely";
import type { Database } from "./schema.ts";
import type { Store } from "./database.ts";
import type { WrittenBlob } from "./blobs.ts";
import { commitWithBlobs } from "./handoff.ts";
import { appendToInboxes, type DeliveryTarget, type StoredMessage } from "./mailstore.ts";

/** What the caller's extra rows may need to name: the message's id and its blob. */
interface DeliveryContext {
  id: string;
  blob: WrittenBlob;
  internalDate: number;
}

interface Delivery {
  /**
   * The id the message was already given (data-phase's queue id, in the Received header and the
   * 250 reply; a DSN's queue id). Never minted here; handed to `alsoInCommit` for the queue row.
   */
  id: string;
  /** The message bytes, written and fsynced here; or a blob the caller wrote already (now owned here). */
  message: readonly Uint8Array[] | WrittenBlob;
  /** The accounts whose INBOX gets the message, once each (none: only the caller's rows, e.g. a queue entry). */
  accounts: readonly number[];
  /** Into their INBOX (the default), or into their Junk folder (quarantined by the MX's sender checks). */
  target?: DeliveryTarget;
  internalDate?: number;
  /** The caller's rows, in the same transaction: if it throws, nothing commits and the file is removed. */
  alsoInCommit?: (trx: Transaction<Database>, ctx: DeliveryContext) => Promise<void>;
}

function isWritten(m: Delivery["message"]): m is WrittenBlob {
  return !Array.isArray(m);
}

/** Delivers one message; resolves with its copies (in INBOX or Junk) once they are durable and announced. */
export async function deliverMessage(store: Store, d: Delivery): Promise<StoredMessage[]> {
  const internalDate = d.internalDate ?? Date.now();
  const blob = isWritten(d.message) ? d.message : await store.blobs.write(d.message);
  const ctx: DeliveryContext = { id: d.id, blob, internalDate };
  const accounts = [...new Set(d.accounts)];
  const stored = await commitWithBlobs(store, [blob], async (trx) => {
    const rows = accounts.length > 0 ? await appendToInboxes(trx, accounts, blob, internalDate, "", d.target) : [];
    if (d.alsoInCommit !== undefined) await d.alsoInCommit(trx, ctx);
    return rows;
  });
  // After the commit, never before: a listener (an IDLE session) that reads the mailbox sees the row.
  for (const m of stored) store.events.emit("changed", m.mailboxId);
  return stored;
}
