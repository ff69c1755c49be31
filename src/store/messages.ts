/**
 * Message writes the IMAP server makes (RFC 9051 §6.3.12 APPEND, §6.4.3 EXPUNGE, §6.4.6 STORE,
 * §6.4.7 COPY; RFC 6851 MOVE; RFC 4315 UIDPLUS) and the row reads FETCH and SEARCH need.
 *
 * Every write goes through the group committer, so it is on disk before the promise resolves
 * ("acknowledged means durable"), and then announces the change so other sessions — IDLE
 * included — pick it up. A write that changes messages gives them the mailbox's new
 * highest_modseq as their modseq (the CONDSTORE model, RFC 7162 §3), which is what a selected
 * view compares to tell which flags moved.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.ts";
import type { Store } from "./database.ts";
import { commitWithBlobs } from "./handoff.ts";
import { checkMailboxQuota, OverQuotaError, type QuotaVerdict } from "./quota.ts";
import { removeMessages, uidSpan } from "./sync.ts";

/** RFC 9051 §2.3.2: the system flags, in the order they are stored. */
const SYSTEM_ORDER = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];
const SYSTEM_RANK = new Map(SYSTEM_ORDER.map((f, i) => [f.toLowerCase(), i]));
/** Keywords one message may carry; more is refused (the IMAP layer answers NO [LIMIT]). */
export const MAX_KEYWORDS = 100;
/** SQLite allows 32,766 host parameters; stay far below. */
const CHUNK = 500;

export class FlagLimitError extends Error {
  override name = "FlagLimitError";
}

export type FlagOp = "set" | "add" | "remove";

/**
 * Applies a STORE operation to a stored flag string (space-separated). Flag names compare
 * case-insensitively (RFC 9051 §2.3.2); the result lists system flags first, then keywords in
 * the order they were added, each once.
 */
export function applyFlagOp(current: string, op: FlagOp, flags: readonly string[]): string {
  const have = new Map<string, string>();
  if (op !== "set") for (const f of current.split(" ")) if (f !== "") have.set(f.toLowerCase(), f);
  if (op === "remove") {
    for (const f of flags) have.delete(f.toLowerCase());
  } else {
    for (const f of flags) if (!have.has(f.toLowerCase())) have.set(f.toLowerCase(), f);
  }
  const system: string[] = [];
  const keywords: string[] = [];
  for (const [lower, f] of have) {
    if (SYSTEM_RANK.has(lower)) system.push(f);
    else keywords.push(f);
  }
  if (keywords.length > MAX_KEYWORDS) throw new FlagLimitError(`more than ${MAX_KEYWORDS} keywords on a message`);
  system.sort((a, b) => (SYSTEM_RANK.get(a.toLowerCase()) ?? 0) - (SYSTEM_RANK.get(b.toLowerCase()) ?? 0));
  return [...system, ...keywords].join(" ");
}

