/** The store: SQLite database (WAL, fsync per group commit), blob files, mailboxes. */
export { openStore, MailboxEvents, type Store } from "./database.ts";
export type { Database } from "./schema.ts";
export { BlobStore } from "./blobs.ts";
export { GroupCommitter, type Work } from "./committer.ts";
export {
  INBOX,
  DEFAULT_MAILBOXES,
  createDefaultMailboxes,
  deliverToInboxes,
  appendToInboxes,
  listMessages,
  newUidValidity,
  inboxSnapshot,
  expungeMessages,
  type MailboxSnapshot,
  type StoredMessage,
  type MessageRow,
} from "./mailstore.ts";
export {
  getMailbox,
  getMailboxById,
  listMailboxes,
  messageStates,
  canonicalMailboxName,
  type MailboxRow,
  type MessageState,
} from "./mailboxes.ts";
