/** The store: SQLite database (WAL, fsync per group commit), blob files and their sweep, free space, mailboxes. */
export { openStore, type Store } from "./database.ts";
export { copyToPostgres } from "./copy-to-postgres.ts";
export type { ClusterBus } from "./pg-notify.ts";
export { engineOf, WRITE_LOCK } from "./postgres.ts";
export type { Database } from "./schema.ts";
export { BlobGoneError, type WrittenBlob } from "./blobs.ts";
export { StorageFullError } from "./space.ts";
export { commitWithBlobs, referencedBlobs } from "./handoff.ts";
export { deliverMessage } from "./deliver.ts";
export { sweepBlobs, sweepSummary, blobSweeper } from "./sweep.ts";
export { pruneAudit, pruneSummary, auditPruner, type PruneReport } from "./retention.ts";
export { holdSweep, sweepHeld } from "./sweep-hold.ts";
export { GroupCommitter } from "./committer.ts";
export {
  INBOX,
  DEFAULT_MAILBOXES,
  createDefaultMailboxes,
  appendToInboxes,
  listMessages,
  inboxSnapshot,
  expungeMessages,
  type DeliveryTarget,
  type MailboxSnapshot,
  type MessageRow,
} from "./mailstore.ts";
export {
  getMailbox,
  getMailboxById,
  listMailboxes,
  listSubscriptions,
  messageStates,
  newestMessages,
  canonicalMailboxName,
  type ListedMessage,
  type MailboxRow,
  type MessageState,
} from "./mailboxes.ts";
export {
  applyFlagOp,
  appendMessage,
  appendMessages,
  changedSince,
  claimRecent,
  mailboxChanges,
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
  type CopyResult,
} from "./messages.ts";
export {
  createMailbox,
  deleteMailbox,
  renameMailbox,
  setSubscribed,
  mailboxStatus,
  validateNewName,
  superiorNames,
  MailboxAdminError,
  MAX_MAILBOXES,
  type MailboxAdminCode,
  type MailboxStatus,
} from "./mailbox-admin.ts";
export { syncPath } from "./fsync.ts";
export { accountUsage, checkQuota, OverQuotaError, type QuotaUsage, type QuotaVerdict } from "./quota.ts";
export { expungedSince, flagStates, highestModseq } from "./sync.ts";
