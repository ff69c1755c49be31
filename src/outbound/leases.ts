/**
 * Leases on queued recipients (issue 16): with several nodes on one database, a recipient is
 * delivered by the node that claimed it, and by no other while the claim holds. A claim is one
 * UPDATE … RETURNING whose rows are picked with `FOR UPDATE SKIP LOCKED` on PostgreSQL — nodes
 * claiming at once each get other rows, none waits — and is atomic by itself on SQLite. It holds
 * a minute and is renewed while the delivery runs; the outcome is written only where this node
 * still holds it. A node that dies gives its work back when its claims expire, or at once when its
 * heartbeat is gone (src/cluster) or when it starts again.
 */
import type { ExpressionBuilder, Kysely } from "kysely";
import { LIVE_MS } from "../cluster/index.ts";
import { engineOf, type Database } from "../store/index.ts";

/** How long a claim holds without renewal; the claims of deliveries in progress are renewed every quarter of it. */
const LEASE_MS = 60_000;
/** Ids per statement when renewing or releasing many claims. */
const CHUNK = 500;

export interface DueRow {
  id: number;
  queue_id: string;
  recipient: string;
  domain: string;
  attempts: number;
}

/**
 * Pending, due, and claimed by nobody: never claimed, its claim expired, or its claimant stopped
 * or gone (its heartbeat older than LIVE_MS).
 */
function claimable(now: number) {
  return (eb: ExpressionBuilder<Database, "queue_recipients">) =>
    eb.and([
      eb("status", "=", "pending"),
      eb("next_attempt_at", "<=", now),
      eb.or([
        eb("lease_until", "is", null),
        eb("lease_until", "<=", now),
        eb("lease_owner", "in", eb.selectFrom("nodes").select("nodes.id").where((n) => n.or([n("nodes.stopped_at", "is not", null), n("nodes.last_seen", "<", now - LIVE_MS)]))),
      ]),
    ]);
}

export class Leases {
  readonly #db: Kysely<Database>;
  readonly #owner: string;
  readonly #skipLocked: boolean;
  /** How long a claim holds without renewal, ms. */
  readonly leaseMs: number;

  /** `owner`: this node's id (src/cluster `nodeId`). */
  constructor(db: Kysely<Database>, owner: string, leaseMs = LEASE_MS) {
    this.#db = db;
    this.#owner = owner;
    this.#skipLocked = engineOf(db) === "postgres";
    this.leaseMs = leaseMs;
  }

  /** Destinations with claimable mail, messages in `busy` (in flight here) left out. */
  async domains(busy: readonly string[], now: number, limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("queue_recipients")
      .select("domain")
      .distinct()
      .where(claimable(now))
      .$if(busy.length > 0, (q) => q.where("queue_id", "not in", busy))
      .limit(limit)
      .execute();
    return rows.map((r) => r.domain);
  }

  /**
   * Claims, for `domain`, the oldest `messages` claimable messages (not in `busy`) with all their
   * claimable recipients there: a message goes out in one SMTP transaction where it can.
   */
  async claim(domain: string, messages: number, busy: readonly string[], now: number): Promise<DueRow[]> {
    const db = this.#db;
    const lead = db
      .selectFrom("queue_recipients")
      .select("queue_id")
      .where("domain", "=", domain)
      .where(claimable(now))
      .$if(busy.length > 0, (q) => q.where("queue_id", "not in", busy))
      .orderBy("next_attempt_at")
      .limit(messages)
      .$if(this.#skipLocked, (q) => q.forUpdate().skipLocked());
    const ids = db
      .selectFrom("queue_recipients")
      .select("id")
      .where("domain", "=", domain)
      .where("queue_id", "in", lead)
      .where(claimable(now))
      .$if(this.#skipLocked, (q) => q.forUpdate().skipLocked());
    const rows = await db
      .updateTable("queue_recipients")
      .set({ lease_owner: this.#owner, lease_until: now + this.leaseMs })
      .where("id", "in", ids)
      .returning(["id", "queue_id", "recipient", "domain", "attempts", "next_attempt_at"])
      .execute();
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id).map(({ next_attempt_at: _, ...r }) => r);
  }

  /** Extends this node's claims on `ids` (deliveries in progress) by the lease's length from `now`. */
  async renew(ids: readonly number[], now: number): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await this.#db
        .updateTable("queue_recipients")
        .set({ lease_until: now + this.leaseMs })
        .where("id", "in", ids.slice(i, i + CHUNK))
        .where("lease_owner", "=", this.#owner)
        .execute();
    }
  }

  /** Gives back this node's claims on `ids`, or on everything (at start and at stop). */
  async release(ids?: readonly number[]): Promise<void> {
    const give = this.#db.updateTable("queue_recipients").set({ lease_owner: null, lease_until: null }).where("lease_owner", "=", this.#owner);
    if (ids === undefined) {
      await give.execute();
      return;
    }
    for (let i = 0; i < ids.length; i += CHUNK) await give.where("id", "in", ids.slice(i, i + CHUNK)).execute();
  }
}