interface MessageFullRow {
  uid: number;
  blob: string;
  size: number;
  internalDate: number;
  flags: string;
  modseq: number;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The rows of `uids` (ascending or not) in one mailbox, in UID order; UIDs without a row (expunged)
 * are left out. A long list is read as one UID range and filtered, not as thousands of parameters.
 */
export async function messageRows(db: Db, mailboxId: number, uids: readonly number[]): Promise<MessageFullRow[]> {
  if (uids.length === 0) return [];
  const cols = ["uid", "blob", "size", "internal_date", "flags", "modseq"] as const;
  let rows: Array<{ uid: number; blob: string; size: number; internal_date: number; flags: string; modseq: number }>;
  if (uids.length > CHUNK) {
    const { lo, hi } = uidSpan(uids);
    const want = new Set(uids);
    const all = await db.selectFrom("messages").select(cols).where("mailbox_id", "=", mailboxId).where("uid", ">=", lo).where("uid", "<=", hi).orderBy("uid").execute();
    rows = all.filter((r) => want.has(r.uid));
  } else {
    rows = await db.selectFrom("messages").select(cols).where("mailbox_id", "=", mailboxId).where("uid", "in", [...uids]).orderBy("uid").execute();
  }
  return rows.map((r) => ({ uid: r.uid, blob: r.blob, size: r.size, internalDate: r.internal_date, flags: r.flags, modseq: r.modseq }));
}

/**
 * Messages changed or added since a view last looked: modseq above `modseq`, in UID order. With
 * one writer at a time, a message's modseq is its mailbox's highest at commit, so a snapshot
 * that saw modseq M has seen every change up to M (RFC 7162 §3.1.1's model).
 */
export async function changedSince(db: Db, mailboxId: number, modseq: number): Promise<Array<{ uid: number; flags: string; modseq: number }>> {
  return db.selectFrom("messages").select(["uid", "flags", "modseq"]).where("mailbox_id", "=", mailboxId).where("modseq", ">", modseq).orderBy("uid").execute();
}

/**
 * What a selected view needs to catch up, read in one statement (one snapshot): how many messages
 * the mailbox holds now (its counter, migrations-counters.ts) and, as `changedSince` gives them, the
 * messages changed or added since `modseq` — read only when the mailbox's highest modseq moved past
 * it, so a flush after nothing changed costs one primary-key lookup. Undefined: the mailbox is gone.
 */
export async function mailboxChanges(db: Db, mailboxId: number, modseq: number): Promise<{ messages: number; changed: Array<{ uid: number; flags: string; modseq: number }> } | undefined> {
  // The first row is the mailbox's (modseq -1 marks it, its count in `uid`); the others are messages.
  const { rows } = await sql<{ uid: number; flags: string | null; modseq: number }>`
    SELECT message_count AS uid, NULL AS flags, -1 AS modseq FROM mailboxes WHERE id = ${mailboxId}
    UNION ALL
    SELECT uid, flags, modseq FROM messages WHERE mailbox_id = ${mailboxId} AND modseq > ${modseq}
      AND EXISTS (SELECT 1 FROM mailboxes WHERE id = ${mailboxId} AND highest_modseq > ${modseq})`.execute(db);
  const head = rows.find((r) => r.modseq === -1);
  if (head === undefined) return undefined;
  const changed: Array<{ uid: number; flags: string; modseq: number }> = [];
  for (const r of rows) if (r.modseq !== -1) changed.push({ uid: r.uid, flags: r.flags ?? "", modseq: r.modseq });
  changed.sort((a, b) => a.uid - b.uid);
  return { messages: head.uid, changed };
}

/** The UIDs up to `uid`, ascending. */
export async function uidsUpTo(db: Db, mailboxId: number, uid: number): Promise<number[]> {
  const rows = await db.selectFrom("messages").select("uid").where("mailbox_id", "=", mailboxId).where("uid", "<=", uid).orderBy("uid").execute();
  return rows.map((r) => r.uid);
}

async function bumpModseq(trx: Transaction<Database>, mailboxId: number): Promise<number> {
  const mb = await trx.selectFrom("mailboxes").select("highest_modseq").where("id", "=", mailboxId).executeTakeFirst();
  if (mb === undefined) throw new Error("mailbox vanished");
  const modseq = mb.highest_modseq + 1;
  await trx.updateTable("mailboxes").set({ highest_modseq: modseq }).where("id", "=", mailboxId).execute();
  return modseq;
}

interface FlagResult {
  uid: number;
  flags: string;
  modseq: number;
  changed: boolean;
  /** Changed after `unchangedSince`, so left alone (RFC 7162 §3.1.3: reported as MODIFIED). */
  modified: boolean;
}

/**
 * STORE (RFC 9051 §6.4.6): sets, adds or removes flags on the messages of `uids` that still
 * exist. Returns each one's flags afterwards; changed ones carry the mailbox's new modseq. With
 * `unchangedSince` (RFC 7162 §3.1.3), a message whose modseq is above it is not touched.
 */
export async function storeFlags(
  store: Store,
  mailboxId: number,
  uids: readonly number[],
  op: FlagOp,
  flags: readonly string[],
  opts: { unchangedSince?: number } = {},
): Promise<FlagResult[]> {
  if (uids.length === 0) return [];
  // Committed, not awaited to disk (GroupCommitter.apply): flags are not mail.
  const results = await store.committer.apply(async (trx) => {
    const rows = await messageRows(trx, mailboxId, uids);
    const out: FlagResult[] = [];
    let modseq = 0;
    for (const r of rows) {
      if (opts.unchangedSince !== undefined && r.modseq > opts.unchangedSince) {
        out.push({ uid: r.uid, flags: r.flags, modseq: r.modseq, changed: false, modified: true });
        continue;
      }
      const next = applyFlagOp(r.flags, op, flags);
      if (next === r.flags) {
        out.push({ uid: r.uid, flags: r.flags, modseq: r.modseq, changed: false, modified: false });
        continue;
      }
      if (modseq === 0) modseq = await bumpModseq(trx, mailboxId);
      await trx.updateTable("messages").set({ flags: next, modseq }).where("mailbox_id", "=", mailboxId).where("uid", "=", r.uid).execute();
      out.push({ uid: r.uid, flags: next, modseq, changed: true, modified: false });
    }
    return out;
  });
  if (results.some((r) => r.changed)) store.events.emit("changed", mailboxId);
  return results;
}

/**
 * Claims the \Recent messages of a mailbox up to `uptoUid` for one read-write session (RFC 3501
 * §2.3.2: a message is recent to exactly one session, the first to be told of it). Moves the
 * mailbox's recent mark past `uptoUid` in one committed transaction and returns the first UID
 * claimed (the claim is every UID from it to `uptoUid`), or null when another session, or no
 * message, was first. The mark lives in the database, so sessions of several processes share it.
 */
export async function claimRecent(store: Store, mailboxId: number, uptoUid: number): Promise<number | null> {
  // Most calls find nothing to claim: answer those without a commit.
  const seen = await store.db.selectFrom("mailboxes").select("recent_uid").where("id", "=", mailboxId).executeTakeFirst();
  if (seen === undefined || seen.recent_uid > uptoUid) return null;
  return store.committer.apply(async (trx) => {
    const mb = await trx.selectFrom("mailboxes").select("recent_uid").where("id", "=", mailboxId).executeTakeFirst();
    if (mb === undefined || mb.recent_uid > uptoUid) return null;
    await trx.updateTable("mailboxes").set({ recent_uid: uptoUid + 1 }).where("id", "=", mailboxId).execute();
    return mb.recent_uid;
  });
}

/** Allocates `count` UIDs in a mailbox inside `trx`: the first one and the modseq the new rows get. */
async function allocateUids(trx: Transaction<Database>, mailboxId: number, count: number): Promise<{ first: number; modseq: number; uidvalidity: number }> {
  const mb = await trx.selectFrom("mailboxes").select(["uidnext", "highest_modseq", "uidvalidity"]).where("id", "=", mailboxId).executeTakeFirst();
  if (mb === undefined) throw new MailboxGoneError();
  const modseq = mb.highest_modseq + 1;
  await trx.updateTable("mailboxes").set({ uidnext: mb.uidnext + count, highest_modseq: modseq }).where("id", "=", mailboxId).execute();
  return { first: mb.uidnext, modseq, uidvalidity: mb.uidvalidity };
}

/** The target mailbox was deleted while the command ran. */
export class MailboxGoneError extends Error {
  override name = "MailboxGoneError";
}

/**
 * APPEND (RFC 9051 §6.3.12): writes the bytes as a blob (fsynced), then indexes them in the
 * mailbox with the next UID; resolves only once both are durable. RFC 4315 APPENDUID data, and the
 * blob's name. No room (the free-space floor, a full disk): StorageFullError, and no file is left
 * behind.
 */
export async function appendMessage(
  store: Store,
  mailboxId: number,
  bytes: Uint8Array,
  flags: string,
  internalDate: number,
): Promise<{ uid: number; uidvalidity: number; blob: string }> {
  // Before the file is written (a refusal costs no write), and again in the commit (exactly).
  await refuseOverQuota(store.db, mailboxId, bytes.length);
  const blob = await store.blobs.write([bytes]);
  const res = await commitWithBlobs(store, [blob], async (trx) => {
    const verdict = await checkMailboxQuota(trx, mailboxId, blob.size);
    if (verdict !== "fits") return verdict;
    const { first, modseq, uidvalidity } = await allocateUids(trx, mailboxId, 1);
    await trx
      .insertInto("messages")
      .values({ mailbox_id: mailboxId, uid: first, blob: blob.name, size: blob.size, internal_date: internalDate, flags, modseq })
      .execute();
    return { uid: first, uidvalidity, blob: blob.name };
  });
  if (typeof res === "string") return refusedWith(store, [blob.name], res);
  store.events.emit("changed", mailboxId);
  return res;
}

/** Throws OverQuotaError when `adding` bytes do not fit the quota of the mailbox's account now. */
async function refuseOverQuota(db: Db, mailboxId: number, adding: number): Promise<void> {
  const verdict = await checkMailboxQuota(db, mailboxId, adding);
  if (verdict !== "fits") throw new OverQuotaError(verdict);
}

/**
 * A write the quota refused inside its transaction (returned, not thrown, so it does not spoil the
 * batch it shares a commit with): its new files go at once, and the caller hears OverQuotaError.
 */
async function refusedWith(store: Store, blobs: readonly string[], verdict: Exclude<QuotaVerdict, "fits">): Promise<never> {
  for (const b of blobs) await store.blobs.remove(b).catch(() => undefined);
  throw new OverQuotaError(verdict);
}

/**
 * Several APPENDs into one mailbox in one commit (the shape of RFC 3502 MULTIAPPEND): the files
 * are written (and fsynced) side by side, then every row commits in one transaction with
 * consecutive UIDs in the order given, so a bulk import pays one commit per batch, not per message.
 */
export async function appendMessages(
  store: Store,
  mailboxId: number,
  messages: ReadonlyArray<{ bytes: Uint8Array; flags: string; internalDate: number }>,
): Promise<{ uids: number[]; uidvalidity: number }> {
  if (messages.length === 0) return { uids: [], uidvalidity: 0 };
  const total = messages.reduce((n, m) => n + m.bytes.length, 0);
  await refuseOverQuota(store.db, mailboxId, total);
  const settled = await Promise.allSettled(messages.map((m) => store.blobs.write([m.bytes])));
  const blobs = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed !== undefined) {
    // Nothing names the files written: remove them now rather than leave them to the sweep.
    for (const b of blobs) {
      await store.blobs.remove(b.name).catch(() => undefined);
      store.blobs.settle(b.name);
    }
    throw failed.reason;
  }
  const res = await commitWithBlobs(store, blobs, async (trx) => {
    const verdict = await checkMailboxQuota(trx, mailboxId, total);
    if (verdict !== "fits") return verdict;
    const { first, modseq, uidvalidity } = await allocateUids(trx, mailboxId, messages.length);
    const values = messages.map((m, i) => ({
      mailbox_id: mailboxId,
      uid: first + i,
      blob: blobs[i]?.name ?? "",
      size: blobs[i]?.size ?? 0,
      internal_date: m.internalDate,
      flags: m.flags,
      modseq,
    }));
    for (let i = 0; i < values.length; i += CHUNK / 10) await trx.insertInto("messages").values(values.slice(i, i + CHUNK / 10)).execute();
    return { uids: values.map((v) => v.uid), uidvalidity };
  });
  if (typeof res === "string") return refusedWith(store, blobs.map((b) => b.name), res);
  store.events.emit("changed", mailboxId);
  return res;
}

