/**
 * `npm run bench:smtp`: STARTTLS + 10 KB message sessions against Sealpost and, where Debian's
 * Postfix is installed, against a local Postfix (STARTTLS, Maildir delivery) driven by the same
 * client in the same run. Prints messages/s, latency percentiles, errors, peak RSS, CPU (server,
 * client, everything else on the machine), checks that every acknowledged message was stored
 * (Sealpost: rows in `messages`; Postfix: files in the Maildir), and the targets: ≥ 1.5× Postfix's
 * messages/s, p99 < 50 ms.
 *
 * Both servers run side by side and the measured time is split into rounds that alternate
 * between them, so that a burst of unrelated load on a shared machine hits both alike.
 *
 *   node bench/smtp.ts [--clients 50] [--seconds 20] [--rounds 4] [--size 10240] [--warmup 2]
 *                      [--rate R] [--no-postfix] [--json] [--profile DIR]
 *   --seconds S: measured time per server (split into --rounds rounds).
 *   --rate R:    sessions start at R/s in total (an offered load: latency at a given rate)
 *                instead of each client starting its next session when the last one ends.
 *   --profile D: run the Sealpost server with node --cpu-prof, profile written to D at exit
 *                (summarise it with `node bench/cpuprof.ts D/*.cpuprofile`).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { idleLoad, machineJiffies, treeCpuTicks } from "./proc-stats.ts";
import { mergeLoadResults, runSmtpLoad, type SmtpLoadResult } from "./smtp-load.ts";
import { POSTFIX, startPostfix, startSealpost, type Target } from "./smtp-targets.ts";

interface ServerResult {
  server: string;
  load: SmtpLoadResult;
  /** CPU of the server's processes during the measured rounds, % of one core. */
  serverCpuPercent: number;
  /** Busy CPU of the whole machine during the measured rounds, % of one core (client included). */
  machineCpuPercent: number;
  peakRssKb: number;
  /** Summed PSS of a multi-process server (null for one process, where it is close to RSS). */
  peakPssKb: number | null;
  /** Messages acknowledged with 250 (warm-up included) and how many the server really stored. */
  acked: number;
  stored: number | null;
}

const { values: flags } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    rounds: { type: "string", default: "4" },
    size: { type: "string", default: "10240" },
    warmup: { type: "string", default: "2" },
    rate: { type: "string" },
    "no-postfix": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    profile: { type: "string" },
  },
});

function intFlag(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: expected an integer from ${min} to ${max}, got "${v}"`);
  return n;
}
const clients = intFlag("clients", flags.clients, 1, 2000);
const seconds = intFlag("seconds", flags.seconds, 1, 3600);
const rounds = intFlag("rounds", flags.rounds, 1, 100);
const size = intFlag("size", flags.size, 100, 50_000_000);
const warmupSeconds = intFlag("warmup", flags.warmup, 0, 60);
const rate = flags.rate !== undefined ? intFlag("rate", flags.rate, 1, 100_000) : undefined;
const cores = availableParallelism();

const note = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

/** One server's measured rounds so far. */
interface Tally {
  runs: SmtpLoadResult[];
  acked: number;
  serverTicks: number;
  busyTicks: number;
  totalTicks: number;
}

function runLoad(t: Target, durationMs: number): Promise<SmtpLoadResult> {
  return runSmtpLoad({ ...t.load, clients, messageBytes: size, durationMs, ...(rate !== undefined ? { ratePerSecond: rate } : {}) });
}

async function measureRound(t: Target, tally: Tally, durationMs: number): Promise<void> {
  const j0 = machineJiffies();
  const s0 = treeCpuTicks(t.root);
  const r = await runLoad(t, durationMs);
  const j1 = machineJiffies();
  tally.serverTicks += treeCpuTicks(t.root) - s0;
  tally.busyTicks += j1.busy - j0.busy;
  tally.totalTicks += j1.total - j0.total;
  tally.runs.push(r);
  tally.acked += r.messages;
  note(`${t.name}: ${r.perSecond.toFixed(0)} msg/s, p99 ${r.p99Ms.toFixed(0)} ms, ${r.errors} errors`);
}

async function bench(targets: Target[]): Promise<ServerResult[]> {
  const tallies = targets.map((): Tally => ({ runs: [], acked: 0, serverTicks: 0, busyTicks: 0, totalTicks: 0 }));
  for (const [i, t] of targets.entries()) {
    if (warmupSeconds === 0) continue;
    note(`${t.name}: warm-up ${warmupSeconds} s`);
    const w = await runLoad(t, warmupSeconds * 1000);
    if (w.messages === 0) throw new Error(`${t.name}: no message got through in the warm-up: ${w.firstErrors.join(" | ")}`);
    const tally = tallies[i];
    if (tally !== undefined) tally.acked += w.messages;
  }
  const sliceMs = (seconds * 1000) / rounds;
  for (let round = 0; round < rounds; round++) {
    note(`round ${round + 1}/${rounds}: ${clients} clients, ${(sliceMs / 1000).toFixed(1)} s per server`);
    const order = targets.map((t, i) => ({ t, i }));
    if (round % 2 === 1) order.reverse(); // A B, B A, … so neither always goes first
    for (const { t, i } of order) {
      const tally = tallies[i];
      if (tally !== undefined) await measureRound(t, tally, sliceMs);
    }
  }
  const results: ServerResult[] = [];
  for (const [i, t] of targets.entries()) {
    const tally = tallies[i];
    if (tally === undefined) continue;
    const fin = await t.finish(tally.acked);
    const perCore = Math.max(1, tally.totalTicks / cores);
    results.push({
      server: t.name,
      load: mergeLoadResults(tally.runs),
      serverCpuPercent: (tally.serverTicks / perCore) * 100,
      machineCpuPercent: (tally.busyTicks / perCore) * 100,
      ...fin,
      acked: tally.acked,
    });
  }
  return results;
}

// ---- report --------------------------------------------------------------------------------

function printTable(results: ServerResult[]): void {
  const ms = (v: number): string => v.toFixed(1);
  const pct = (v: number): string => `${Math.max(0, v).toFixed(0)}%`;
  const rows = results.map((r) => [
    r.server,
    r.load.perSecond.toFixed(1),
    ms(r.load.p50Ms),
    ms(r.load.p90Ms),
    ms(r.load.p99Ms),
    ms(r.load.maxMs),
    String(r.load.errors),
    `${(r.peakRssKb / 1024).toFixed(1)} MB${r.peakPssKb !== null ? ` (PSS ${(r.peakPssKb / 1024).toFixed(0)})` : ""}`,
    pct(r.serverCpuPercent),
    pct(r.load.clientCpuPercent),
    pct(r.machineCpuPercent - r.serverCpuPercent - r.load.clientCpuPercent),
    `${r.stored ?? "?"}/${r.acked}`,
  ]);
  const head = ["server", "msg/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "peak RSS", "server CPU", "client CPU", "other CPU", "stored/250s"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ")}\n`);
  process.stdout.write("(CPU as % of one core; 'other' = the rest of the machine: kernel threads, other processes)\n");
  for (const r of results) {
    process.stdout.write(`${r.server}: ${r.load.messages} messages in ${(r.load.elapsedMs / 1000).toFixed(1)} s, TLS ${r.load.tls ?? "none"}\n`);
    const steps = Object.entries(r.load.phaseMs).map(([k, v]) => `${k} ${v.toFixed(1)}`);
    process.stdout.write(`  mean ms per step: ${steps.join(", ")}\n`);
    if (r.load.firstErrors.length > 0) process.stdout.write(`  first errors:\n    ${r.load.firstErrors.join("\n    ")}\n`);
    if (r.stored !== null && r.stored !== r.acked) process.stdout.write(`  ${r.acked} messages acknowledged, ${r.stored} stored\n`);
  }
}

