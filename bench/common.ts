/**
 * What the SMTP and IMAP benchmarks share: flag parsing, progress notes, the check of the
 * machine's load before a run, warm-up and measured rounds that alternate between the servers
 * with the CPU sampled around each, and the report (tables, target lines, JSON).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { idleLoad, machineJiffies, treeCpuTicks } from "./proc-stats.ts";

export type Note = (msg: string) => void;

export const note: Note = (msg) => {
  process.stderr.write(`[bench] ${msg}\n`);
};

export const cores = availableParallelism();

/** The median (the mean of the middle two for an even count; 0 for none). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function intFlag(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: expected an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

/** An optional integer flag, checked: `undefined` when not given. */
export function optionalIntFlag(name: string, v: string | undefined, min: number, max: number): number | undefined {
  return v !== undefined ? intFlag(name, v, min, max) : undefined;
}

/** For parseArgs: the flags both benchmarks take, besides their own. */
export function benchOptions(defaults: { clients: string; warmup: string }) {
  return {
    clients: { type: "string", default: defaults.clients },
    seconds: { type: "string", default: "20" },
    rounds: { type: "string", default: "4" },
    warmup: { type: "string", default: defaults.warmup },
    json: { type: "boolean", default: false },
    profile: { type: "string" },
  } as const;
}

/** `--clients` (1 to `maxClients`), `--seconds`, `--rounds` and `--warmup`, checked. */
export function roundFlags(
  v: { clients: string; seconds: string; rounds: string; warmup: string },
  maxClients: number,
): { clients: number; seconds: number; rounds: number; warmupSeconds: number } {
  return {
    clients: intFlag("clients", v.clients, 1, maxClients),
    seconds: intFlag("seconds", v.seconds, 1, 3600),
    rounds: intFlag("rounds", v.rounds, 1, 100),
    warmupSeconds: intFlag("warmup", v.warmup, 0, 60),
  };
}

/** Notes how busy the machine is before the run, with a warning when figures will be noisy. */
export async function checkMachine(): Promise<void> {
  const busy = await idleLoad(1000);
  note(`machine busy before the run: ${busy.toFixed(0)}% of one core (${cores} cores)`);
  if (busy > 20) note("WARNING: other processes are using the CPU; figures will be low and noisy (see 'other CPU')");
}

/**
 * Starts Sealpost and, unless `--no-NAME` or not installed at `path`, the reference server; runs
 * `body` on them and stops every one started, whatever happens. `skipped`: why the reference
 * server did not run, or null.
 */
export async function withServers<T, R>(o: {
  reference: { name: string; path: string; skip: boolean };
  sealpost: () => Promise<T>;
  start: () => Promise<T>;
  stop: (t: T) => Promise<void>;
  body: (targets: T[]) => Promise<R>;
}): Promise<{ results: R; skipped: string | null }> {
  const { name, path } = o.reference;
  let skipped: string | null = null;
  if (o.reference.skip) skipped = `${name} skipped (--no-${name.toLowerCase()})`;
  else if (!existsSync(path)) skipped = `${name} not installed (${path}): Sealpost only`;
  const targets: T[] = [];
  try {
    targets.push(await o.sealpost());
    if (skipped === null) targets.push(await o.start());
    return { results: await o.body(targets), skipped };
  } finally {
    for (const t of targets) await o.stop(t);
  }
}

// ---- rounds --------------------------------------------------------------------------------

export interface BenchTarget {
  name: string;
  /** The server's root process: its tree's CPU time is the server's. */
  root: number;
}

/** One server's measured rounds. */
export interface Tally<R> {
  runs: R[];
  serverTicks: number;
  busyTicks: number;
  totalTicks: number;
}

export interface RoundsOptions<T extends BenchTarget, R> {
  targets: readonly T[];
  clients: number;
  /** Measured time per server, split into `rounds` rounds. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  /** Runs the load against `t` for `durationMs`. */
  run(t: T, durationMs: number): Promise<R>;
  /** Before the warm-up, for each server in turn (e.g. priming caches). */
  prepare?(t: T, i: number): Promise<void>;
  /** After each server's warm-up (notes, checks, counts). */
  warmedUp(t: T, i: number, r: R): void;
  /** After each measured round. */
  measured(t: T, i: number, r: R): void;
}

/**
 * For each server in turn, `prepare` and a warm-up; then the measured rounds, alternating
 * between the servers (A B, B A, …) so that a burst of unrelated load on a shared machine hits
 * both alike, with the server's and the machine's CPU time sampled around each.
 */
