/** Backups, restores, and one account's mail as mbox (export/import). */
export { backupDataDir } from "./backup.ts";
export { restoreDataDir } from "./restore.ts";
export { readManifest } from "./manifest.ts";
export { BackupError } from "./files.ts";
export { exportAccount, importAccount } from "./transfer.ts";