async function main(): Promise<void> {
  const busy = await idleLoad(1000);
  note(`machine busy before the run: ${busy.toFixed(0)}% of one core (${cores} cores)`);
  if (busy > 20) note("WARNING: other processes are using the CPU; figures will be low and noisy (see 'other CPU')");
  const pace = rate !== undefined ? `sessions started at ${rate}/s` : "back to back";
  note(`${clients} clients ${pace}, ${seconds} s per server, ${size}-byte messages, one STARTTLS session (full handshake) per message`);

  let postfixNote: string | null = null;
  if (flags["no-postfix"]) postfixNote = "Postfix skipped (--no-postfix)";
  else if (!existsSync(POSTFIX)) postfixNote = `Postfix not installed (${POSTFIX}): Sealpost only`;
  const targets: Target[] = [];
  let results: ServerResult[];
  try {
    targets.push(await startSealpost({ clients, profileDir: flags.profile, note }));
    if (postfixNote === null) targets.push(await startPostfix({ note }));
    results = await bench(targets);
  } finally {
    for (const t of targets) await t.abort();
  }

  const sp = results.find((r) => r.server === "sealpost");
  const pf = results.find((r) => r.server === "postfix");
  const ratio = sp !== undefined && pf !== undefined && pf.load.perSecond > 0 ? sp.load.perSecond / pf.load.perSecond : null;
  const p99Ok = sp !== undefined && sp.load.p99Ms < 50;
  const lossless = results.every((r) => r.stored !== null && r.stored >= r.acked);
  if (flags.json) {
    const out = results.map((r) => ({ ...r, load: { ...r.load, latenciesMs: undefined } }));
    const targetsMet = { ratio: ratio !== null ? ratio >= 1.5 : null, p99: p99Ok, lossless };
    process.stdout.write(`${JSON.stringify({ clients, seconds, rounds, size, rate: rate ?? null, results: out, ratio, targetsMet, note: postfixNote }, null, 2)}\n`);
  } else {
    printTable(results);
    if (postfixNote !== null) process.stdout.write(`note: ${postfixNote}\n`);
    if (ratio !== null) process.stdout.write(`sealpost/postfix messages/s: ${ratio.toFixed(2)}× (target ≥ 1.5×: ${ratio >= 1.5 ? "met" : "NOT met"})\n`);
    process.stdout.write(`sealpost p99 ${sp?.load.p99Ms.toFixed(1)} ms (target < 50 ms: ${p99Ok ? "met" : "NOT met"})\n`);
    if (rate === undefined && sp !== undefined && sp.load.perSecond > 0) {
      // Little's law for a closed loop: every client always has one session open.
      process.stdout.write(
        `  (back to back, mean latency ≈ clients / rate = ${((clients / sp.load.perSecond) * 1000).toFixed(0)} ms: ` +
          `p99 < 50 ms with ${clients} clients needs well over ${clients * 20} msg/s; --rate R gives latency at a set load)\n`,
      );
    }
    process.stdout.write(`every acknowledged message stored: ${lossless ? "yes" : "NO (or not counted)"}\n`);
  }
  if (!lossless) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
