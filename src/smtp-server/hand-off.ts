/**
 * What both SMTP roles do with an accepted message: hosted recipients get it in their INBOX (or,
 * quarantined by the MX's sender checks, in their Junk folder), the others' addresses go to the
 * outbound queue, and every recipient's audit row (and the sender checks' row) is written — all in
 * one commit through the store's delivery function, durable before the 250 (principle 1); a failed
 * commit leaves no file.
 */
import type { AuditLog, AuthResultRow } from "../audit/index.ts";
import { enqueue } from "../queue/index.ts";
import { deliverMessage, type DeliveryTarget, type Store } from "../store/index.ts";
import { acceptedRecipientRows } from "./audit-sink.ts";
import { checkDeliveryQuota } from "./quota.ts";
import type { MailTransaction, Recipient, SessionInfo } from "./types.ts";

interface HandOff {
  id: string;
  message: readonly Buffer[];
  size: number;
  /** The hosted recipients' folder: INBOX (default) or Junk. */
  target?: DeliveryTarget;
  /** The MX's sender checks of the message, recorded in the same commit. */
  checks?: AuthResultRow;
  /** Who handed the queued part over: "relay", "submission:ADDRESS". */
  source: string;
  /** Each recipient's audit row text and whether it was delivered here. */
  outcome: (r: Recipient) => { text: string; delivered: boolean };
}

/** Stores and queues the message; true when some of it was queued (the caller wakes the runner). */
export async function handOff(store: Store, audit: AuditLog, s: SessionInfo, tx: MailTransaction, m: HandOff): Promise<boolean> {
  const accounts = [...new Set(tx.recipients.map((r) => r.accountId).filter((a): a is number => a !== null))];
  const queued = tx.recipients.filter((r) => r.accountId === null).map((r) => r.address);
  // The recipients' quotas with the real size (RCPT knew only the declared one, if any).
  await checkDeliveryQuota(store, tx.recipients, m.size);
  const now = Date.now();
  const rows = acceptedRecipientRows(s, tx, now, m.outcome);
  await deliverMessage(store, {
    id: m.id,
    message: m.message,
    accounts,
    target: m.target,
    internalDate: now,
    alsoInCommit: async (trx, { blob }) => {
      if (queued.length > 0) {
        await enqueue(trx, { id: m.id, from: tx.from, recipients: queued, blob: blob.name, size: m.size, source: m.source, now, ownsBlob: accounts.length === 0 });
      }
      await audit.smtpRecipientsIn(trx, rows);
      if (m.checks !== undefined) await audit.authResultIn(trx, m.checks);
    },
  });
  return queued.length > 0;
}
