/**
 * A reusable IMAP load generator: N clients over implicit TLS, each logs in, SELECTs the mailbox
 * and, once all are ready (logins are not part of the measured time), loops over a fixed command
 * mix drawn with a seeded PRNG until the time is up, one command at a time:
 *
 *   FETCH n (FLAGS), FETCH n:n+9 (ENVELOPE), FETCH n (BODY.PEEK[]), UID FETCH u (FLAGS RFC822.SIZE),
 *   SEARCH UNSEEN / FROM "x" / SUBJECT "y", STORE n +FLAGS (\Flagged) / -FLAGS (\Flagged)
 *
 * Only tagged OKs whose responses hold what was asked for count as commands (a BAD "unknown
 * command" is fast and would flatter the rate); NO, BAD and incomplete answers are errors, with
 * their first texts. Also `openIdleConnections`: many connections parked in IDLE.
 */
import { performance } from "node:perf_hooks";
import { ImapClient, type ImapResponse } from "./imap-client.ts";
import { prng, SEARCH_FROM, SEARCH_SUBJECT } from "./imap-corpus.ts";

export interface ImapTargetOptions {
  host?: string;
  port: number;
  servername?: string;
  /** The i-th client's (0-based) login name. */
  user(i: number): string;
  password: string;
  mailbox: string;
}

export interface ImapLoadOptions extends ImapTargetOptions {
  clients: number;
  durationMs: number;
  /**
   * PRNG seed for the command mix (each client derives its own from it). Default: the number of
   * runs so far in this process, so that consecutive rounds ask for different messages (the same
   * sequence again would find every cache warm) while a whole benchmark stays reproducible.
   */
  seed?: number;
  commandTimeoutMs?: number;
}

