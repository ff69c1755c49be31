/**
 * The outbound queue's records: a message is in the queue only once its blob is fsynced and its
 * rows are committed (principle 1) — the hand-off from submission or the MX is acknowledged after
 * that. Each recipient has its own row and schedule, so a message to three domains is delivered,
 * retried and bounced per destination, like Postfix's per-recipient queue file records.
 */
import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.ts";
import { domainOf } from "../smtp/index.ts";

interface QueuedRecipient {
  address: string;
  domain: string;
  /** "pending", "delivered" or "failed". */
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lastReply: string | null;
  remoteMta: string | null;
}

export interface QueuedMessage {
  id: string;
  createdAt: number;
  from: string;
  /** Addresses still pending. */
  recipients: string[];
  blob: string;
  size: number;
  /** "queued", "deferred" (tried and waiting), "held" (the queue is paused). */
  status: string;
  nextAttemptAt: number;
  attempts: number;
  lastError: string | null;
  source: string;
}

interface QueuedMessageDetail extends QueuedMessage {
  allRecipients: QueuedRecipient[];
}

export function newQueueId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

/**
 * Adds a message inside the caller's transaction (so it commits with whatever else the hand-off
 * does). `ownsBlob`: no mailbox shares the blob, so the queue deletes it when the message is done.
 */
export async function enqueue(
  trx: Transaction<Database>,
  msg: { id: string; from: string; recipients: readonly string[]; blob: string; size: number; source: string; now?: number; ownsBlob?: boolean },
): Promise<void> {
  const now = msg.now ?? Date.now();
  await trx
    .insertInto("queue")
    .values({
      id: msg.id,
      created_at: now,
      mail_from: msg.from,
      blob: msg.blob,
      size: msg.size,
      source: msg.source,
      owns_blob: msg.ownsBlob === true ? 1 : 0,
    })
    .execute();
  await trx
    .insertInto("queue_recipients")
    .values(
      msg.recipients.map((r) => ({
        queue_id: msg.id,
        recipient: r,
        domain: domainOf(r).toLowerCase(),
        status: "pending",
        attempts: 0,
        next_attempt_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

/** Every message still in the queue, oldest first, with its pending recipients and schedule. */
export async function listQueue(db: Kysely<Database>, onlyId?: string): Promise<QueuedMessage[]> {
  const [rows, rcpts, paused] = await Promise.all([
    db.selectFrom("queue").selectAll().$if(onlyId !== undefined, (q) => q.where("id", "=", onlyId ?? "")).orderBy("created_at").execute(),
    db.selectFrom("queue_recipients").selectAll().where("status", "=", "pending").$if(onlyId !== undefined, (q) => q.where("queue_id", "=", onlyId ?? "")).orderBy("id").execute(),
    isPaused(db),
  ]);
  const byQueue = new Map<string, typeof rcpts>();
  for (const r of rcpts) {
    const list = byQueue.get(r.queue_id) ?? [];
    list.push(r);
    byQueue.set(r.queue_id, list);
  }
  return rows.map((r) => {
    const pending = byQueue.get(r.id) ?? [];
    // Loops, not Math.max(...spread): a message may have more recipients than call arguments allow.
    let attempts = 0;
    let next = pending.length > 0 ? Infinity : r.created_at;
    for (const p of pending) {
      attempts = Math.max(attempts, p.attempts);
      next = Math.min(next, p.next_attempt_at);
    }
    const last = pending.find((p) => p.last_reply !== null)?.last_reply ?? null;
    return {
      id: r.id,
      createdAt: r.created_at,
      from: r.mail_from,
      recipients: pending.map((p) => p.recipient),
      blob: r.blob,
      size: r.size,
      status: paused ? "held" : attempts > 0 ? "deferred" : "queued",
      nextAttemptAt: next,
      attempts,
      lastError: last,
      source: r.source,
    };
  });
}

/** How much waits in the queue, from aggregates (no row is read): `sealpost status` and the metrics gauges. */
export interface QueueSummary {
  messages: number;
  /** Recipients still pending, over all messages. */
  recipients: number;
  /** When the oldest message still queued was handed over (ms), or null for an empty queue. */
  oldestCreatedAt: number | null;
  paused: boolean;
}

export async function queueSummary(db: Kysely<Database>): Promise<QueueSummary> {
  const [messages, recipients, paused] = await Promise.all([
    db.selectFrom("queue").select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("created_at").as("oldest")]).executeTakeFirstOrThrow(),
    db.selectFrom("queue_recipients").select((eb) => eb.fn.countAll<number>().as("n")).where("status", "=", "pending").executeTakeFirstOrThrow(),
    isPaused(db),
  ]);
  return { messages: Number(messages.n), recipients: Number(recipients.n), oldestCreatedAt: messages.oldest ?? null, paused };
}

/** One message with every recipient's state, or null. */
export async function showQueued(db: Kysely<Database>, id: string): Promise<QueuedMessageDetail | null> {
  const [item] = await listQueue(db, id);
  if (item === undefined) return null;
  const rcpts = await db.selectFrom("queue_recipients").selectAll().where("queue_id", "=", id).orderBy("id").execute();
  return {
    ...item,
    allRecipients: rcpts.map((r) => ({
      address: r.recipient,
      domain: r.domain,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastReply: r.last_reply,
      remoteMta: r.remote_mta,
    })),
  };
}

/** Makes a message's pending recipients due now; false when there is no such message. */
export async function retryNow(db: Kysely<Database>, id: string, now = Date.now()): Promise<boolean> {
  const exists = await db.selectFrom("queue").select("id").where("id", "=", id).executeTakeFirst();
  if (exists === undefined) return false;
  await db.updateTable("queue_recipients").set({ next_attempt_at: now, updated_at: now }).where("queue_id", "=", id).where("status", "=", "pending").execute();
  return true;
}

/** Asks the runner to return a message to its sender now (it sends the DSN); false when unknown. */
export async function requestBounce(db: Kysely<Database>, id: string, now = Date.now()): Promise<boolean> {
  const res = await db.updateTable("queue").set({ bounce_requested: 1 }).where("id", "=", id).executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) return false;
  await db.updateTable("queue_recipients").set({ next_attempt_at: now, updated_at: now }).where("queue_id", "=", id).where("status", "=", "pending").execute();
  return true;
}

/** Removes a message without a bounce; returns its blob if the queue owned it (for the caller to delete), undefined when unknown. */
export async function deleteQueued(db: Kysely<Database>, id: string): Promise<{ ownedBlob: string | null } | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("queue").select(["blob", "owns_blob"]).where("id", "=", id).executeTakeFirst();
    if (row === undefined) return undefined;
    await trx.deleteFrom("queue_recipients").where("queue_id", "=", id).execute();
    await trx.deleteFrom("queue").where("id", "=", id).execute();
    return { ownedBlob: row.owns_blob === 1 ? row.blob : null };
  });
}

const PAUSED = "queue.paused";

/** The maintenance switch: while paused, mail is accepted and queued but nothing goes out. */
export async function setPaused(db: Kysely<Database>, paused: boolean): Promise<void> {
  if (paused) {
    await db.insertInto("settings").values({ key: PAUSED, value: "1" }).onConflict((oc) => oc.column("key").doUpdateSet({ value: "1" })).execute();
  } else {
    await db.deleteFrom("settings").where("key", "=", PAUSED).execute();
  }
}

export async function isPaused(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom("settings").select("value").where("key", "=", PAUSED).executeTakeFirst();
  return row?.value === "1";
}
