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
 *                      [--rate R] [--workers N] [--sender-checks] [--no-postfix] [--json] [--profile DIR]
 *   --workers N: Sealpost's `[process] workers` (default 1).
 *   --sender-checks: the MX's sender checks on (`[smtp] authentication`, off otherwise), asking a
 *                DNS server in this process that publishes SPF (pass) and DMARC (p=reject) for the
 *                load's sender; the target is then ≥ 1.0× Postfix, which checks nothing by default.
 *   --seconds S: measured time per server (split into --rounds rounds).
 *   --rate R:    sessions start at R/s in total (an offered load: latency at a given rate)
 *                instead of each client starting its next session when the last one ends.
 *   --profile D: run the Sealpost server with node --cpu-prof, profile written to D at exit
 *                (summarise it with `node bench/cpuprof.ts D/*.cpuprofile`).
 */
import { parseArgs } from "node:util";
import { alternateRounds, benchOptions, checkMachine, cpuPercents, note, optionalIntFlag, ratioLine, roundFlags, runMain, speedRatio, verdict, withServers } from "./common.ts";
import { CPU_HEAD, CPU_NOTE, cpuCells, fmtRss, intFlag, loadCells, out, table, writeJson } from "./common.ts";
import { mergeLoadResults, runSmtpLoad, type SmtpLoadResult } from "./smtp-load.ts";
import { POSTFIX, startPostfix, startSealpost, type Target } from "./smtp-targets.ts";
import { startDnsServer, type DnsServer } from "../test/dns-server.ts";

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
    ...benchOptions({ clients: "50", warmup: "2" }),
    size: { type: "string", default: "10240" },
    rate: { type: "string" },
    workers: { type: "string" },
    "sender-checks": { type: "boolean", default: false },
    "no-postfix": { type: "boolean", default: false },
  },
});
/** Clients, seconds, rounds and warm-up seconds. */
const plan = roundFlags(flags, 2000);
const { clients, seconds, rounds } = plan;
const size = intFlag("size", flags.size, 100, 50_000_000);
const rate = optionalIntFlag("rate", flags.rate, 1, 100_000);
const workers = optionalIntFlag("workers", flags.workers, 1, 64);
const senderChecks = flags["sender-checks"];
/** Postfix checks no sender by default: with the checks on, Sealpost is to keep up with it; without, to be half again as fast. */
const target = senderChecks ? 1.0 : 1.5;

function runLoad(t: Target, durationMs: number): Promise<SmtpLoadResult> {
  return runSmtpLoad({ ...t.load, clients, messageBytes: size, durationMs, ...(rate !== undefined ? { ratePerSecond: rate } : {}) });
}

async function bench(targets: Target[]): Promise<ServerResult[]> {
  /** Messages acknowledged per server, warm-up included. */
  const acked = targets.map(() => 0);
  const count = (i: number, r: SmtpLoadResult): void => {
    acked[i] = (acked[i] ?? 0) + r.messages;
  };
  const tallies = await alternateRounds({
    ...plan,
    targets,
    run: runLoad,
    warmedUp(t, i, w) {
      if (w.messages === 0) throw new Error(`${t.name}: no message got through in the warm-up: ${w.firstErrors.join(" | ")}`);
      count(i, w);
    },
    measured(t, i, r) {
      count(i, r);
      note(`${t.name}: ${r.perSecond.toFixed(0)} msg/s, p99 ${r.p99Ms.toFixed(0)} ms, ${r.errors} errors`);
    },
  });
  const results: ServerResult[] = [];
  for (const [i, t] of targets.entries()) {
    const tally = tallies[i];
    if (tally === undefined) continue;
    const n = acked[i] ?? 0;
    const fin = await t.finish(n);
    results.push({ server: t.name, load: mergeLoadResults(tally.runs), ...cpuPercents(tally), ...fin, acked: n });
  }
  return results;
}

// ---- report --------------------------------------------------------------------------------

