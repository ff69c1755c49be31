/** What every CLI command shares: the data directory, one-line errors with exit status 2, output. */
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { DirectoryError } from "../directory/index.ts";
import { TlsPolicyError } from "../tls/index.ts";
import { OutboundAdminError } from "../outbound/index.ts";

/** A usage or configuration problem: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function dataDir(opts: { data?: string }): string {
  return resolve(opts.data ?? "./data");
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a table with padded columns. */
export function printTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** Maps an error to its one line and exit status: 2 for usage/config/data errors, 1 otherwise. */
export function reportError(e: unknown): number {
  const msg = e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e);
  process.stderr.write(`sealpost: ${msg}\n`);
  if (e instanceof UsageError || e instanceof ConfigError || e instanceof DirectoryError || e instanceof TlsPolicyError || e instanceof OutboundAdminError) return 2;
  return 1;
}

export function parseIntFlag(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name}: expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${name}: expected an integer from ${min} to ${max}, got ${n}`);
  return n;
}

export function parseOnOff(name: string, value: string): boolean {
  if (value === "on" || value === "true" || value === "yes") return true;
  if (value === "off" || value === "false" || value === "no") return false;
  throw new UsageError(`${name}: expected on or off, got "${value}"`);
}

/** Reads all of stdin when it is not a terminal; "" when it is a terminal or empty. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Opens the data directory's store for one command (checking that its config is valid first). */
export async function withStore<T>(flags: { data?: string }, fn: (store: Store) => Promise<T>): Promise<T> {
  const dir = dataDir(flags);
  loadConfig(dir);
  const store = await openStore(dir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
