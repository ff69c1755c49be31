/**
 * A JSON log line in words, for a person watching a terminal (pino-pretty's job, in a few lines):
 * `time level [session proto client account] message key=value …` (and an error's stack, at debug).
 * A line that is not a JSON object comes through as it was.
 */

/** The bindings a connection's lines carry, shown first and in this order. */
const CONNECTION_KEYS = ["session", "proto", "client", "account"] as const;
const SKIP = new Set<string>(["time", "level", "msg", "err", ...CONNECTION_KEYS]);

function text(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

export function prettyLine(line: string): string {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof rec !== "object" || rec === null || Array.isArray(rec)) return line;
  const r = rec as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : text(v));
  const parts = [str(r["time"]), str(r["level"]).padEnd(5)];
  const conn = CONNECTION_KEYS.map((k) => r[k]).filter((v) => v !== undefined && v !== null).map(str);
  if (conn.length > 0) parts.push(`[${conn.join(" ")}]`);
  parts.push(str(r["msg"]));
  for (const [k, v] of Object.entries(r)) {
    if (!SKIP.has(k) && v !== undefined) parts.push(`${k}=${text(v)}`);
  }
  // The error's message and code are in the message already (logger.ts); its stack (level debug) follows the line.
  const err = r["err"];
  const stack = typeof err === "object" && err !== null ? (err as Record<string, unknown>)["stack"] : undefined;
  return `${parts.join(" ")}\n${typeof stack === "string" ? `${stack}\n` : ""}`;
}
