/**
 * Returning mail to its sender: builds the DSN (src/bounce) and hands it on — into the sender's
 * INBOX when the sender is a hosted account, otherwise into the queue with the null sender
 * (RFC 5321 §4.5.5), so a bounce can never bounce again. The DSN's blob is written and fsynced
 * before; `commit` runs inside the runner's transaction, with the recipients' new states.
 */
import type { Transaction } from "kysely";
import { buildDsn, type DeliveryProblem } from "../bounce/index.ts";
import type { Config } from "../config/index.ts";
import { lookupRecipient } from "../directory/index.ts";
import { enqueue, newQueueId } from "../queue/index.ts";
import { appendToInboxes, type Database, type Store, type WrittenBlob } from "../store/index.ts";

export interface Bounced {
  address: string;
  problem: DeliveryProblem;
  remoteMta: string | null;
  lastAttemptAt: number;
}

export interface PendingDsn {
  /** Adds the DSN inside the caller's transaction; returns the mailboxes that changed. */
  commit(trx: Transaction<Database>): Promise<number[]>;
  /** The DSN's blob: commit with `commitWithBlobs` (its directory fsynced first; removed if the commit fails). */
  blob: WrittenBlob;
}

export async function returnToSender(
  store: Store,
  config: Config,
  q: { id: string; mail_from: string; created_at: number; blob: string },
  bounced: readonly Bounced[],
): Promise<PendingDsn> {
  const original = await store.blobs.read(q.blob);
  const dsn = buildDsn({
    reportingMta: config.hostname,
    sender: q.mail_from,
    queueId: q.id,
    arrivalDate: q.created_at,
    recipients: bounced.map((b) => ({ address: b.address, problem: b.problem, ...(b.remoteMta !== null ? { remoteMta: b.remoteMta } : {}), lastAttemptAt: b.lastAttemptAt })),
    original,
  });
  const local = await lookupRecipient(store.db, q.mail_from);
  // Written last: from here the caller owns the blob (StorageFullError when there is no room).
  const blob = await store.blobs.write([dsn]);
  return {
    blob,
    async commit(trx) {
      const now = Date.now();
      if (local.kind === "account") {
        const stored = await appendToInboxes(trx, [local.accountId], blob, now);
        return stored.map((m) => m.mailboxId);
      }
      await enqueue(trx, { id: newQueueId(), from: "", recipients: [q.mail_from], blob: blob.name, size: blob.size, source: `bounce:${q.id}`, now, ownsBlob: true });
      return [];
    },
  };
}
