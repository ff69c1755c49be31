/**
 * `npm run bench:imap`: N clients over implicit TLS, each with a 1,000-message INBOX selected, run
 * a fixed command mix (FETCH flags / envelope / body, UID FETCH, SEARCH, STORE) against Sealpost
 * and, where Debian's Dovecot is installed, against a local Dovecot (`../shared/peers/`) holding
 * the same messages, driven by the same client in the same run. Prints commands/s and p50/p99
 * overall and per command type, errors, CPU (server, client, the rest of the machine), then the
 * idle test: the server's memory with M connections logged in, SELECTed and in IDLE, per
 * connection (run first, on the freshly started servers). Before the measured rounds, every
 * user's mailbox is read once (FETCH 1:* ENVELOPE, SEARCH) so that header caches start warm on
 * both servers; how long that took is printed too. Targets: at least Dovecot's commands/s, under
 * 50 KB per idle connection.
 *
 * Both servers run side by side and the measured time is split into rounds that alternate
 * between them, so that a burst of unrelated load on a shared machine hits both alike.
 *
 *   node bench/imap.ts [--clients 20] [--seconds 20] [--rounds 4] [--warmup 3] [--messages 1000]
 *                      [--idle 1000] [--no-dovecot] [--json] [--profile DIR]
 *   --seconds S: measured time per server (split into --rounds rounds).
 *   --idle M:    connections for the idle test (0: skip it).
 *   --profile D: run the Sealpost server with node --cpu-prof, profile written to D at exit
 *                (summarise it with `node bench/cpuprof.ts D/*.cpuprofile`).
 */
import { parseArgs } from "node:util";
import { alternateRounds, benchOptions, checkMachine, cpuPercents, intFlag, note, ratioLine, roundFlags, runMain, sleep, speedRatio, verdict, withServers } from "./common.ts";
import { CPU_HEAD, CPU_NOTE, cpuCells, fmtMs, fmtRss, loadCells, out, table, writeJson } from "./common.ts";
import { mergeImapResults, MIX, openIdleConnections, primeMailboxes, runImapLoad, type ImapLoadResult } from "./imap-load.ts";
import { DOVECOT, startDovecot, startSealpost, type ImapTarget } from "./imap-targets.ts";
import { memoryKb, sampleRss } from "./proc-stats.ts";
import { measureTlsFloor, type TlsFloor } from "./tls-floor.ts";

interface ServerResult {
  server: string;
  load: ImapLoadResult;
  /** Time to read every message's headers once in every user's mailbox (cold caches), s. */
  primeSeconds: number;
  /** Peak memory during warm-up and rounds (Dovecot: summed over master, imap, imap-login). */
  peakRssKb: number;
  peakPssKb: number | null;
  /** The server's first logged warnings and errors during the run. */
  problems: string[];
  /** CPU of the server's processes during the measured rounds, % of one core. */
  serverCpuPercent: number;
  /** Busy CPU of the whole machine during the measured rounds, % of one core (client included). */
  machineCpuPercent: number;
}

interface IdleResult {
  server: string;
  open: number;
  failed: number;
  openSeconds: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  pssBeforeKb: number | null;
  pssAfterKb: number | null;
  rssPerConnKb: number;
  pssPerConnKb: number | null;
  firstErrors: string[];
}

const { values: flags } = parseArgs({
  options: {
    ...benchOptions({ clients: "20", warmup: "3" }),
    messages: { type: "string", default: "1000" },
    idle: { type: "string", default: "1000" },
    "no-dovecot": { type: "boolean", default: false },
  },
});
/** Clients, seconds, rounds and warm-up seconds. */
const plan = roundFlags(flags, 1000);
const { clients, seconds, rounds } = plan;
const messages = intFlag("messages", flags.messages, 10, 100_000);
const idleCount = intFlag("idle", flags.idle, 0, 5000);
/** Test users per server (the Dovecot peer has test1..test100); clients beyond share them. */
const users = Math.min(clients, 100);
function runLoad(t: ImapTarget, durationMs: number): Promise<ImapLoadResult> {
  return runImapLoad({ ...t.load, clients, durationMs });
}