export interface CopyResult {
  /** The target's UIDVALIDITY (RFC 4315 COPYUID). */
  uidvalidity: number;
  /** Source UIDs copied, ascending; `dstUids[i]` is the copy of `srcUids[i]`. */
  srcUids: number[];
  dstUids: number[];
}

/**
 * The rows of `uids` copied into `to`. With `quota`, a copy that would take the target's account
 * over its quota is refused (its verdict returned); a MOVE within the account adds nothing.
 */
async function copyRows(trx: Transaction<Database>, from: number, uids: readonly number[], to: number, quota: boolean): Promise<CopyResult | Exclude<QuotaVerdict, "fits">> {
  const rows = await messageRows(trx, from, uids);
  if (quota && rows.length > 0) {
    const verdict = await checkMailboxQuota(trx, to, rows.reduce((n, r) => n + r.size, 0));
    if (verdict !== "fits") return verdict;
  }
  if (rows.length === 0) {
    const mb = await trx.selectFrom("mailboxes").select("uidvalidity").where("id", "=", to).executeTakeFirst();
    if (mb === undefined) throw new MailboxGoneError();
    return { uidvalidity: mb.uidvalidity, srcUids: [], dstUids: [] };
  }
  const { first, modseq, uidvalidity } = await allocateUids(trx, to, rows.length);
  const values = rows.map((r, i) => ({
    mailbox_id: to,
    uid: first + i,
    blob: r.blob,
    size: r.size,
    internal_date: r.internalDate,
    flags: r.flags,
    modseq,
  }));
  for (let i = 0; i < values.length; i += CHUNK / 10) await trx.insertInto("messages").values(values.slice(i, i + CHUNK / 10)).execute();
  return { uidvalidity, srcUids: rows.map((r) => r.uid), dstUids: values.map((v) => v.uid) };
}

