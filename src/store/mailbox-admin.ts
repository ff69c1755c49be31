/**
 * Mailbox administration: create, delete, rename, subscribe, and the counts STATUS reports
 * (RFC 9051 §6.3.4–§6.3.8, §6.3.11; RFC 3501 §6.3.3–§6.3.7, §6.3.10).
 *
 * Names are stored as UTF-8 with "/" as the hierarchy delimiter. The hierarchy has no holes:
 * creating "a/b/c" creates "a" and "a/b" too (RFC 9051 §6.3.4), RENAME creates the superior
 * names of its target (§6.3.6), and DELETE refuses a mailbox that still has children (§6.3.5:
 * the server "SHOULD disallow the DELETE command by returning a tagged NO response" with
 * HASCHILDREN), so no name ever has to be shown as \Noselect.
 *
 * Subscriptions are names in their own table (RFC 9051 §6.3.7): a name that does not exist can be
 * subscribed (as on Dovecot), DELETE keeps the subscription, and RENAME moves the subscriptions of
 * the name and its inferiors (§6.3.6 allows it; Dovecot does it). New mailboxes start unsubscribed,
 * as on Dovecot; clients subscribe after CREATE.
 *
 * Every write goes through the group committer, so it is durable before the command is answered.
 * Refusals are decided inside the transaction and returned as values (not thrown), so a refused
 * command does not spoil the batch it shares a commit with.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.ts";
import type { Store } from "./database.ts";
import { canonicalMailboxName, getMailboxById, type MailboxRow } from "./mailboxes.ts";
import { INBOX, newUidValidity } from "./mailstore.ts";
import { recordExpunged } from "./sync.ts";

/** The hierarchy delimiter (RFC 9051 §5.1, §6.3.9). */
const MAILBOX_DELIMITER = "/";
/** Per-account limit on mailboxes (CREATE beyond it answers NO [LIMIT], RFC 5530 §3). */
export const MAX_MAILBOXES = 1000;
/** Longest mailbox name, in UTF-8 bytes. */
const MAX_MAILBOX_NAME_BYTES = 1000;

/** RFC 5530 response codes (and HASCHILDREN, RFC 9051 §7.1) the IMAP layer puts on the NO. */
export type MailboxAdminCode = "NONEXISTENT" | "ALREADYEXISTS" | "CANNOT" | "LIMIT" | "HASCHILDREN";

/** A refused mailbox operation; `message` is short, safe to send back, and never echoes the name. */
export class MailboxAdminError extends Error {
  override name = "MailboxAdminError";
  readonly code: MailboxAdminCode;
  constructor(code: MailboxAdminCode, message: string) {
    super(message);
    this.code = code;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: MailboxAdminCode; text: string };
const refuse = (code: MailboxAdminCode, text: string): Outcome<never> => ({ ok: false, code, text });

function unwrap<T>(o: Outcome<T>): T {
  if (!o.ok) throw new MailboxAdminError(o.code, o.text);
  return o.value;
}


/**
 * Checks a name for CREATE or as the target of RENAME and returns it as it will be stored: a
 * trailing delimiter is dropped (RFC 9051 §6.3.4: "the name created is without the trailing
 * hierarchy delimiter"). Refused: empty names and levels ("a//b", "/a"), the LIST wildcards "*" and
 * "%" (such a name could never be listed by itself, §6.3.9), control characters, and names over
 * MAX_MAILBOX_NAME_BYTES.
 */
export function validateNewName(input: string): string {
  let name = input;
  if (name.endsWith(MAILBOX_DELIMITER)) name = name.slice(0, -1);
  if (name === "") throw new MailboxAdminError("CANNOT", "Mailbox name is empty.");
  if (Buffer.byteLength(name) > MAX_MAILBOX_NAME_BYTES) throw new MailboxAdminError("LIMIT", "Mailbox name is too long.");
  if (/[*%]/.test(name)) throw new MailboxAdminError("CANNOT", "Mailbox names cannot contain * or %.");
  if (/[\x00-\x1f\x7f]/.test(name)) throw new MailboxAdminError("CANNOT", "Mailbox names cannot contain control characters.");
  if (!name.isWellFormed()) throw new MailboxAdminError("CANNOT", "Mailbox name is not valid Unicode.");
  if (name.split(MAILBOX_DELIMITER).some((level) => level === "")) {
    throw new MailboxAdminError("CANNOT", "Mailbox name has an empty hierarchy level.");
  }
  return canonicalMailboxName(name);
}

/** The superior names of `name`, outermost first: "a/b/c" → ["a", "a/b"]. */
export function superiorNames(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf(MAILBOX_DELIMITER); i > 0; i = name.indexOf(MAILBOX_DELIMITER, i + 1)) out.push(name.slice(0, i));
  return out;
}

