/** What every CLI command shares: the data directory, one-line errors with exit status 2, output. */
import { userInfo } from "node:os";
import { databaseOptions, loadConfig } from "../config/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { dataDir } from "./output.ts";

export { UsageError, dataDir, printJson, printTable, parseIntFlag, parseOnOff, parseWhen, parseSizeFlag, formatSize } from "./output.ts";

/** Reads all of stdin when it is not a terminal; "" when it is a terminal or empty. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The data directory's store, in the database its config names (checking the config first). */
export function openDataDirStore(dir: string): Promise<Store> {
  return openStore(dir, databaseOptions(loadConfig(dir), dir));
}

/** Opens the data directory's store for one command. */
export async function withStore<T>(flags: { data?: string }, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openDataDirStore(dataDir(flags));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Who runs this command, for a domain's audit trail: "cli:" and the system user. */
export function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}
