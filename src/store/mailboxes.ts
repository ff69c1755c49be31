/**
 * Mailbox reads the IMAP server needs (RFC 9051 §2.3): a mailbox by name, the list, and the
 * per-message state (UID, flags, modification sequence) a selected mailbox is built from.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

export interface MailboxRow {
  id: number;
  accountId: number;
  name: string;
  specialUse: string | null;
  uidvalidity: number;
  uidnext: number;
  highestModseq: number;
  /** The first UID no read-write SELECT has claimed as \Recent yet (RFC 3501 §2.3.2). */
  recentUid: number;
}

export interface MessageState {
  uid: number;
  /** Space-separated flags, as stored. */
  flags: string;
  modseq: number;
}

function toMailbox(r: { id: number; account_id: number; name: string; special_use: string | null; uidvalidity: number; uidnext: number; highest_modseq: number; recent_uid: number }): MailboxRow {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    specialUse: r.special_use,
    uidvalidity: r.uidvalidity,
    uidnext: r.uidnext,
    highestModseq: r.highest_modseq,
    recentUid: r.recent_uid,
  };
}

const COLUMNS = ["id", "account_id", "name", "special_use", "uidvalidity", "uidnext", "highest_modseq", "recent_uid"] as const;

/**
 * RFC 9051 §5.1: "INBOX" is case-insensitive, also as the first level of a hierarchical name
 * ("inbox/x" is "INBOX/x"); every other name is exact.
 */
export function canonicalMailboxName(name: string): string {
  const head = name.slice(0, 5);
  if (head.toUpperCase() === "INBOX" && (name.length === 5 || name[5] === "/")) return `INBOX${name.slice(5)}`;
  return name;
}

export async function getMailbox(db: Kysely<Database>, accountId: number, name: string): Promise<MailboxRow | undefined> {
  const row = await db
    .selectFrom("mailboxes")
    .select(COLUMNS)
    .where("account_id", "=", accountId)
    .where("name", "=", canonicalMailboxName(name))
    .executeTakeFirst();
  return row === undefined ? undefined : toMailbox(row);
}

export async function getMailboxById(db: Kysely<Database>, id: number): Promise<MailboxRow | undefined> {
  const row = await db.selectFrom("mailboxes").select(COLUMNS).where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toMailbox(row);
}

export async function listMailboxes(db: Kysely<Database>, accountId: number): Promise<MailboxRow[]> {
  const rows = await db.selectFrom("mailboxes").select(COLUMNS).where("account_id", "=", accountId).orderBy("name").execute();
  return rows.map(toMailbox);
}

/**
 * The account's subscribed names (RFC 9051 §6.3.7), sorted: a subscription is a name, kept when its
 * mailbox is deleted, so some may name no mailbox.
 */
export async function listSubscriptions(db: Kysely<Database>, accountId: number): Promise<string[]> {
  const rows = await db.selectFrom("subscriptions").select("name").where("account_id", "=", accountId).orderBy("name").execute();
  return rows.map((r) => r.name);
}

/** Every message's UID, flags and modification sequence, in UID order: a selected mailbox's state. */
export async function messageStates(db: Kysely<Database>, mailboxId: number): Promise<MessageState[]> {
  return db.selectFrom("messages").select(["uid", "flags", "modseq"]).where("mailbox_id", "=", mailboxId).orderBy("uid").execute();
}

/** One row of a mailbox's message list: what a list shows without reading the message. */
export interface ListedMessage {
  uid: number;
  blob: string;
  size: number;
  internalDate: number;
  flags: string;
}

/**
 * A page of a mailbox's messages, newest (highest UID) first: `limit` rows after skipping `offset`,
 * of the `total` the mailbox holds (its counter). The unique (mailbox_id, uid) index serves the
 * order: the skipped rows are walked in the index only (a subquery finds the page's first UID;
 * OFFSET in the page's own query would read every skipped row), and a page past the middle is
 * walked from the oldest end, so the deepest page of a 100,000-message INBOX skips no more than
 * half of it.
 */
export async function newestMessages(db: Kysely<Database>, mailboxId: number, offset: number, limit: number, total: number): Promise<ListedMessage[]> {
  const cols = ["uid", "blob", "size", "internal_date", "flags"] as const;
  const fromOldest = offset > total / 2;
  // From the oldest end: the page is the `take` rows after skipping `skip` of the oldest.
  const skip = fromOldest ? Math.max(0, total - offset - limit) : offset;
  const take = fromOldest ? Math.min(limit, total - offset) : limit;
  if (take <= 0) return [];
  const order = fromOldest ? "asc" : "desc";
  const first = db.selectFrom("messages").select("uid").where("mailbox_id", "=", mailboxId).orderBy("uid", order).limit(1).offset(skip);
  const rows = await db
    .selectFrom("messages")
    .select(cols)
    .where("mailbox_id", "=", mailboxId)
    .where("uid", fromOldest ? ">=" : "<=", first)
    .orderBy("uid", order)
    .limit(take)
    .execute();
  if (fromOldest) rows.reverse();
  return rows.map((r) => ({ uid: r.uid, blob: r.blob, size: r.size, internalDate: r.internal_date, flags: r.flags }));
}
