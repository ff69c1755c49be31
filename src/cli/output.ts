/**
 * What every command shares that costs nothing to load: one-line errors with exit status 2,
 * printing, flag parsing. `main.ts` and `check` import only this, so `sealpost check` does not
 * load the store, the config or the outbound side (module loading is most of a CLI run's time).
 */
import { resolve } from "node:path";

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

/** Errors that mean "you asked for something invalid" (by class name, so this file imports none of them). */
const USAGE_ERRORS: ReadonlySet<string> = new Set(["UsageError", "ConfigError", "DirectoryError", "TlsPolicyError", "OutboundAdminError", "BackupError", "TargetError"]);

/** Maps an error to its one line and exit status: 2 for usage/config/data errors, 1 otherwise. */
export function reportError(e: unknown): number {
  const msg = e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e);
  process.stderr.write(`sealpost: ${msg}\n`);
  return e instanceof Error && USAGE_ERRORS.has(e.name) ? 2 : 1;
}

/**
 * An integer flag within [min, max]. Anything else — not a number, negative, out of range — gets
 * the range and the value as given, in the config's wording (config/load.ts).
 */
export function parseIntFlag(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function parseOnOff(name: string, value: string): boolean {
  if (value === "on" || value === "true" || value === "yes") return true;
  if (value === "off" || value === "false" || value === "no") return false;
  throw new UsageError(`${name}: expected on or off, got "${value}"`);
}