/**
 * COPY (RFC 9051 §6.4.7): the messages of `uids` that still exist get new UIDs in `toMailbox`,
 * sharing the blob (bytes are immutable), with their flags and internal date. It adds only rows,
 * but it adds: below the free-space floor it is refused (StorageFullError) like a new message.
 */
export async function copyMessages(store: Store, fromMailbox: number, uids: readonly number[], toMailbox: number): Promise<CopyResult> {
  await store.space.check(0);
  const res = await store.committer.submit((trx) => copyRows(trx, fromMailbox, uids, toMailbox, true));
  if (typeof res === "string") throw new OverQuotaError(res);
  if (res.dstUids.length > 0) store.events.emit("changed", toMailbox);
  return res;
}

/** MOVE (RFC 6851 §3.1): copy and removal of the source messages in one transaction. */
export async function moveMessages(store: Store, fromMailbox: number, uids: readonly number[], toMailbox: number): Promise<CopyResult> {
  const res = await store.committer.submit(async (trx) => {
    // Both mailboxes are the account's (its one quota root): a MOVE adds nothing to its usage.
    const copied = await copyRows(trx, fromMailbox, uids, toMailbox, false);
    if (typeof copied === "string") throw new OverQuotaError(copied);
    // The source rows go with a modseq of their own and a tombstone each (RFC 7162 §3.2.5).
    if (copied.srcUids.length > 0) await removeMessages(trx, fromMailbox, copied.srcUids);
    return copied;
  });
  if (res.srcUids.length > 0) {
    store.events.emit("changed", toMailbox);
    if (fromMailbox !== toMailbox) store.events.emit("changed", fromMailbox);
  }
  return res;
}

/**
 * EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes the messages flagged
 * \Deleted — only those among `uids` when given. Returns the removed UIDs, ascending.
 */
export async function expunge(store: Store, mailboxId: number, uids?: readonly number[]): Promise<number[]> {
  if (uids?.length === 0) return [];
  // Committed, not awaited to disk (GroupCommitter.apply): a power loss may bring the messages
  // back, never lose one. The blob sweep commits durably before it trusts that a file is unused.
  const removed = await store.committer.apply(async (trx) => {
    const rows =
      uids === undefined
        ? await trx.selectFrom("messages").select(["uid", "flags"]).where("mailbox_id", "=", mailboxId).orderBy("uid").execute()
        : await messageRows(trx, mailboxId, uids);
    const gone = rows.filter((r) => r.flags.split(" ").some((f) => f.toLowerCase() === "\\deleted")).map((r) => r.uid);
    return removeMessages(trx, mailboxId, gone);
  });
  if (removed.length > 0) store.events.emit("changed", mailboxId);
  return removed;
}