export async function alternateRounds<T extends BenchTarget, R>(o: RoundsOptions<T, R>): Promise<Array<Tally<R>>> {
  const tallies = o.targets.map((): Tally<R> => ({ runs: [], serverTicks: 0, busyTicks: 0, totalTicks: 0 }));
  for (const [i, t] of o.targets.entries()) {
    if (o.prepare !== undefined) await o.prepare(t, i);
    if (o.warmupSeconds === 0) continue;
    note(`${t.name}: warm-up ${o.warmupSeconds} s`);
    o.warmedUp(t, i, await o.run(t, o.warmupSeconds * 1000));
  }
  const sliceMs = (o.seconds * 1000) / o.rounds;
  for (let round = 0; round < o.rounds; round++) {
    note(`round ${round + 1}/${o.rounds}: ${o.clients} clients, ${(sliceMs / 1000).toFixed(1)} s per server`);
    const order = o.targets.map((t, i) => ({ t, i }));
    if (round % 2 === 1) order.reverse(); // A B, B A, … so neither always goes first
    for (const { t, i } of order) {
      const tally = tallies[i];
      if (tally === undefined) continue;
      const j0 = machineJiffies();
      const s0 = treeCpuTicks(t.root);
      const r = await o.run(t, sliceMs);
      const j1 = machineJiffies();
      tally.serverTicks += treeCpuTicks(t.root) - s0;
      tally.busyTicks += j1.busy - j0.busy;
      tally.totalTicks += j1.total - j0.total;
      tally.runs.push(r);
      o.measured(t, i, r);
    }
  }
  return tallies;
}

/** CPU of the server's processes and busy CPU of the whole machine in the rounds, % of one core. */
export function cpuPercents(tally: Tally<unknown> | undefined): { serverCpuPercent: number; machineCpuPercent: number } {
  const perCore = Math.max(1, (tally?.totalTicks ?? 0) / cores);
  return { serverCpuPercent: ((tally?.serverTicks ?? 0) / perCore) * 100, machineCpuPercent: ((tally?.busyTicks ?? 0) / perCore) * 100 };
}

// ---- report --------------------------------------------------------------------------------

export const out = (s: string): void => {
  process.stdout.write(s);
};

export const fmtMs = (v: number): string => v.toFixed(1);
export const fmtPct = (v: number): string => `${Math.max(0, v).toFixed(0)}%`;

/** "12.3 MB", with the PSS after it for a multi-process server. */
export const fmtRss = (rssKb: number, pssKb: number | null, digits: number): string =>
  `${(rssKb / 1024).toFixed(digits)} MB${pssKb !== null ? ` (PSS ${(pssKb / 1024).toFixed(0)})` : ""}`;

/** The first cells of a server's row: its name, rate, the latencies given (ms) and errors. */
export const loadCells = (server: string, load: { perSecond: number; errors: number }, latenciesMs: number[]): string[] => [
  server,
  load.perSecond.toFixed(1),
  ...latenciesMs.map(fmtMs),
  String(load.errors),
];

/** The server, client and rest-of-machine CPU cells (and the note to print under the table). */
export function cpuCells(r: { serverCpuPercent: number; machineCpuPercent: number; load: { clientCpuPercent: number } }): string[] {
  return [fmtPct(r.serverCpuPercent), fmtPct(r.load.clientCpuPercent), fmtPct(r.machineCpuPercent - r.serverCpuPercent - r.load.clientCpuPercent)];
}
export const CPU_HEAD = ["server CPU", "client CPU", "other CPU"];
export const CPU_NOTE = "(CPU as % of one core; 'other' = the rest of the machine: kernel threads, other processes)\n";

/** Right-aligned columns, two spaces apart. */
export function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const r of [head, ...rows]) out(`${r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ")}\n`);
}

export const verdict = (ok: boolean): string => (ok ? "met" : "NOT met");

/** Sealpost's rate over the reference server's, when both ran. */
export const speedRatio = (sp: number | undefined, ref: number | undefined): number | null =>
  sp !== undefined && ref !== undefined && ref > 0 ? sp / ref : null;

/** "sealpost/REF UNIT/s[, WHAT]: 1.23× (target ≥ N×: met)". */
export function ratioLine(ratio: number, refName: string, unit: string, target: number, what?: string): void {
  out(`sealpost/${refName} ${unit}/s${what !== undefined ? `, ${what}` : ""}: ${ratio.toFixed(2)}× (target ≥ ${target}×: ${verdict(ratio >= target)})\n`);
}

export function writeJson(v: unknown): void {
  out(`${JSON.stringify(v, null, 2)}\n`);
}

/** Runs the script's `main`, printing a failure and setting the exit code. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
