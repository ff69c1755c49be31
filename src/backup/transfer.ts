/**
 * `sealpost export ADDRESS FILE` and `sealpost import ADDRESS FILE`: one account's mail as mboxrd
 * (mbox.ts), the portable copy GDPR Art. 20 (data portability) asks for, in a format every mail
 * program reads.
 *
 * Export walks the account's mailboxes by name and each one's messages by UID, a page of rows at a
 * time, writing each message as it is read (memory: one message). A message deleted while the
 * export runs (its file swept) is skipped and counted.
 *
 * Import reads the file as a stream and appends the messages through the store's APPEND path
 * (`appendMessages`: files fsynced, rows committed, UIDs and modseqs allocated as for IMAP APPEND),
 * in file order and in batches of consecutive messages for one mailbox, creating missing mailboxes; the flags and mailbox come from the header block
 * the export added, which is taken off again, so the bytes stored are the bytes exported.
 */
import { normalizeAddress } from "../directory/index.ts";
import {
  appendMessages,
  applyFlagOp,
  BlobGoneError,
  createMailbox,
  getMailbox,
  INBOX,
  listMailboxes,
  MailboxAdminError,
  type Store,
} from "../store/index.ts";
import { BackupError } from "./files.ts";
import { mboxEntry, MboxReader, type MboxEntry } from "./mbox.ts";

const PAGE = 200;

async function accountId(store: Store, address: string): Promise<{ id: number; address: string }> {
  const normalized = normalizeAddress(address).address;
  const row = await store.db.selectFrom("accounts").select("id").where("address", "=", normalized).executeTakeFirst();
  if (row === undefined) throw new BackupError(`no such account: ${normalized}`);
  return { id: row.id, address: normalized };
}

interface ExportResult {
  address: string;
  mailboxes: number;
  messages: number;
  bytes: number;
  /** Deleted while the export ran. */
  skipped: number;
}

/** Writes every message of the account to `write` (which resolves when the bytes are taken). */
export async function exportAccount(store: Store, address: string, write: (chunk: Uint8Array) => Promise<void>): Promise<ExportResult> {
  const acct = await accountId(store, address);
  const result: ExportResult = { address: acct.address, mailboxes: 0, messages: 0, bytes: 0, skipped: 0 };
  for (const mb of await listMailboxes(store.db, acct.id)) {
    result.mailboxes++;
    for (let after = 0; ; ) {
      const rows = await store.db
        .selectFrom("messages")
        .select(["uid", "blob", "size", "internal_date", "flags"])
        .where("mailbox_id", "=", mb.id)
        .where("uid", ">", after)
        .orderBy("uid")
        .limit(PAGE)
        .execute();
      for (const r of rows) {
        let bytes: Buffer;
        try {
          bytes = await store.blobs.read(r.blob, r.size);
        } catch (e) {
          if (!(e instanceof BlobGoneError)) throw e;
          result.skipped++;
          continue;
        }
        const flags = r.flags.split(" ").filter((f) => f !== "");
        for (const chunk of mboxEntry({ mailbox: mb.name, flags, internalDate: r.internal_date, bytes })) await write(chunk);
        result.messages++;
        result.bytes += bytes.length;
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]?.uid ?? after;
    }
  }
  return result;
}

interface ImportResult {
  address: string;
  messages: number;
  /** Mailboxes the import created. */
  created: string[];
}

interface ImportOptions {
  /** Largest message taken (the IMAP APPEND limit, `[imap] max_literal`). */
  maxMessageBytes: number;
  /** Where messages without our mailbox header go (another program's mbox); default INBOX. */
  mailbox?: string;
}

/** Messages and bytes committed together (one commit per batch, memory bounded by the batch). */
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 16 * 1024 * 1024;

/** Appends every message of the mbox stream `input` to the account, in file order. */
export async function importAccount(store: Store, address: string, input: AsyncIterable<Buffer>, opts: ImportOptions): Promise<ImportResult> {
  const acct = await accountId(store, address);
  const before = new Set((await listMailboxes(store.db, acct.id)).map((m) => m.name));
  const result: ImportResult = { address: acct.address, messages: 0, created: [] };
  const ids = new Map<string, number>();
  const mailboxId = async (name: string): Promise<number> => {
    const known = ids.get(name);
    if (known !== undefined) return known;
    let mb = await getMailbox(store.db, acct.id, name);
    if (mb === undefined) {
      try {
        mb = await createMailbox(store, acct.id, name);
      } catch (e) {
        if (e instanceof MailboxAdminError) throw new BackupError(`mailbox ${JSON.stringify(name)} of message ${result.messages + 1} cannot be created: ${e.message}`);
        throw e;
      }
    }
    ids.set(name, mb.id);
    return mb.id;
  };
  // Consecutive messages for one mailbox go in one commit.
  let batch: Array<{ bytes: Uint8Array; flags: string; internalDate: number }> = [];
  let batchBytes = 0;
  let batchBox = "";
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    batchBytes = 0;
    await appendMessages(store, await mailboxId(batchBox), items);
    result.messages += items.length;
  };
  const add = async (m: MboxEntry): Promise<void> => {
    const box = m.mailbox ?? opts.mailbox ?? INBOX;
    if (box !== batchBox || batch.length >= BATCH_MESSAGES || batchBytes + m.bytes.length > BATCH_BYTES) await flush();
    batchBox = box;
    batch.push({ bytes: m.bytes, flags: applyFlagOp("", "set", m.flags), internalDate: m.internalDate ?? Date.now() });
    batchBytes += m.bytes.length;
  };
  const reader = new MboxReader(opts.maxMessageBytes);
  try {
    for await (const chunk of input) for (const m of reader.push(chunk)) await add(m);
    for (const m of reader.end()) await add(m);
    await flush();
  } catch (e) {
    if (e instanceof Error && e.name === "MboxError") throw new BackupError(`${e.message} (${result.messages} messages imported before it)`);
    throw e;
  }
  result.created = (await listMailboxes(store.db, acct.id)).map((m) => m.name).filter((n) => !before.has(n));
  return result;
}
