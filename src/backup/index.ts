/** Backups, restores, and one account's mail as mbox (export/import). */
export { backupDataDir, type BackupResult } from "./backup.ts";
export { restoreDataDir, type RestoreResult } from "./restore.ts";
export { readManifest, MANIFEST, type Manifest } from "./manifest.ts";
export { BackupError } from "./files.ts";
export { exportAccount, importAccount, type ExportResult, type ImportResult, type ImportOptions } from "./transfer.ts";
export { mboxEntry, MboxReader, MboxError, type MboxEntry, type MboxMessage } from "./mbox.ts";
