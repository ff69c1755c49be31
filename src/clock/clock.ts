/**
 * The time the server's schedules read: legacy grants' end dates, the cut-off and its notices,
 * maintenance windows. In production it is the system clock. `SEALPOST_CLOCK_FILE=PATH` makes it
 * the time written in that file (an ISO 8601 instant), running on from the moment the file was
 * read, and read again whenever the file changes: so tests and a rehearsal of a cut-off ("what
 * happens on the 1st?") move the server's calendar without waiting and without a restart.
 * Deadlines of connections (timeouts) never read it: they stay on the monotonic system time.
 */
import { readFileSync, unwatchFile, watchFile } from "node:fs";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` whenever the time jumps (the clock file changed); returns the way to stop. */
  onJump(fn: () => void): () => void;
}

/** The environment variable that names a clock file. */
export const CLOCK_FILE_ENV = "SEALPOST_CLOCK_FILE";

export const systemClock: Clock = {
  now: () => Date.now(),
  onJump: () => () => undefined,
};

export class ClockFileError extends Error {
  override name = "ClockFileError";
}

/** The instant in a clock file; throws a one-line error naming the file. */
function readInstant(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new ClockFileError(`${CLOCK_FILE_ENV}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(t)) throw new ClockFileError(`${CLOCK_FILE_ENV}: ${path} does not hold an ISO 8601 instant such as 2027-01-31T04:00:00Z`);
  return t;
}

/** A clock that reads its time from `path` (see above); a file that becomes unreadable keeps the last time running. */
export function fileClock(path: string, opts: { pollMs?: number } = {}): Clock {
  let offset = readInstant(path) - Date.now();
  const listeners = new Set<() => void>();
  const changed = (): void => {
    try {
      offset = readInstant(path) - Date.now();
    } catch {
      return;
    }
    for (const fn of listeners) fn();
  };
  let watching = false;
  return {
    now: () => Date.now() + offset,
    onJump(fn) {
      listeners.add(fn);
      if (!watching) {
        watching = true;
        watchFile(path, { interval: opts.pollMs ?? 100, persistent: false }, changed);
      }
      return () => {
        listeners.delete(fn);
        if (listeners.size === 0 && watching) {
          watching = false;
          unwatchFile(path, changed);
        }
      };
    },
  };
}

/** The clock this process runs on: the file in `SEALPOST_CLOCK_FILE`, else the system's. */
export function processClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const path = env[CLOCK_FILE_ENV];
  return path === undefined || path === "" ? systemClock : fileClock(path);
}
