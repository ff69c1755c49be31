/**
 * The process log: one JSON object per line on stderr (pino), or the same events in words when
 * stderr is a terminal (pretty.ts). A connection's lines come from a child logger bound with its
 * session id, protocol and client address, and the account once it has signed in, so every line
 * of one connection can be found by its id — the id its login-history and TLS-event rows carry.
 *
 * Errors are reduced to their type, first message line and code (the stack only at level debug:
 * no internal paths in production lines); the message says the first line and code too, as the
 * plain-text log did. Callers never pass secrets (passwords, AUTH payloads,
 * keys, message bodies); fields named like one are redacted all the same.
 */
import { pino, type Logger as PinoLogger } from "pino";
import { prettyLine } from "./pretty.ts";

type LogLevel = "debug" | "info" | "warn" | "error";

/** Values a line may carry beside its message (flat: easy to grep, easy to index). */
type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, err?: unknown, fields?: LogFields): void;
  error(msg: string, err?: unknown, fields?: LogFields): void;
  /** A logger whose every line carries `bindings` as well as this one's. */
  child(bindings: LogFields): Logger;
  /** Adds bindings to this logger's later lines (the account, once a connection has signed in). */
  bind(bindings: LogFields): void;
  /** The lowest level written, for this logger, its parent and every child (a reload applies at once). */
  setLevel(level: LogLevel): void;
}

interface LoggerOptions {
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
  /** Lines in words instead of JSON; default: when stderr is a terminal (and `write` is not given). */
  pretty?: boolean;
  level?: LogLevel;
}

const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Field names that would hold a secret if a caller ever slipped: their values never reach a line. */
const SECRET_KEYS = ["password", "pass", "secret", "token", "key", "authorization", "auth_payload", "body"];

function describeError(err: unknown, withStack: boolean): Record<string, string> {
  if (err instanceof Error) {
    const out: Record<string, string> = { type: err.name, message: err.message.split("\n")[0] ?? "" };
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === "string") out["code"] = code;
    if (withStack && err.stack !== undefined) out["stack"] = err.stack;
    return out;
  }
  const text = typeof err === "string" ? err : (JSON.stringify(err) ?? String(err));
  return { message: text.split("\n")[0] ?? "" };
}

/** The message with the error's first line and code after it, as a person reads it ("reload failed: smtp.max_errors: …"). */
function withReason(msg: string, err: unknown): string {
  if (err === undefined) return msg;
  const e = describeError(err, false);
  return `${msg}: ${e["message"] ?? ""}${e["code"] !== undefined ? ` (${e["code"]})` : ""}`;
}

class PinoBacked implements Logger {
  readonly #p: PinoLogger;
  readonly #level: { current: LogLevel };

  constructor(p: PinoLogger, level: { current: LogLevel }) {
    this.#p = p;
    this.#level = level;
  }

  #on(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.#level.current];
  }

  debug(msg: string, fields?: LogFields): void {
    if (this.#on("debug")) this.#p.debug(fields ?? {}, msg);
  }
  info(msg: string, fields?: LogFields): void {
    if (this.#on("info")) this.#p.info(fields ?? {}, msg);
  }
  warn(msg: string, err?: unknown, fields?: LogFields): void {
    if (this.#on("warn")) this.#p.warn(this.#withError(err, fields), withReason(msg, err));
  }
  error(msg: string, err?: unknown, fields?: LogFields): void {
    if (this.#on("error")) this.#p.error(this.#withError(err, fields), withReason(msg, err));
  }
  child(bindings: LogFields): Logger {
    return new PinoBacked(this.#p.child(bindings), this.#level);
  }
  bind(bindings: LogFields): void {
    this.#p.setBindings(bindings);
  }
  setLevel(level: LogLevel): void {
    this.#level.current = level;
  }

  #withError(err: unknown, fields: LogFields | undefined): object {
    if (err === undefined) return fields ?? {};
    return { ...fields, err: describeError(err, this.#level.current === "debug") };
  }
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const toStderr = (line: string): void => void process.stderr.write(line);
  const out = opts.write ?? toStderr;
  const pretty = opts.pretty ?? (opts.write === undefined && process.stderr.isTTY);
  const p = pino(
    {
      // Every level reaches the wrapper's own check (shared by all children, so a reload applies to all).
      level: "debug",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // `err` is already reduced (describeError): pino's own error serializer would add the stack.
      serializers: { err: (v: unknown) => v },
      redact: { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)], censor: "[redacted]" },
    },
    { write: (line: string) => out(pretty ? prettyLine(line) : line) },
  );
  return new PinoBacked(p, { current: opts.level ?? "info" });
}