/** Whether `name` is `parent` or below it in the hierarchy. */
function isSameOrInferior(name: string, parent: string): boolean {
  return name === parent || name.startsWith(parent + MAILBOX_DELIMITER);
}

interface BoxRow {
  id: number;
  name: string;
  uidvalidity: number;
  uidnext: number;
  highest_modseq: number;
}

async function accountBoxes(trx: Transaction<Database>, accountId: number): Promise<Map<string, BoxRow>> {
  const rows = await trx
    .selectFrom("mailboxes")
    .select(["id", "name", "uidvalidity", "uidnext", "highest_modseq"])
    .where("account_id", "=", accountId)
    .execute();
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * Inserts mailboxes with fresh UIDVALIDITY values: above every value the account uses now, so a
 * name deleted and created again never gets its old UIDVALIDITY back (RFC 9051 §2.3.1.1).
 */
async function insertBoxes(
  trx: Transaction<Database>,
  accountId: number,
  boxes: Map<string, BoxRow>,
  names: readonly string[],
  last?: { uidnext: number; highestModseq: number },
): Promise<number> {
  let uidvalidity = 0;
  for (const b of boxes.values()) uidvalidity = Math.max(uidvalidity, b.uidvalidity);
  let id = 0;
  const now = Date.now();
  for (const [i, name] of names.entries()) {
    uidvalidity = Math.max(uidvalidity + 1, newUidValidity());
    const isLast = i === names.length - 1 && last !== undefined;
    const row = await trx
      .insertInto("mailboxes")
      .values({
        account_id: accountId,
        name,
        special_use: null,
        uidvalidity,
        uidnext: isLast ? last.uidnext : 1,
        highest_modseq: isLast ? last.highestModseq : 1,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    id = row.id;
  }
  return id;
}

/**
 * CREATE (RFC 9051 §6.3.4): makes `name` and any missing superior names. Refused with
 * ALREADYEXISTS if it exists (INBOX always does), LIMIT past MAX_MAILBOXES.
 */
export async function createMailbox(store: Store, accountId: number, name: string): Promise<MailboxRow> {
  const target = validateNewName(name);
  const id = unwrap(
    await store.committer.submit(async (trx): Promise<Outcome<number>> => {
      const boxes = await accountBoxes(trx, accountId);
      if (boxes.has(target)) return refuse("ALREADYEXISTS", "Mailbox already exists.");
      const missing = [...superiorNames(target).filter((n) => !boxes.has(n)), target];
      if (boxes.size + missing.length > MAX_MAILBOXES) return refuse("LIMIT", `Too many mailboxes (at most ${MAX_MAILBOXES}).`);
      return { ok: true, value: await insertBoxes(trx, accountId, boxes, missing) };
    }),
  );
  const row = await getMailboxById(store.db, id);
  if (row === undefined) throw new MailboxAdminError("NONEXISTENT", "Mailbox was deleted meanwhile.");
  return row;
}

/**
 * DELETE (RFC 9051 §6.3.5): removes the mailbox and its messages. INBOX cannot be deleted
 * (CANNOT); a mailbox with inferior names is refused with HASCHILDREN rather than turned into a
 * \Noselect name. Sessions that have it selected are notified and see every message expunged.
 * Blob files are left to blob garbage collection, as after EXPUNGE (one blob can be shared by
 * several recipients' messages).
 */
export async function deleteMailbox(store: Store, accountId: number, name: string): Promise<{ id: number; messages: number }> {
  const target = canonicalMailboxName(name);
  if (target === INBOX) throw new MailboxAdminError("CANNOT", "INBOX cannot be deleted.");
  const result = unwrap(
    await store.committer.submit(async (trx): Promise<Outcome<{ id: number; messages: number }>> => {
      const boxes = await accountBoxes(trx, accountId);
      const box = boxes.get(target);
      if (box === undefined) return refuse("NONEXISTENT", "Mailbox does not exist.");
      for (const other of boxes.keys()) {
        if (other !== target && isSameOrInferior(other, target)) return refuse("HASCHILDREN", "Mailbox has children; delete them first.");
      }
      const res = await trx.deleteFrom("messages").where("mailbox_id", "=", box.id).executeTakeFirst();
      // Its tombstones (RFC 7162) go with it; a mailbox made again under the name has a new UIDVALIDITY.
      await trx.deleteFrom("expunged").where("mailbox_id", "=", box.id).execute();
      await trx.deleteFrom("mailboxes").where("id", "=", box.id).execute();
      return { ok: true, value: { id: box.id, messages: Number(res.numDeletedRows) } };
    }),
  );
  store.events.emit("changed", result.id);
  return result;
}

/**
 * RENAME (RFC 9051 §6.3.6): renames the mailbox and all its inferior names, keeping their
 * UIDVALIDITY, messages, special-use attribute and subscription; missing superior names of the
 * target are created. Renaming INBOX instead moves all its messages to a new mailbox of that name
 * (new UIDVALIDITY, UIDs kept) and leaves INBOX empty; INBOX's inferiors stay where they are.
 */
export async function renameMailbox(store: Store, accountId: number, from: string, to: string): Promise<void> {
  const source = canonicalMailboxName(from);
  const target = validateNewName(to);
  const changed = unwrap(
    await store.committer.submit(async (trx): Promise<Outcome<number[]>> => {
      const boxes = await accountBoxes(trx, accountId);
      const box = boxes.get(source);
      if (box === undefined) return refuse("NONEXISTENT", "Mailbox does not exist.");
      if (boxes.has(target)) return refuse("ALREADYEXISTS", "Target mailbox already exists.");
      const parents = superiorNames(target).filter((n) => !boxes.has(n));
      if (source === INBOX) {
        if (boxes.size + parents.length + 1 > MAX_MAILBOXES) return refuse("LIMIT", `Too many mailboxes (at most ${MAX_MAILBOXES}).`);
        const newId = await insertBoxes(trx, accountId, boxes, [...parents, target], { uidnext: box.uidnext, highestModseq: box.highest_modseq });
        const moved = await trx.updateTable("messages").set({ mailbox_id: newId }).where("mailbox_id", "=", box.id).returning("uid").execute();
        // To INBOX's sessions every message was expunged: a modseq and tombstones, as for EXPUNGE (RFC 7162 §3.2.5).
        await recordExpunged(trx, box.id, moved.map((m) => m.uid).sort((a, b) => a - b));
        return { ok: true, value: [box.id, newId] };
      }
      if (isSameOrInferior(target, source)) return refuse("CANNOT", "A mailbox cannot be moved into itself.");
      const moving = [...boxes.values()].filter((b) => isSameOrInferior(b.name, source));
      const renames = moving.map((b) => ({ id: b.id, name: target + b.name.slice(source.length) }));
      for (const r of renames) {
        if (boxes.has(r.name)) return refuse("ALREADYEXISTS", "A mailbox under the new name already exists.");
        if (Buffer.byteLength(r.name) > MAX_MAILBOX_NAME_BYTES) return refuse("LIMIT", "A renamed mailbox name would be too long.");
      }
      if (boxes.size + parents.length > MAX_MAILBOXES) return refuse("LIMIT", `Too many mailboxes (at most ${MAX_MAILBOXES}).`);
      if (parents.length > 0) await insertBoxes(trx, accountId, boxes, parents);
      for (const r of renames) await trx.updateTable("mailboxes").set({ name: r.name }).where("id", "=", r.id).execute();
      await moveSubscriptions(trx, accountId, source, target);
      return { ok: true, value: [] };
    }),
  );
  for (const id of changed) store.events.emit("changed", id);
}

/** RENAME's subscriptions: those of `source` and its inferior names follow it to `target`. */
async function moveSubscriptions(trx: Transaction<Database>, accountId: number, source: string, target: string): Promise<void> {
  const rows = await trx.selectFrom("subscriptions").select("name").where("account_id", "=", accountId).execute();
  const moving = rows.map((r) => r.name).filter((n) => isSameOrInferior(n, source));
  if (moving.length === 0) return;
  await trx.deleteFrom("subscriptions").where("account_id", "=", accountId).where("name", "in", moving).execute();
  const renamed = moving.map((n) => ({ account_id: accountId, name: target + n.slice(source.length) }));
  for (const r of renamed) await trx.insertInto("subscriptions").values(r).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * SUBSCRIBE / UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). Any valid name can be subscribed, existing or
 * not (Dovecot allows it; §6.3.7 lets a subscription outlive its mailbox); unsubscribing a name that
 * is not subscribed is refused with NONEXISTENT.
 */
export async function setSubscribed(store: Store, accountId: number, name: string, subscribed: boolean): Promise<void> {
  const target = subscribed ? validateNewName(name) : canonicalMailboxName(name);
  const changed = await store.committer.submit(async (trx) => {
    if (subscribed) {
      await trx.insertInto("subscriptions").values({ account_id: accountId, name: target }).onConflict((oc) => oc.doNothing()).execute();
      return 1;
    }
    const res = await trx.deleteFrom("subscriptions").where("account_id", "=", accountId).where("name", "=", target).executeTakeFirst();
    return Number(res.numDeletedRows);
  });
  if (changed === 0) throw new MailboxAdminError("NONEXISTENT", "Mailbox is not subscribed.");
}

/** What STATUS can report about a mailbox (RFC 9051 §6.3.11; SIZE from RFC 8438). */
export interface MailboxStatus {
  messages: number;
  unseen: number;
  /** Messages no read-write SELECT has claimed as \Recent yet (RFC 3501 §6.3.10 RECENT). */
  recent: number;
  /** Messages with \Deleted (RFC 9051 DELETED). */
  deleted: number;
  /** Sum of the messages' sizes in octets. */
  size: number;
  uidnext: number;
  uidvalidity: number;
  highestModseq: number;
}

/**
 * The mailbox's counts in one statement (a consistent snapshot); undefined if it is gone. Messages,
 * unseen, deleted and size are counters the triggers on `messages` keep (migrations-counters.ts,
 * migrations-quota.ts); \Recent is an indexed count of the UIDs from the recent mark, none when
 * the mark is at UIDNEXT, and made only when `want.recent` (STATUS RECENT, RFC 3501 §6.3.10).
 */
export async function mailboxStatus(db: Kysely<Database>, mailboxId: number, want: { recent: boolean } = { recent: true }): Promise<MailboxStatus | undefined> {
  // Not asked for (`recent` false): reported as 0, and the count is not made.
  const recent = want.recent ? 1 : 0;
  const { rows } = await sql<{ uidnext: number; uidvalidity: number; highest_modseq: number; messages: number; recent: number; unseen: number; deleted: number; size: number }>`
    SELECT b.uidnext, b.uidvalidity, b.highest_modseq, b.message_count AS messages, b.unseen_count AS unseen,
      b.deleted_count AS deleted, b.used_bytes AS size,
      CASE WHEN ${recent} = 0 OR b.recent_uid >= b.uidnext THEN 0
        ELSE (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id AND m.uid >= b.recent_uid) END AS recent
    FROM mailboxes b WHERE b.id = ${mailboxId}`.execute(db);
  const r = rows[0];
  if (r === undefined) return undefined;
  return {
    messages: Number(r.messages),
    recent: Number(r.recent),
    unseen: Number(r.unseen),
    deleted: Number(r.deleted),
    size: Number(r.size),
    uidnext: r.uidnext,
    uidvalidity: r.uidvalidity,
    highestModseq: r.highest_modseq,
  };
}