function printTable(results: ServerResult[]): void {
  table(
    ["server", "msg/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "peak RSS", ...CPU_HEAD, "stored/250s"],
    results.map((r) => [
      ...loadCells(r.server, r.load, [r.load.p50Ms, r.load.p90Ms, r.load.p99Ms, r.load.maxMs]),
      fmtRss(r.peakRssKb, r.peakPssKb, 1),
      ...cpuCells(r),
      `${r.stored ?? "?"}/${r.acked}`,
    ]),
  );
  out(CPU_NOTE);
  for (const r of results) {
    out(`${r.server}: ${r.load.messages} messages in ${(r.load.elapsedMs / 1000).toFixed(1)} s, TLS ${r.load.tls ?? "none"}\n`);
    const steps = Object.entries(r.load.phaseMs).map(([k, v]) => `${k} ${v.toFixed(1)}`);
    out(`  mean ms per step: ${steps.join(", ")}\n`);
    if (r.load.firstErrors.length > 0) out(`  first errors:\n    ${r.load.firstErrors.join("\n    ")}\n`);
    if (r.stored !== null && r.stored !== r.acked) out(`  ${r.acked} messages acknowledged, ${r.stored} stored\n`);
  }
}

/** The load's sender domain (smtp-targets.ts: load@client.test) as a sender with SPF and DMARC would publish it. */
function senderDns(): Promise<DnsServer> {
  return startDnsServer({ "client.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] }, "_dmarc.client.test": { TXT: ["v=DMARC1; p=reject"] } });
}

async function main(): Promise<void> {
  await checkMachine();
  const pace = rate !== undefined ? `sessions started at ${rate}/s` : "back to back";
  note(`${clients} clients ${pace}, ${seconds} s per server, ${size}-byte messages, one STARTTLS session (full handshake) per message; sealpost workers = ${workers ?? 1}`);
  note(`sealpost's sender checks (SPF, DKIM, DMARC, ARC): ${senderChecks ? "on, DNS from this process" : "off (--sender-checks turns them on)"}`);
  const dns = senderChecks ? await senderDns() : null;

  const { results, skipped: postfixNote } = await withServers({
    reference: { name: "Postfix", path: POSTFIX, skip: flags["no-postfix"] },
    sealpost: () =>
      startSealpost({ clients, profileDir: flags.profile, note, ...(workers !== undefined ? { workers } : {}), ...(dns !== null ? { senderChecksDns: dns.address } : {}) }),
    start: () => startPostfix({ note }),
    stop: (t) => t.abort(),
    body: bench,
  }).finally(() => dns?.close());

  const sp = results.find((r) => r.server === "sealpost");
  const pf = results.find((r) => r.server === "postfix");
  const ratio = speedRatio(sp?.load.perSecond, pf?.load.perSecond);
  const p99Ok = sp !== undefined && sp.load.p99Ms < 50;
  const lossless = results.every((r) => r.stored !== null && r.stored >= r.acked);
  if (flags.json) {
    const res = results.map((r) => ({ ...r, load: { ...r.load, latenciesMs: undefined } }));
    const targetsMet = { ratio: ratio !== null ? ratio >= target : null, p99: p99Ok, lossless };
    writeJson({ clients, seconds, rounds, size, rate: rate ?? null, senderChecks, results: res, ratio, targetsMet, note: postfixNote });
  } else {
    printTable(results);
    if (postfixNote !== null) out(`note: ${postfixNote}\n`);
    if (ratio !== null) ratioLine(ratio, "postfix", "messages", target, senderChecks ? "sender checks on" : "sender checks off");
    out(`sealpost p99 ${sp?.load.p99Ms.toFixed(1)} ms (target < 50 ms: ${verdict(p99Ok)})\n`);
    if (rate === undefined && sp !== undefined && sp.load.perSecond > 0) {
      // Little's law for a closed loop: every client always has one session open.
      out(
        `  (back to back, mean latency ≈ clients / rate = ${((clients / sp.load.perSecond) * 1000).toFixed(0)} ms: ` +
          `p99 < 50 ms with ${clients} clients needs well over ${clients * 20} msg/s; --rate R gives latency at a set load)\n`,
      );
    }
    out(`every acknowledged message stored: ${lossless ? "yes" : "NO (or not counted)"}\n`);
  }
  if (!lossless) process.exitCode = 1;
}

runMain(main);
