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
const USAGE_ERRORS: ReadonlySet<string> = new Set(["UsageError", "ConfigError", "DirectoryError", "TlsPolicyError", "OutboundAdminError", "BackupError", "TargetError", "CutoffError", "ClockFileError", "MaintenanceError", "DkimError", "CopyError"]);

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

/**
 * A date or time flag, in the server's local time zone unless the text names one: `2027-01-31`
 * (with `end: "day"`, the end of that day — a grant "until the 31st" lasts through it — else its
 * start), `2027-01-31T04:00` or `2027-01-31 04:00`, or a full ISO 8601 instant with `Z` or an offset.
 */
export function parseWhen(name: string, value: string, opts: { end?: "day" } = {}): number {
  const v = value.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  let t = Number.NaN;
  if (day !== null) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = new Date(y, m - 1, d);
    if (start.getFullYear() === y && start.getMonth() === m - 1 && start.getDate() === d) t = opts.end === "day" ? new Date(y, m - 1, d + 1).getTime() : start.getTime();
  } else if (local !== null) {
    const [y, m, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(local[i] ?? 0)) as [number, number, number, number, number, number];
    const at = new Date(y, m - 1, d, hh, mm, ss);
    if (at.getMonth() === m - 1 && at.getDate() === d && hh < 24 && mm < 60 && ss < 60) t = at.getTime();
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    t = Date.parse(v);
  }
  if (Number.isNaN(t)) throw new UsageError(`${name}: expected a date (2027-01-31), a local time (2027-01-31T04:00) or an ISO 8601 instant, got ${JSON.stringify(value.slice(0, 60))}`);
  return t;
}

const SIZE_UNITS = ["K", "M", "G", "T"] as const;

/**
 * A size flag: bytes, or a number with K, M, G or T (binary: 2G = 2 × 1024³ bytes, as Dovecot's
 * quota rules count), e.g. `500M`, `1.5G`; `none` gives null (no limit). Zero and anything else
 * are a usage error naming the flag and the value.
 */
export function parseSizeFlag(name: string, value: string): number | null {
  const v = value.trim();
  if (v.toLowerCase() === "none") return null;
  const m = /^(\d+(?:\.\d+)?)([KMGT])?(?:i?B)?$/i.exec(v);
  const unit = m?.[2] !== undefined ? SIZE_UNITS.indexOf(m[2].toUpperCase() as (typeof SIZE_UNITS)[number]) + 1 : 0;
  const bytes = m !== null ? Math.floor(Number(m[1]) * 1024 ** unit) : Number.NaN;
  if (!(bytes >= 1 && bytes <= Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${name}: expected a size such as 500M, 2G or 1T (K, M, G, T: powers of 1024), or none, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return bytes;
}

/** Bytes as the size flags write them: `2G`, `1.5M`, `300` (one decimal at most). */
export function formatSize(bytes: number): string {
  let unit = 0;
  while (unit < SIZE_UNITS.length && bytes >= 1024 ** (unit + 1)) unit++;
  if (unit === 0) return String(bytes);
  const n = Math.round((bytes / 1024 ** unit) * 10) / 10;
  return `${n}${SIZE_UNITS[unit - 1] ?? ""}`;
}
