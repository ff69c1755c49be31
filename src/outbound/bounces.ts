/**
 * Returning mail to its sender: builds the DSN (src/bounce) and hands it on — into the sender's
 * INBOX when the sender is a hosted account, otherwise into the queue with the null sender
 * (RFC 5321 §4.5.5), so a bounce can never bounce again. The DSN's blob is written and fsynced
 * before; `commit` runs inside the runner's transaction, with the recipients' new states. The DSN
 * of a REQUIRETLS message is itself queued with REQUIRETLS and carries the original's header
 * section only, never its body (RFC 8689 §5; buildDsn never includes a body).
 */
import type { Transaction } from "kysely";
import { buildDsn, type DeliveryProblem } from "../bounce/index.ts";
import type { Config } from "../config/index.ts";
import { signForQueue } from "../dkim/index.ts";
import { lookupRecipient } from "../directory/index.ts";
import type { Logger } from "../log/index.ts";
import { enqueue, newQueueId, tlsRequiredOf } from "../queue/index.ts";
import type { Database, Store, WrittenBlob } from "../store/index.ts";

export interface Bounced {
  address: string;
  problem: DeliveryProblem;
  remoteMta: string | null;
  lastAttemptAt: number;
}

/** A DSN written and fsynced, to be delivered with the store's `deliverMessage` inside the runner's commit. */
export interface PendingDsn {
  /** The DSN's own queue id (a remote sender's DSN is queued under it). */
  id: string;
  /** The DSN's blob: from here the caller owns it (removed if the commit fails). */
  blob: WrittenBlob;
  /** The sender's account when it is hosted here: the DSN goes to its INBOX. */
  accounts: number[];
  /** The rows besides the INBOX, inside the caller's transaction: a remote sender's queue entry. */
  commit(trx: Transaction<Database>): Promise<void>;
}

export async function returnToSender(
  store: Store,
  config: Config,
  log: Logger,
  q: { id: string; mail_from: string; created_at: number; blob: string; tls_required: string | null },
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
  const id = newQueueId();
  // A DSN that leaves is signed as it is queued, as MAILER-DAEMON@ the host name's closest hosted domain (src/dkim).
  const parts = local.kind === "account" ? [dsn] : await signForQueue(store.db, log, { id, parts: [dsn], source: `bounce:${q.id}` });
  // Written last: from here the caller owns the blob (StorageFullError when there is no room).
  const blob = await store.blobs.write(parts);
  return {
    id,
    blob,
    accounts: local.kind === "account" ? [local.accountId] : [],
    async commit(trx) {
      if (local.kind === "account") return;
      const requireTls = tlsRequiredOf(q.tls_required) === "requiretls";
      await enqueue(trx, { id, from: "", recipients: [q.mail_from], blob: blob.name, size: blob.size, source: `bounce:${q.id}`, now: Date.now(), ownsBlob: true, tlsRequired: requireTls ? "requiretls" : null });
    },
  };
}