async function bench(targets: ImapTarget[]): Promise<ServerResult[]> {
  const primed: number[] = [];
  const samplers = targets.map((t) => sampleRss(() => t.memoryPids(), 250, t.multiProcess));
  let peaks: Array<{ rss: number; pss: number | null }> = [];
  let tallies;
  try {
    tallies = await alternateRounds({
      ...plan,
      targets,
      run: runLoad,
      async prepare(t) {
        const ms = await primeMailboxes(t.load, users);
        primed.push(ms / 1000);
        note(`${t.name}: every message's headers read once in ${users} mailboxes in ${(ms / 1000).toFixed(1)} s (cold caches)`);
      },
      warmedUp(t, _i, w) {
        note(`${t.name}: warm-up ${w.perSecond.toFixed(0)} commands/s, ${w.errors} errors${w.errors > 0 ? `: ${w.firstErrors.slice(0, 2).join(" | ")}` : ""}`);
      },
      measured(t, _i, r) {
        note(`${t.name}: ${r.perSecond.toFixed(0)} commands/s, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors`);
      },
    });
  } finally {
    peaks = samplers.map((stop) => stop());
  }
  return targets.map((t, i) => {
    const tally = tallies[i];
    const peak = peaks[i] ?? { rss: 0, pss: null };
    return {
      server: t.name,
      load: mergeImapResults(tally?.runs ?? []),
      primeSeconds: primed[i] ?? 0,
      peakRssKb: peak.rss,
      peakPssKb: peak.pss,
      problems: t.problems.slice(0, 10),
      ...cpuPercents(tally),
    };
  });
}

/** Server memory before and with `idleCount` connections in IDLE; (after − before) / connections. */
async function idleTest(t: ImapTarget): Promise<IdleResult> {
  const mem = (): { rss: number; pss: number | null } => memoryKb(t.memoryPids(), t.multiProcess);
  await sleep(1000);
  const before = mem();
  note(`${t.name}: idle test: opening ${idleCount} connections (LOGIN, SELECT INBOX, IDLE)`);
  const idle = await openIdleConnections(t.load, idleCount, { parallel: 32 });
  await sleep(3000);
  const after = mem();
  note(`${t.name}: ${idle.open} idle connections in ${(idle.elapsedMs / 1000).toFixed(1)} s, ${idle.failed} failed; RSS ${(before.rss / 1024).toFixed(1)} → ${(after.rss / 1024).toFixed(1)} MB`);
  await idle.close();
  const per = (a: number, b: number): number => (idle.open > 0 ? (a - b) / idle.open : 0);
  return {
    server: t.name,
    open: idle.open,
    failed: idle.failed,
    openSeconds: idle.elapsedMs / 1000,
    rssBeforeKb: before.rss,
    rssAfterKb: after.rss,
    pssBeforeKb: before.pss,
    pssAfterKb: after.pss,
    rssPerConnKb: per(after.rss, before.rss),
    pssPerConnKb: after.pss !== null && before.pss !== null ? per(after.pss, before.pss) : null,
    firstErrors: idle.firstErrors,
  };
}

// ---- report --------------------------------------------------------------------------------

function printResults(results: ServerResult[], idle: IdleResult[]): void {
  table(
    ["server", "cmd/s", "p50 ms", "p99 ms", "max ms", "errors", "login+select ms", "body MB/s", "peak RSS", ...CPU_HEAD],
    results.map((r) => [
      ...loadCells(r.server, r.load, [r.load.p50Ms, r.load.p99Ms, r.load.maxMs]),
      fmtMs(r.load.setupMs),
      (r.load.literalBytesPerSecond / 1e6).toFixed(2),
      fmtRss(r.peakRssKb, r.peakPssKb, 0),
      ...cpuCells(r),
    ]),
  );
  out(`${CPU_NOTE}\n`);
  table(
    ["command", ...results.flatMap((r) => [`${r.server} cmd/s`, "p50", "p99", "err"])],
    MIX.map(({ type }) => [
      type,
      ...results.flatMap((r) => {
        const s = r.load.byType[type];
        return s === undefined ? ["-", "-", "-", "-"] : [s.perSecond.toFixed(1), fmtMs(s.p50Ms), fmtMs(s.p99Ms), String(s.errors)];
      }),
    ]),
  );
  for (const r of results) {
    out(`${r.server}: ${r.load.commands} commands in ${(r.load.elapsedMs / 1000).toFixed(1)} s, ${r.load.sessions} sessions, TLS ${r.load.tls ?? "none"}\n`);
    out(`  cold start: every message's headers read once in ${users} mailboxes in ${r.primeSeconds.toFixed(1)} s\n`);
    if (r.load.firstErrors.length > 0) out(`  first errors:\n    ${r.load.firstErrors.join("\n    ")}\n`);
    if (r.problems.length > 0) out(`  server log, first warnings and errors:\n    ${r.problems.join("\n    ")}\n`);
  }
  if (idle.length > 0) {
    out("\n");
    const mb = (kb: number | null): string => (kb === null ? "-" : (kb / 1024).toFixed(1));
    table(
      ["idle test", "open", "failed", "RSS before MB", "RSS after MB", "RSS KB/conn", "PSS before MB", "PSS after MB", "PSS KB/conn"],
      idle.map((r) => [
        r.server,
        String(r.open),
        String(r.failed),
        mb(r.rssBeforeKb),
        mb(r.rssAfterKb),
        r.rssPerConnKb.toFixed(1),
        mb(r.pssBeforeKb),
        mb(r.pssAfterKb),
        r.pssPerConnKb === null ? "-" : r.pssPerConnKb.toFixed(1),
      ]),
    );
    for (const r of idle) if (r.firstErrors.length > 0) out(`  ${r.server} idle errors:\n    ${r.firstErrors.join("\n    ")}\n`);
  }
}

