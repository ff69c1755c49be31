/** The store: SQLite database (WAL, fsync per group commit), blob files and their sweep, free space, mailboxes. */
export { openStore, MailboxEvents, type Store } from "./database.ts";
export type { Database } from "./schema.ts";
export { BlobGoneError, BlobStore, type WrittenBlob } from "./blobs.ts";
export { DiskSpace, StorageFullError, isStorageFull, type DiskSpaceOptions } from "./space.ts";
export { commitWithBlobs, referencedBlobs } from "./handoff.ts";
export { deliverMessage, type Delivery, type DeliveryContext } from "./deliver.ts";
export { sweepBlobs, sweepSummary, BlobSweeper, type SweepReport, type SweepOptions } from "./sweep.ts";
export { pruneAudit, pruneSummary, AuditPruner, type PruneReport, type PruneOptions } from "./retention.ts";
export { holdSweep, sweepHeld, type SweepHold } from "./sweep-hold.ts";
export { GroupCommitter, type Work } from "./committer.ts";
export {
  INBOX,
  DEFAULT_MAILBOXES,
  createDefaultMailboxes,
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
export {
  applyFlagOp,
  appendMessage,
  appendMessages,
  changedSince,
  countUpTo,
  uidsUpTo,
  copyMessages,
  moveMessages,
  expunge,
  messageRows,
  storeFlags,
  FlagLimitError,
  MailboxGoneError,
  MAX_KEYWORDS,
  type FlagOp,
  type FlagResult,
  type CopyResult,
  type MessageFullRow,
} from "./messages.ts";
export {
  createMailbox,
  deleteMailbox,
  renameMailbox,
  setSubscribed,
  mailboxStatus,
  validateNewName,
  superiorNames,
  isSameOrInferior,
  MailboxAdminError,
  MAILBOX_DELIMITER,
  MAX_MAILBOXES,
  MAX_MAILBOX_NAME_BYTES,
  type MailboxAdminCode,
  type MailboxStatus,
} from "./mailbox-admin.ts";
