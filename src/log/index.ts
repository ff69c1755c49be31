/**
 * The process log: one line per event on stderr, `time level message [error]`. Errors are reduced
 * to their message (and code): no stack with internal paths in production lines, and callers never
 * pass secrets (passwords, keys, message bodies) to it.
 */
export type Logger = {
  info(msg: string): void;
  warn(msg: string, err?: unknown): void;
  error(msg: string, err?: unknown): void;
};

function describe(err: unknown): string {
  if (err === undefined) return "";
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return `: ${err.message.split("\n")[0] ?? ""}${code !== undefined ? ` (${code})` : ""}`;
  }
  return `: ${(typeof err === "string" ? err : JSON.stringify(err) ?? "").split("\n")[0] ?? ""}`;
}

export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const line = (level: string, msg: string, err?: unknown): void => write(`${new Date().toISOString()} ${level} ${msg}${describe(err)}\n`);
  return {
    info: (msg) => line("info", msg),
    warn: (msg, err) => line("warn", msg, err),
    error: (msg, err) => line("error", msg, err),
  };
}