export interface TypeStats {
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface ImapLoadResult {
  commands: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  byType: Record<string, TypeStats>;
  firstErrors: string[];
  /** CPU (user + system) of the load generator over the measured time, % of one core. */
  clientCpuPercent: number;
  /** Mean connect + TLS + greeting + LOGIN + SELECT time per session, ms. */
  setupMs: number;
  sessions: number;
  /** Literal bytes received (message bodies) per second. */
  literalBytesPerSecond: number;
  tls: string | null;
  /** Sorted latencies (all, and per type), for merging rounds; left out of JSON output. */
  latenciesMs: Float64Array;
  typeLatenciesMs: Record<string, Float64Array>;
  typeErrors: Record<string, number>;
}

/** The command types of the mix and their weights (out of 100). */
export const MIX: ReadonlyArray<{ type: string; weight: number }> = [
  { type: "FETCH FLAGS", weight: 20 },
  { type: "FETCH ENVELOPE", weight: 15 },
  { type: "FETCH BODY[]", weight: 15 },
  { type: "UID FETCH", weight: 15 },
  { type: "SEARCH UNSEEN", weight: 5 },
  { type: "SEARCH FROM", weight: 5 },
  { type: "SEARCH SUBJECT", weight: 5 },
  { type: "STORE +FLAGS", weight: 10 },
  { type: "STORE -FLAGS", weight: 10 },
];
const TOTAL_WEIGHT = MIX.reduce((n, m) => n + m.weight, 0);
const MAX_ERROR_TEXTS = 8;

export interface Selected {
  exists: number;
  uidNext: number;
}

/** Connects, logs in and selects; the mailbox's EXISTS and UIDNEXT from the SELECT response. */
export async function openSession(o: ImapTargetOptions, i: number, timeoutMs = 30_000): Promise<{ client: ImapClient; selected: Selected }> {
  const client = await ImapClient.connect({ host: o.host ?? "127.0.0.1", port: o.port, timeoutMs, ...(o.servername !== undefined ? { servername: o.servername } : {}) });
  try {
    const login = await client.login(o.user(i), o.password);
    if (login.status !== "OK") throw new Error(`LOGIN ${o.user(i)}: ${login.status} ${login.text}`);
    const sel = await client.command(`SELECT ${ImapClient.quote(o.mailbox)}`);
    if (sel.status !== "OK") throw new Error(`SELECT: ${sel.status} ${sel.text}`);
    let exists = 0;
    let uidNext = 0;
    for (const l of sel.untagged) {
      const e = /^\* (\d+) EXISTS/i.exec(l);
      if (e?.[1] !== undefined) exists = Number(e[1]);
      const u = /\[UIDNEXT (\d+)\]/i.exec(l);
      if (u?.[1] !== undefined) uidNext = Number(u[1]);
    }
    if (exists === 0) throw new Error(`SELECT ${o.mailbox}: the mailbox is empty`);
    return { client, selected: { exists, uidNext: uidNext > exists ? uidNext : exists + 1 } };
  } catch (e) {
    client.destroy();
    throw e;
  }
}

const ok = (): null => null;
const countFetches = (r: ImapResponse): number => r.untagged.reduce((n, l) => n + (/^\* \d+ FETCH /i.test(l) ? 1 : 0), 0);

/** One command of the mix: its text and a check of a tagged OK's response (null: as expected). */
function pick(rnd: () => number, s: Selected): { type: string; cmd: string; check: (r: ImapResponse) => string | null } {
  let w = rnd() * TOTAL_WEIGHT;
  let type = MIX[0]?.type ?? "";
  for (const m of MIX) {
    if ((w -= m.weight) < 0) {
      type = m.type;
      break;
    }
  }
  const n = 1 + Math.floor(rnd() * s.exists);
  const fetched =
    (want: number) =>
    (r: ImapResponse): string | null =>
      countFetches(r) >= want ? null : `${countFetches(r)} FETCH responses, expected ${want}`;
  const term = (list: readonly string[]): string => ImapClient.quote(list[Math.floor(rnd() * list.length)] ?? "x");
  const search = (r: ImapResponse): string | null => (r.untagged.some((l) => /^\* SEARCH\b/i.test(l)) ? null : "no * SEARCH response");
  switch (type) {
    case "FETCH ENVELOPE": {
      const from = Math.min(n, Math.max(1, s.exists - 9));
      const to = Math.min(s.exists, from + 9);
      return { type, cmd: `FETCH ${from}:${to} (ENVELOPE)`, check: fetched(to - from + 1) };
    }
    case "FETCH BODY[]":
      return { type, cmd: `FETCH ${n} (BODY.PEEK[])`, check: (r) => (countFetches(r) >= 1 && r.literalBytes >= 500 ? null : `no body (${r.literalBytes} literal bytes)`) };
    case "UID FETCH": {
      const u = s.uidNext - s.exists + Math.floor(rnd() * s.exists);
      return { type, cmd: `UID FETCH ${u} (FLAGS RFC822.SIZE)`, check: (r) => (r.untagged.some((l) => /RFC822\.SIZE \d+/i.test(l)) ? null : "no RFC822.SIZE") };
    }
    case "SEARCH UNSEEN":
      return { type, cmd: "SEARCH UNSEEN", check: search };
    case "SEARCH FROM":
      return { type, cmd: `SEARCH FROM ${term(SEARCH_FROM)}`, check: search };
    case "SEARCH SUBJECT":
      return { type, cmd: `SEARCH SUBJECT ${term(SEARCH_SUBJECT)}`, check: search };
    case "STORE +FLAGS":
      return { type, cmd: `STORE ${n} +FLAGS (\\Flagged)`, check: ok };
    case "STORE -FLAGS":
      // An untagged FETCH with the new flags comes only if they changed (RFC 9051 §6.4.6 lets a
      // server leave it out otherwise, and Dovecot does).
      return { type, cmd: `STORE ${n} -FLAGS (\\Flagged)`, check: ok };
    default:
      return { type, cmd: `FETCH ${n} (FLAGS)`, check: fetched(1) };
  }
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

/** Rates and percentiles, overall and per command type (`types`: those of the mix measured). */
function summarise(
  all: Float64Array,
  byType: Record<string, Float64Array>,
  typeErrors: Record<string, number>,
  elapsedMs: number,
  types: readonly string[] = MIX.map((m) => m.type),
): Pick<ImapLoadResult, "commands" | "perSecond" | "p50Ms" | "p99Ms" | "maxMs" | "byType"> {
  const secs = elapsedMs / 1000;
  const stats: Record<string, TypeStats> = {};
  for (const type of types) {
    const l = byType[type] ?? new Float64Array(0);
    stats[type] = { count: l.length, perSecond: l.length / secs, p50Ms: percentile(l, 50), p99Ms: percentile(l, 99), errors: typeErrors[type] ?? 0 };
  }
  return {
    commands: all.length,
    perSecond: all.length / secs,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    maxMs: all.length > 0 ? (all[all.length - 1] ?? 0) : 0,
    byType: stats,
  };
}

/**
 * What one load run counts, shared by the read-heavy and the standard mix: latencies and errors
 * per command type, the sessions opened and their setup time, literal bytes, the TLS version.
 */
export class LoadTally {
  readonly #types: readonly string[];
  readonly #lat: Map<string, number[]>;
  readonly #typeErrors: Record<string, number> = {};
  readonly firstErrors: string[] = [];
  #errors = 0;
  #setupSum = 0;
  #sessions = 0;
  #literalBytes = 0;
  #tls: string | null = null;
  #cpu0 = process.cpuUsage();
  #start = performance.now();

  constructor(types: readonly string[]) {
    this.#types = types;
    this.#lat = new Map(types.map((t) => [t, []]));
  }

  error(text: string): void {
    this.#errors++;
    if (this.firstErrors.length < MAX_ERROR_TEXTS) this.firstErrors.push(text.slice(0, 300));
  }

  /** A session was opened, `setupMs` after it was asked for, over `protocol`. */
  session(setupMs: number, protocol: string | null): void {
    this.#setupSum += setupMs;
    this.#sessions++;
    this.#tls ??= protocol;
  }

  /** A command of `type` answered after `ms`: `bad` is null for a good answer, else why it counts as an error. */
  answered(type: string, ms: number, r: ImapResponse, bad: string | null, what: string): void {
    if (bad === null) {
      this.#lat.get(type)?.push(ms);
      this.#literalBytes += r.literalBytes;
      return;
    }
    this.failed(type, `${what}: ${bad}`);
  }

  /** A command of `type` failed (an error answer, or its connection broke). */
  failed(type: string, text: string): void {
    this.#typeErrors[type] = (this.#typeErrors[type] ?? 0) + 1;
    this.error(text);
  }

  /** The measured time starts now (after the sessions that are opened first). */
  start(): void {
    this.#cpu0 = process.cpuUsage();
    this.#start = performance.now();
  }

  get started(): number {
    return this.#start;
  }

  result(): ImapLoadResult {
    const elapsedMs = performance.now() - this.#start;
    const cpu = process.cpuUsage(this.#cpu0);
    const typeLatenciesMs: Record<string, Float64Array> = {};
    for (const [t, l] of this.#lat) typeLatenciesMs[t] = Float64Array.from(l).sort();
    const all = Float64Array.from([...this.#lat.values()].flat()).sort();
    return {
      ...summarise(all, typeLatenciesMs, this.#typeErrors, elapsedMs, this.#types),
      errors: this.#errors,
      elapsedMs,
      firstErrors: this.firstErrors,
      clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      setupMs: this.#sessions > 0 ? this.#setupSum / this.#sessions : 0,
      sessions: this.#sessions,
      literalBytesPerSecond: this.#literalBytes / (elapsedMs / 1000),
      tls: this.#tls,
      latenciesMs: all,
      typeLatenciesMs,
      typeErrors: this.#typeErrors,
    };
  }
}

/** Runs the mix from `clients` sessions for `durationMs` after all have logged in and selected. */
let runCount = 0;

export async function runImapLoad(o: ImapLoadOptions): Promise<ImapLoadResult> {
  const seed = o.seed ?? ++runCount;
  const tally = new LoadTally(MIX.map((m) => m.type));
  const open = async (i: number): Promise<{ client: ImapClient; selected: Selected } | null> => {
    const t0 = performance.now();
    try {
      const s = await openSession(o, i, o.commandTimeoutMs);
      tally.session(performance.now() - t0, s.client.protocol);
      return s;
    } catch (e) {
      tally.error(`session: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  // Everyone logs in first; the clock starts when all are ready.
  const ready = await Promise.all(Array.from({ length: o.clients }, (_, i) => open(i)));
  if (ready.every((s) => s === null)) throw new Error(`no session could be opened: ${tally.firstErrors.join(" | ")}`);
  tally.start();
  const deadline = tally.started + o.durationMs;
  const loop = async (i: number): Promise<void> => {
    const rnd = prng(seed * 7919 + i * 104_729);
    let s = ready[i] ?? null;
    while (performance.now() < deadline) {
      if (s === null) {
        await new Promise((r) => setTimeout(r, 200));
        if (performance.now() >= deadline) break;
        s = await open(i);
        continue;
      }
      const c = pick(rnd, s.selected);
      const t0 = performance.now();
      try {
        const r = await s.client.command(c.cmd);
        tally.answered(c.type, performance.now() - t0, r, r.status !== "OK" ? `${r.status} ${r.text}` : c.check(r), c.cmd);
      } catch (e) {
        tally.failed(c.type, `${c.cmd}: ${e instanceof Error ? e.message : String(e)}`);
        s.client.destroy();
        s = null;
      }
    }
    if (s !== null) await s.client.close();
  };
  await Promise.all(Array.from({ length: o.clients }, (_, i) => loop(i)));
  return tally.result();
}

/** One result for several runs against the same server (interleaved rounds), of the mix whose command types are `types`. */
export function mergeImapResults(runs: readonly ImapLoadResult[], types: readonly string[] = MIX.map((m) => m.type)): ImapLoadResult {
  const elapsedMs = runs.reduce((n, r) => n + r.elapsedMs, 0);
  const merge = (arrs: Float64Array[]): Float64Array => {
    const out = new Float64Array(arrs.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrs) {
      out.set(a, at);
      at += a.length;
    }
    return out.sort();
  };
  const typeLatenciesMs: Record<string, Float64Array> = {};
  const typeErrors: Record<string, number> = {};
  for (const type of types) {
    typeLatenciesMs[type] = merge(runs.map((r) => r.typeLatenciesMs[type] ?? new Float64Array(0)));
    typeErrors[type] = runs.reduce((n, r) => n + (r.typeErrors[type] ?? 0), 0);
  }
  const all = merge(runs.map((r) => r.latenciesMs));
  const sessions = runs.reduce((n, r) => n + r.sessions, 0);
  const weighted = (f: (r: ImapLoadResult) => number): number => (elapsedMs > 0 ? runs.reduce((n, r) => n + f(r) * r.elapsedMs, 0) / elapsedMs : 0);
  return {
    ...summarise(all, typeLatenciesMs, typeErrors, elapsedMs, types),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    elapsedMs,
    firstErrors: runs.flatMap((r) => r.firstErrors).slice(0, MAX_ERROR_TEXTS),
    clientCpuPercent: weighted((r) => r.clientCpuPercent),
    setupMs: sessions > 0 ? runs.reduce((n, r) => n + r.setupMs * r.sessions, 0) / sessions : 0,
    sessions,
    literalBytesPerSecond: weighted((r) => r.literalBytesPerSecond),
    tls: runs.find((r) => r.tls !== null)?.tls ?? null,
    latenciesMs: all,
    typeLatenciesMs,
    typeErrors,
  };
}

/**
 * Reads every message's headers once in the first `users` users' mailboxes, as a client syncing
 * its cache would (FETCH 1:* (ENVELOPE), SEARCH FROM, SEARCH SUBJECT): a server's header caches
 * start warm and equal. Returns the time it took, ms.
 */
export async function primeMailboxes(o: ImapTargetOptions, users: number, parallel = 4): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < users) {
      const { client } = await openSession(o, next++, 120_000);
      try {
        for (const cmd of ["FETCH 1:* (ENVELOPE)", `SEARCH FROM ${ImapClient.quote(SEARCH_FROM[0] ?? "x")}`, `SEARCH SUBJECT ${ImapClient.quote(SEARCH_SUBJECT[0] ?? "y")}`]) {
          const r = await client.command(cmd);
          if (r.status !== "OK") throw new Error(`priming: ${cmd}: ${r.status} ${r.text}`);
        }
      } finally {
        await client.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, users) }, worker));
  return performance.now() - t0;
}

/**
 * Opens `count` sessions (client i logs in as user(i)), each SELECTs and enters IDLE; at most
 * `parallel` logins at a time. Returns the sessions that made it, the failures, and a closer.
 */
export async function openIdleConnections(
  o: ImapTargetOptions,
  count: number,
  opts: { parallel?: number; timeoutMs?: number; deadlineMs?: number } = {},
): Promise<{ open: number; failed: number; firstErrors: string[]; elapsedMs: number; protocols(): Record<string, number>; close(): Promise<void> }> {
  const idlers: Array<{ client: ImapClient; done: () => Promise<ImapResponse> }> = [];
  const firstErrors: string[] = [];
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + (opts.deadlineMs ?? 180_000);
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        const { client } = await openSession(o, i, opts.timeoutMs ?? 60_000);
        try {
          idlers.push({ client, done: await client.idle() });
        } catch (e) {
          client.destroy();
          throw e;
        }
      } catch (e) {
        failed++;
        if (firstErrors.length < MAX_ERROR_TEXTS) firstErrors.push(e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, opts.parallel ?? 32) }, worker));
  return {
    open: idlers.length,
    failed: failed + (count - next),
    firstErrors,
    elapsedMs: performance.now() - t0,
    protocols() {
      const seen: Record<string, number> = {};
      for (const { client } of idlers) {
        const p = client.socket.getProtocol() ?? "none";
        seen[p] = (seen[p] ?? 0) + 1;
      }
      return seen;
    },
    async close() {
      // DONE + LOGOUT politely in batches, so that closing does not look like a storm of resets.
      for (let i = 0; i < idlers.length; i += 100) {
        await Promise.all(
          idlers.slice(i, i + 100).map(async ({ client, done }) => {
            await Promise.race([done().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
            await client.close();
          }),
        );
      }
    },
  };
}