async function main(): Promise<void> {
  await checkMachine();
  note(`${clients} clients, ${seconds} s per server in ${rounds} rounds, ${messages} messages in each of ${users} users' INBOX, idle test ${idleCount}`);

  const idle: IdleResult[] = [];
  let floor = null as TlsFloor | null; // set inside the callback below
  const { results, skipped: dovecotNote } = await withServers({
    reference: { name: "Dovecot", path: DOVECOT, skip: flags["no-dovecot"] },
    sealpost: () => startSealpost({ users, messages, profileDir: flags.profile, note }),
    start: () => startDovecot({ users, messages, idle: idleCount, note }),
    stop: (t) => t.stop(),
    body: async (targets) => {
      // The idle test runs first, on freshly started servers: after the load, Sealpost's heap and
      // caches have grown and new connections would reuse freed memory, hiding their cost.
      if (idleCount > 0) for (const t of targets) idle.push(await idleTest(t));
      if (idleCount > 0) floor = await measureTlsFloor(idleCount);
      return bench(targets);
    },
  });

  const sp = results.find((r) => r.server === "sealpost");
  const dc = results.find((r) => r.server === "dovecot");
  const ratio = speedRatio(sp?.load.perSecond, dc?.load.perSecond);
  const spIdle = idle.find((r) => r.server === "sealpost");
  const idleOk = spIdle !== undefined && spIdle.open === idleCount ? spIdle.rssPerConnKb < 50 : null;
  if (flags.json) {
    const strip = (r: ServerResult): unknown => ({ ...r, load: { ...r.load, latenciesMs: undefined, typeLatenciesMs: undefined, typeErrors: undefined } });
    const targetsMet = { ratio: ratio !== null ? ratio >= 1 : null, idleMemory: idleOk };
    writeJson({ clients, seconds, rounds, messages, users, idle: idleCount, results: results.map(strip), idleResults: idle, tlsFloor: floor, ratio, targetsMet, note: dovecotNote });
  } else {
    printResults(results, idle);
    if (dovecotNote !== null) out(`note: ${dovecotNote}\n`);
    if (ratio !== null) ratioLine(ratio, "dovecot", "commands", 1);
    if (spIdle !== undefined) {
      const idleVerdict = idleOk === null ? `not measured: ${spIdle.open}/${idleCount} connections opened` : verdict(idleOk);
      out(`sealpost memory per idle connection: ${spIdle.rssPerConnKb.toFixed(1)} KB (target < 50 KB: ${idleVerdict})\n`);
    }
    if (floor !== null) {
      out(`  floor: a bare Node tls.Server (same flags, ${floor.protocol ?? "?"}) holds ${floor.rssPerConnKb.toFixed(1)} KB per idle connection; the rest is Sealpost's\n`);
    }
    const dcIdle = idle.find((r) => r.server === "dovecot");
    if (spIdle !== undefined && dcIdle !== undefined && dcIdle.pssPerConnKb !== null && dcIdle.pssPerConnKb > 0) {
      out(`  (dovecot: ${dcIdle.rssPerConnKb.toFixed(0)} KB RSS, ${dcIdle.pssPerConnKb.toFixed(0)} KB PSS per connection: an imap and an imap-login process each)\n`);
    }
  }
  if (results.some((r) => r.load.commands === 0)) process.exitCode = 1;
}

runMain(main);
