/**
 * Mailboxes and messages: the one store that MX delivery, IMAP and POP3 share.
 *
 * RFC 3501 §2.3.1.1 / RFC 9051 §2.3.1.1: UIDs are strictly ascending per mailbox and never reused;
 * UIDVALIDITY is set when the mailbox is created. RFC 6154: new accounts get the special-use
 * mailboxes real clients look for.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.ts";
import type { Store } from "./database.ts";
import { removeMessages } from "./sync.ts";

export const INBOX = "INBOX";

/** The mailboxes every new account starts with, with their RFC 6154 attributes. */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ name: string; specialUse: string | null }> = [
  { name: INBOX, specialUse: null },
  { name: "Sent", specialUse: "\\Sent" },
  { name: "Drafts", specialUse: "\\Drafts" },
  { name: "Trash", specialUse: "\\Trash" },
  { name: "Junk", specialUse: "\\Junk" },
  { name: "Archive", specialUse: "\\Archive" },
];

let lastUidValidity = 0;
/** A UIDVALIDITY that is new for this server: seconds since the epoch, bumped if two are made in one second. */
export function newUidValidity(): number {
  lastUidValidity = Math.max(lastUidValidity + 1, Math.floor(Date.now() / 1000));
  return lastUidValidity;
}

export async function createDefaultMailboxes(db: Kysely<Database> | Transaction<Database>, accountId: number): Promise<void> {
  const now = Date.now();
  for (const mb of DEFAULT_MAILBOXES) {
    await db
      .insertInto("mailboxes")
      .values({
        account_id: accountId,
        name: mb.name,
        special_use: mb.specialUse,
        uidvalidity: newUidValidity(),
        uidnext: 1,
        highest_modseq: 1,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(["account_id", "name"]).doNothing())
      .execute();
    await db.insertInto("subscriptions").values({ account_id: accountId, name: mb.name }).onConflict((oc) => oc.doNothing()).execute();
  }
}

export interface StoredMessage {
  accountId: number;
  mailboxId: number;
  uid: number;
}

/**
 * Where a delivery goes: the INBOX, or — a message quarantined by the sender checks (DMARC) — the
 * folder with the \Junk attribute (RFC 6154 §2), whatever its name; the INBOX when there is none.
 */
export type DeliveryTarget = "inbox" | "junk";

type Target = { id: number; uidnext: number; highest_modseq: number };

/** The account's mailbox for `target`; an account's first delivery makes its default mailboxes. */
async function targetMailbox(trx: Transaction<Database>, accountId: number, target: DeliveryTarget): Promise<Target> {
  const mailbox = trx.selectFrom("mailboxes").select(["id", "uidnext", "highest_modseq"]).where("account_id", "=", accountId);
  const find = async (): Promise<Target | undefined> =>
    (target === "junk" ? await mailbox.where("special_use", "=", "\\Junk").orderBy("id").executeTakeFirst() : undefined) ??
    (await mailbox.where("name", "=", INBOX).executeTakeFirst());
  const found = await find();
  if (found !== undefined) return found;
  await createDefaultMailboxes(trx, accountId);
  const made = await find();
  if (made === undefined) throw new Error(`no INBOX for account ${accountId}`);
  return made;
}

/**
 * Appends a message (already written as blob `blob`) to each account's INBOX (or Junk, `target`)
 * inside `trx`. The caller commits through the group committer, so the rows are durable when it resolves.
 */
export async function appendToInboxes(
  trx: Transaction<Database>,
  accountIds: readonly number[],
  blob: { name: string; size: number },
  internalDate: number,
  flags = "",
  target: DeliveryTarget = "inbox",
): Promise<StoredMessage[]> {
  const stored: StoredMessage[] = [];
  for (const accountId of accountIds) {
    const mb = await targetMailbox(trx, accountId, target);
    const uid = mb.uidnext;
    const modseq = mb.highest_modseq + 1;
    await trx
      .updateTable("mailboxes")
      .set({ uidnext: uid + 1, highest_modseq: modseq })
      .where("id", "=", mb.id)
      .execute();
    await trx
      .insertInto("messages")
      .values({ mailbox_id: mb.id, uid, blob: blob.name, size: blob.size, internal_date: internalDate, flags, modseq })
      .execute();
    stored.push({ accountId, mailboxId: mb.id, uid });
  }
  return stored;
}

export interface MessageRow {
  uid: number;
  size: number;
  internalDate: number;
  flags: string;
  blob: string;
}

/** Lists an account's messages in one mailbox, by UID. */
export async function listMessages(db: Kysely<Database>, accountId: number, mailbox = INBOX): Promise<MessageRow[]> {
  const rows = await db
    .selectFrom("messages")
    .innerJoin("mailboxes", "mailboxes.id", "messages.mailbox_id")
    .select(["messages.uid", "messages.size", "messages.internal_date", "messages.flags", "messages.blob"])
    .where("mailboxes.account_id", "=", accountId)
    .where("mailboxes.name", "=", mailbox)
    .orderBy("messages.uid")
    .execute();
  return rows.map((r) => ({ uid: r.uid, size: r.size, internalDate: r.internal_date, flags: r.flags, blob: r.blob }));
}

export interface MailboxSnapshot {
  mailboxId: number;
  uidvalidity: number;
  messages: MessageRow[];
}

/** The account's INBOX as it is now (POP3's maildrop, RFC 1939 §8). */
export async function inboxSnapshot(db: Kysely<Database>, accountId: number): Promise<MailboxSnapshot | undefined> {
  const mb = await db
    .selectFrom("mailboxes")
    .select(["id", "uidvalidity"])
    .where("account_id", "=", accountId)
    .where("name", "=", INBOX)
    .executeTakeFirst();
  if (mb === undefined) return undefined;
  return { mailboxId: mb.id, uidvalidity: mb.uidvalidity, messages: await listMessages(db, accountId, INBOX) };
}

/**
 * Removes messages from a mailbox, durably, before the caller acknowledges (POP3 QUIT in the
 * UPDATE state, IMAP EXPUNGE). Bumps the mailbox's modification sequence so other sessions notice.
 * The blob files stay until the sweep finds no row naming them (a COPY may share one).
 */
export async function expungeMessages(store: Store, mailboxId: number, uids: readonly number[]): Promise<number> {
  if (uids.length === 0) return 0;
  // A new modseq and a tombstone per message, as IMAP EXPUNGE leaves (RFC 7162 §3.2.5).
  const removed = await store.committer.submit((trx) => removeMessages(trx, mailboxId, uids));
  store.events.emit("changed", mailboxId);
  return removed.length;
}
