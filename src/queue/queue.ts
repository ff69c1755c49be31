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

/**
 * What the sender asked of the message's TLS (RFC 8689): "requiretls" — the MAIL parameter
 * REQUIRETLS (§4.1): passed on only over verified TLS to a next hop that offers REQUIRETLS
 * (§4.2.1), or returned; "no" — the header field "TLS-Required: No" (§3): delivered even where the
 * recipient's policies (MTA-STS, DANE) or ours would hold it back for want of TLS (§4.2.2).
 */
export type TlsRequired = "requiretls" | "no";

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
  /** RFC 8689: REQUIRETLS, "TLS-Required: No", or null (neither). */
  tlsRequired: TlsRequired | null;
}

interface QueuedMessageDetail extends QueuedMessage {
  allRecipients: QueuedRecipient[];
}

export function newQueueId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

/**
 * Adds a message inside the caller's transaction (so it commits with whatever else the hand-off
 * does). The blob is the message as it leaves: DKIM-signed before it was written, when it is
 * signed at all (dkim's signForQueue). `ownsBlob`: no mailbox shares the blob, so the queue deletes
 * it when the message is done. `tlsRequired`: the message's RFC 8689 tag, kept with it (§4.1)
 * until it is passed on.
 */
export async function enqueue(
  trx: Transaction<Database>,
  msg: { id: string; from: string; recipients: readonly string[]; blob: string; size: number; source: string; now?: number; ownsBlob?: boolean; tlsRequired?: TlsRequired | null },
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
      tls_required: msg.tlsRequired ?? null,
      sign_on_delivery: 0,
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

/**
 * Messages still in the queue, oldest first, with their pending recipients and schedule: every one,
 * the one with `id`, or the oldest `limit` (a page's table: the rows read are bounded too).
 */
export async function listQueue(db: Kysely<Database>, opts: { id?: string; limit?: number } = {}): Promise<QueuedMessage[]> {
  const { id, limit } = opts;
  const oldest = db.selectFrom("queue").select("id").orderBy("created_at").orderBy("id").$if(limit !== undefined, (q) => q.limit(limit ?? 0));
  const [rows, rcpts, paused] = await Promise.all([
    db
      .selectFrom("queue")
      .selectAll()
      .$if(id !== undefined, (q) => q.where("id", "=", id ?? ""))
      .$if(limit !== undefined, (q) => q.where("id", "in", oldest))
      .orderBy("created_at")
      .orderBy("id")
      .execute(),
    db
      .selectFrom("queue_recipients")
      .selectAll()
      .where("status", "=", "pending")
      .$if(id !== undefined, (q) => q.where("queue_id", "=", id ?? ""))
      .$if(limit !== undefined, (q) => q.where("queue_id", "in", oldest))
      .orderBy("id")
      .execute(),
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
      tlsRequired: tlsRequiredOf(r.tls_required),
    };
  });
}

/** A stored tag as the type says, anything else as none. */
export function tlsRequiredOf(stored: string | null): TlsRequired | null {
  return stored === "requiretls" || stored === "no" ? stored : null;
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
  const [item] = await listQueue(db, { id });
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

/** Where a deleted message's own blob goes: the store's blob files (`Store["blobs"]`). */
interface BlobRemover {
  remove(name: string): Promise<void>;
}

/**
 * Removes a message without a bounce, and the blob it owned (no mailbox shares it) once the rows are
 * gone; false when there is no such message. `sealpost queue delete` and the web console's Delete.
 */
export async function deleteQueued(db: Kysely<Database>, blobs: BlobRemover, id: string): Promise<boolean> {
  const owned = await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("queue").select(["blob", "owns_blob"]).where("id", "=", id).executeTakeFirst();
    if (row === undefined) return undefined;
    await trx.deleteFrom("queue_recipients").where("queue_id", "=", id).execute();
    await trx.deleteFrom("queue").where("id", "=", id).execute();
    return { blob: row.owns_blob === 1 ? row.blob : null };
  });
  if (owned === undefined) return false;
  if (owned.blob !== null) await blobs.remove(owned.blob);
  return true;
}

/** Deferred mail by destination domain: what waits for it and the latest problem (the administration page). */
interface DeferredDestination {
  domain: string;
  messages: number;
  recipients: number;
  /** The most attempts any of its recipients has had. */
  attempts: number;
  /** The latest reply or problem recorded for one of its recipients (the most recently updated). */
  lastProblem: string | null;
  /** When it will be tried next (ms). */
  nextAttemptAt: number;
}

/**
 * Destinations with deferred recipients (pending and tried at least once), the most waiting first;
 * `limit` of them, and how many there are in all.
 */
export async function deferredByDestination(db: Kysely<Database>, limit: number): Promise<{ total: number; destinations: DeferredDestination[] }> {
  const deferred = db.selectFrom("queue_recipients").where("status", "=", "pending").where("attempts", ">", 0);
  const [total, rows] = await Promise.all([
    deferred.select((eb) => eb.fn.count<number>("domain").distinct().as("n")).executeTakeFirstOrThrow(),
    deferred
      .select((eb) => [
        "domain",
        eb.fn.count<number>("queue_id").distinct().as("messages"),
        eb.fn.countAll<number>().as("recipients"),
        eb.fn.max("attempts").as("attempts"),
        eb.fn.min("next_attempt_at").as("next"),
      ])
      .groupBy("domain")
      .orderBy("recipients", "desc")
      .orderBy("domain")
      .limit(limit)
      .execute(),
  ]);
  // The latest problem per listed destination: the reply of its most recently updated deferred recipient.
  const latest = await Promise.all(
    rows.map((r) =>
      deferred.select("last_reply").where("domain", "=", r.domain).where("last_reply", "is not", null).orderBy("updated_at", "desc").orderBy("id", "desc").limit(1).executeTakeFirst(),
    ),
  );
  return {
    total: Number(total.n),
    destinations: rows.map((r, i) => ({
      domain: r.domain,
      messages: Number(r.messages),
      recipients: Number(r.recipients),
      attempts: Number(r.attempts),
      lastProblem: latest[i]?.last_reply ?? null,
      nextAttemptAt: Number(r.next),
    })),
  };
}

/**
 * When the oldest message with a deferred recipient (pending, tried at least once) was queued (ms),
 * or null: the status page's "oldest deferred message" — an age, no address and no count.
 */
export async function oldestDeferredAt(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom("queue")
    .select((eb) => eb.fn.min("created_at").as("oldest"))
    .where("id", "in", db.selectFrom("queue_recipients").select("queue_id").where("status", "=", "pending").where("attempts", ">", 0))
    .executeTakeFirst();
  return row?.oldest ?? null;
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
