/**
 * What CONDSTORE and QRESYNC (RFC 7162) read and record beyond the message rows.
 *
 * Every expunge takes a new modification sequence of its mailbox and leaves a tombstone per
 * message (mailbox, modseq, uid), so "which UIDs vanished since modseq M" (VANISHED (EARLIER),
 * §3.2.5, §3.2.6) is one range read. The tombstones are bounded per mailbox: past
 * MAX_TOMBSTONES the oldest go and `expunged_floor` rises to the newest modseq forgotten; below it
 * the IMAP layer answers the way §3.2.5.2 allows a server that keeps no record.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.ts";

type Db = Kysely<Database> | Transaction<Database>;

/** Tombstones kept per mailbox before the oldest are pruned (a row is about 20 bytes). */
const MAX_TOMBSTONES = 10_000;
/** What a prune leaves, so pruning runs once per MAX_TOMBSTONES - KEEP_TOMBSTONES expunged messages. */
const KEEP_TOMBSTONES = 5_000;
/** SQLite allows 32,766 host parameters; stay far below. */
const CHUNK = 500;

/**
 * Records that `uids` (which existed) left the mailbox: raises its highest_modseq, and remembers
 * each UID with that modseq. Returns the modseq the expunge took. Runs inside the caller's write.
 */
export async function recordExpunged(trx: Transaction<Database>, mailboxId: number, uids: readonly number[]): Promise<number> {
  const mb = await trx
    .updateTable("mailboxes")
    .set((eb) => ({ highest_modseq: eb("highest_modseq", "+", 1), expunged_count: eb("expunged_count", "+", uids.length) }))
    .where("id", "=", mailboxId)
    .returning(["highest_modseq", "expunged_count"])
    .executeTakeFirst();
  if (mb === undefined) throw new Error("mailbox vanished");
  const modseq = mb.highest_modseq;
  if (uids.length > KEEP_TOMBSTONES) {
    // Too many to keep: forget them all, and every older one, and say so with the floor.
    await trx.deleteFrom("expunged").where("mailbox_id", "=", mailboxId).execute();
    await trx.updateTable("mailboxes").set({ expunged_floor: modseq, expunged_count: 0 }).where("id", "=", mailboxId).execute();
    return modseq;
  }
  const rows = uids.map((uid) => ({ mailbox_id: mailboxId, modseq, uid }));
  for (let i = 0; i < rows.length; i += CHUNK / 5) await trx.insertInto("expunged").values(rows.slice(i, i + CHUNK / 5)).execute();
  if (mb.expunged_count > MAX_TOMBSTONES) await prune(trx, mailboxId);
  return modseq;
}

/** Drops all but the newest KEEP_TOMBSTONES tombstones (whole modseqs at a time) and raises the floor. */
async function prune(trx: Transaction<Database>, mailboxId: number): Promise<void> {
  const cut = await trx
    .selectFrom("expunged")
    .select("modseq")
    .where("mailbox_id", "=", mailboxId)
    .orderBy("modseq", "desc")
    .limit(1)
    .offset(KEEP_TOMBSTONES)
    .executeTakeFirst();
  if (cut === undefined) return;
  const res = await trx.deleteFrom("expunged").where("mailbox_id", "=", mailboxId).where("modseq", "<=", cut.modseq).executeTakeFirst();
  await trx
    .updateTable("mailboxes")
    .set((eb) => ({
      expunged_floor: sql<number>`case when expunged_floor > ${cut.modseq} then expunged_floor else ${cut.modseq} end`,
      expunged_count: eb("expunged_count", "-", Number(res.numDeletedRows)),
    }))
    .where("id", "=", mailboxId)
    .execute();
}

/**
 * Deletes the rows of `uids` in a mailbox and records the ones that existed as expunged (one new
 * modseq for all). Returns those UIDs, ascending; none: nothing changed, no modseq taken.
 */
export async function removeMessages(trx: Transaction<Database>, mailboxId: number, uids: readonly number[]): Promise<number[]> {
  const removed: number[] = [];
  for (let i = 0; i < uids.length; i += CHUNK) {
    const rows = await trx.deleteFrom("messages").where("mailbox_id", "=", mailboxId).where("uid", "in", uids.slice(i, i + CHUNK)).returning("uid").execute();
    for (const r of rows) removed.push(r.uid);
  }
  if (removed.length === 0) return removed;
  removed.sort((a, b) => a - b);
  await recordExpunged(trx, mailboxId, removed);
  return removed;
}

/**
 * The UIDs expunged from a mailbox with a modseq above `modseq`, ascending, and its UIDNEXT.
 * `complete` is false when tombstones that old were pruned (or predate them): then some expunged
 * UIDs are missing.
 */
export async function expungedSince(db: Db, mailboxId: number, modseq: number): Promise<{ uids: number[]; complete: boolean; uidnext: number }> {
  const mb = await db.selectFrom("mailboxes").select(["expunged_floor", "uidnext"]).where("id", "=", mailboxId).executeTakeFirst();
  const rows = await db.selectFrom("expunged").select("uid").where("mailbox_id", "=", mailboxId).where("modseq", ">", modseq).execute();
  const uids = rows.map((r) => r.uid).sort((a, b) => a - b);
  return { uids, complete: mb !== undefined && modseq >= mb.expunged_floor, uidnext: mb?.uidnext ?? 1 };
}

/** The lowest and highest of `uids` (not empty, in any order): the one UID range a long list is read as. */
export function uidSpan(uids: readonly number[]): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = 0;
  for (const u of uids) {
    if (u < lo) lo = u;
    if (u > hi) hi = u;
  }
  return { lo, hi };
}

/** A mailbox's highest modification sequence now (RFC 7162 §3.1.1 HIGHESTMODSEQ); 0 if it is gone. */
export async function highestModseq(db: Db, mailboxId: number): Promise<number> {
  const mb = await db.selectFrom("mailboxes").select("highest_modseq").where("id", "=", mailboxId).executeTakeFirst();
  return mb?.highest_modseq ?? 0;
}

/**
 * Flags and modseq of the messages of `uids` that still exist, read in one UID range; with
 * `since`, only those changed after it (FETCH CHANGEDSINCE, RFC 7162 §3.1.4.1).
 */
export async function flagStates(db: Db, mailboxId: number, uids: readonly number[], since = 0): Promise<Map<number, { flags: string; modseq: number }>> {
  const out = new Map<number, { flags: string; modseq: number }>();
  if (uids.length === 0) return out;
  const { lo, hi } = uidSpan(uids);
  const want = new Set(uids);
  const rows = await db
    .selectFrom("messages")
    .select(["uid", "flags", "modseq"])
    .where("mailbox_id", "=", mailboxId)
    .where("uid", ">=", lo)
    .where("uid", "<=", hi)
    .where("modseq", ">", since)
    .execute();
  for (const r of rows) if (want.has(r.uid)) out.set(r.uid, { flags: r.flags, modseq: r.modseq });
  return out;
}
