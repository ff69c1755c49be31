/**
 * The outbound queue: a message is in the queue only once its blob is fsynced and its row is
 * committed (principle 1) — the hand-off from submission is acknowledged after that. The runner
 * that delivers, retries and bounces belongs to the outbound issue; until then messages wait here.
 */
import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.ts";

export interface QueuedMessage {
  id: string;
  createdAt: number;
  from: string;
  recipients: string[];
  blob: string;
  size: number;
  status: string;
  nextAttemptAt: number;
  attempts: number;
  lastError: string | null;
  source: string;
}

export function newQueueId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

/** Adds a message inside the caller's transaction (so it commits with whatever else the hand-off does). */
export async function enqueue(
  trx: Transaction<Database>,
  msg: { id: string; from: string; recipients: readonly string[]; blob: string; size: number; source: string; now?: number },
): Promise<void> {
  const now = msg.now ?? Date.now();
  await trx
    .insertInto("queue")
    .values({
      id: msg.id,
      created_at: now,
      mail_from: msg.from,
      recipients: JSON.stringify(msg.recipients),
      blob: msg.blob,
      size: msg.size,
      status: "queued",
      next_attempt_at: now,
      attempts: 0,
      last_error: null,
      source: msg.source,
    })
    .execute();
}

export async function listQueue(db: Kysely<Database>): Promise<QueuedMessage[]> {
  const rows = await db.selectFrom("queue").selectAll().orderBy("created_at").execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    from: r.mail_from,
    recipients: JSON.parse(r.recipients) as string[],
    blob: r.blob,
    size: r.size,
    status: r.status,
    nextAttemptAt: r.next_attempt_at,
    attempts: r.attempts,
    lastError: r.last_error,
    source: r.source,
  }));
}
