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
 * The standard mix (`imap-standard.ts`, issue 13): 10 clients, each with its own ~30-message
 * mailbox, loop LOGIN, LIST, STATUS, SELECT, FETCH, STORE, EXPUNGE, APPEND, LOGOUT — once with a
 * LOGIN per loop, once with the sessions kept logged in — against both servers in alternating
 * rounds as above; Dovecot stores its passwords as SHA512-CRYPT (its default scheme) with its
 * default auth settings. Printed per mode: commands/s per server and their ratio, p50/p99 per
 * command type, and the servers' CPU. Each mix runs with `[process] workers` = 1 and 2 in
 * Sealpost's sealpost.toml (or the one `--workers` names).
 *
 * The idle-sessions part (`imap-idle.ts`, issue 13): the server's memory with 10,000 sessions in
 * IDLE, and the read-heavy mix's p99 with and without them (Sealpost alone).
 *
 *   node bench/imap.ts [--mix all|read|standard|idle] [--workers N] [--clients 20] [--standard-clients 10]
 *                      [--seconds 20] [--rounds 4] [--warmup 3] [--messages 1000]
 *                      [--idle 1000] [--idle-sessions 10000] [--no-dovecot] [--json] [--profile DIR]
 *   --mix:       the read-heavy mix, the standard mix (both modes), the idle sessions, or all (default).
 *   --workers N: Sealpost's worker processes (default: a run with 1, then one with 2).
 *   --seconds S: measured time per server and mix or mode (split into --rounds rounds).
 *   --idle M:    connections for the idle test beside the read mix (0: skip it).
 *   --idle-sessions N: sessions held in IDLE by the idle-sessions part (its rounds: --rounds, each
 *                --seconds ÷ --rounds long).
 *   --profile D: run the Sealpost server with node --cpu-prof, profile written to D at exit
 *                (summarise it with `node bench/cpuprof.ts D/*.cpuprofile`).
 */
import { parseArgs } from "node:util";
import { alternateRounds, benchOptions, checkMachine, cpuPercents, intFlag, note, ratioLine, roundFlags, runMain, sleep, speedRatio, verdict, withServers } from "./common.ts";
import { CPU_HEAD, CPU_NOTE, cpuCells, fmtMs, fmtPct, fmtRss, loadCells, out, table, writeJson } from "./common.ts";
import { mergeImapResults, MIX, openIdleConnections, primeMailboxes, runImapLoad, type ImapLoadResult } from "./imap-load.ts";
import { prepareStandard, runStandardLoad, STANDARD_TYPES, type StandardMode } from "./imap-standard.ts";
import { printIdleSessions, runIdleSessions, type IdleSessionsResult } from "./imap-idle.ts";
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
    mix: { type: "string", default: "all" },
    workers: { type: "string" },
    "standard-clients": { type: "string", default: "10" },
    "idle-sessions": { type: "string", default: "10000" },
  },
});
/** Clients, seconds, rounds and warm-up seconds. */
const plan = roundFlags(flags, 1000);
const { clients, seconds, rounds } = plan;
const messages = intFlag("messages", flags.messages, 10, 100_000);
const idleCount = intFlag("idle", flags.idle, 0, 5000);
if (!["all", "read", "standard", "idle"].includes(flags.mix)) throw new Error(`--mix: expected all, read, standard or idle, got "${flags.mix}"`);
const readMix = flags.mix === "all" || flags.mix === "read";
const standardMix = flags.mix === "all" || flags.mix === "standard";
const idleMix = flags.mix === "all" || flags.mix === "idle";
const idleSessions = intFlag("idle-sessions", flags["idle-sessions"], 1, 15_000);
const standardClients = intFlag("standard-clients", flags["standard-clients"], 1, 1000);
const workerCounts = flags.workers === undefined ? [1, 2] : [intFlag("workers", flags.workers, 1, 64)];
/** Test users per server (the Dovecot peer has test1..test100); clients beyond share them. */
const users = Math.min(Math.max(readMix ? clients : 0, standardMix ? standardClients : 0), 100);
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

/** One server's figures for one mode of the standard mix. */
interface StandardResult {
  server: string;
  load: ImapLoadResult;
  serverCpuPercent: number;
  machineCpuPercent: number;
}

/** The standard mix in one mode, against every server in alternating rounds (the mailboxes filled first). */
async function standardBench(targets: ImapTarget[], mode: StandardMode): Promise<StandardResult[]> {
  const tallies = await alternateRounds({
    ...plan,
    clients: standardClients,
    targets,
    run: (t, durationMs) => runStandardLoad({ ...t.load, clients: standardClients, durationMs, mode }),
    async prepare(t) {
      const ms = await prepareStandard(t.load, Math.min(standardClients, users));
      note(`${t.name}: standard mailboxes ready in ${(ms / 1000).toFixed(1)} s`);
    },
    warmedUp(t, _i, w) {
      note(`${t.name}: standard mix (${mode}) warm-up ${w.perSecond.toFixed(0)} commands/s, ${w.errors} errors${w.errors > 0 ? `: ${w.firstErrors.slice(0, 2).join(" | ")}` : ""}`);
    },
    measured(t, _i, r) {
      note(`${t.name}: standard mix (${mode}) ${r.perSecond.toFixed(0)} commands/s, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors`);
    },
  });
  return targets.map((t, i) => ({ server: t.name, load: mergeImapResults(tallies[i]?.runs ?? [], STANDARD_TYPES), ...cpuPercents(tallies[i]) }));
}

const MODE_TITLE: Record<StandardMode, string> = { login: "a LOGIN per loop", kept: "sessions kept logged in" };

function printStandard(mode: StandardMode, workers: number, results: StandardResult[]): number | null {
  out(`\nstandard mix, ${MODE_TITLE[mode]} (${standardClients} clients; sealpost workers = ${workers}):\n`);
  table(
    ["server", "cmd/s", "p50 ms", "p99 ms", "max ms", "errors", "connect ms", "loops", ...CPU_HEAD],
    results.map((r) => [
      ...loadCells(r.server, r.load, [r.load.p50Ms, r.load.p99Ms, r.load.maxMs]),
      fmtMs(r.load.setupMs),
      String(r.load.byType["SELECT"]?.count ?? 0),
      ...cpuCells(r),
    ]),
  );
  table(
    ["command", ...results.flatMap((r) => [`${r.server} cmd/s`, "p50", "p99", "err"])],
    STANDARD_TYPES.filter((type) => mode === "login" || (type !== "LOGIN" && type !== "LOGOUT")).map((type) => [
      type,
      ...results.flatMap((r) => {
        const s = r.load.byType[type];
        return s === undefined ? ["-", "-", "-", "-"] : [s.perSecond.toFixed(1), fmtMs(s.p50Ms), fmtMs(s.p99Ms), String(s.errors)];
      }),
    ]),
  );
  for (const r of results) if (r.load.firstErrors.length > 0) out(`  ${r.server} first errors:\n    ${r.load.firstErrors.join("\n    ")}\n`);
  const ratio = speedRatio(results.find((r) => r.server === "sealpost")?.load.perSecond, results.find((r) => r.server === "dovecot")?.load.perSecond);
  if (ratio !== null) ratioLine(ratio, "dovecot", "commands", 1, `standard mix, ${MODE_TITLE[mode]}`);
  return ratio;
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

/** Everything measured with one `[process] workers` setting. */
interface Pass {
  workers: number;
  read: ServerResult[] | null;
  idle: IdleResult[];
  tlsFloor: TlsFloor | null;
  standard: Array<{ mode: StandardMode; results: StandardResult[] }>;
  idleSessions: IdleSessionsResult | null;
  dovecotNote: string | null;
}

async function runPass(workers: number): Promise<Pass> {
  const idle: IdleResult[] = [];
  let floor = null as TlsFloor | null; // set inside the callback below
  const standard: Pass["standard"] = [];
  const { results, skipped } = !readMix && !standardMix ? { results: null, skipped: null } : await withServers({
    reference: { name: "Dovecot", path: DOVECOT, skip: flags["no-dovecot"] },
    sealpost: () => startSealpost({ users, messages, profileDir: flags.profile, workers, note }),
    start: () => startDovecot({ users, messages, idle: idleCount, note }),
    stop: (t) => t.stop(),
    body: async (targets) => {
      // The idle test runs first, on freshly started servers: after the load, Sealpost's heap and
      // caches have grown and new connections would reuse freed memory, hiding their cost.
      if (readMix && idleCount > 0) for (const t of targets) idle.push(await idleTest(t));
      if (readMix && idleCount > 0) floor = await measureTlsFloor(idleCount);
      const read = readMix ? await bench(targets) : null;
      if (standardMix) for (const mode of ["login", "kept"] as const) standard.push({ mode, results: await standardBench(targets, mode) });
      return read;
    },
  });
  const idleSessionsResult = idleMix
    ? await runIdleSessions({ workers, sessions: idleSessions, clients, messages, rounds, roundSeconds: seconds / rounds, warmupSeconds: plan.warmupSeconds, profileDir: flags.profile })
    : null;
  return { workers, read: results, idle, tlsFloor: floor, standard, idleSessions: idleSessionsResult, dovecotNote: skipped };
}

function printRead(p: Pass): number | null {
  const results = p.read ?? [];
  const sp = results.find((r) => r.server === "sealpost");
  const dc = results.find((r) => r.server === "dovecot");
  const ratio = speedRatio(sp?.load.perSecond, dc?.load.perSecond);
  out(`\nread-heavy mix (${clients} clients; sealpost workers = ${p.workers}):\n`);
  printResults(results, p.idle);
  if (ratio !== null) ratioLine(ratio, "dovecot", "commands", 1.2, "read-heavy mix");
  const spIdle = p.idle.find((r) => r.server === "sealpost");
  if (spIdle !== undefined) {
    const idleOk = spIdle.open === idleCount ? spIdle.rssPerConnKb < 50 : null;
    const idleVerdict = idleOk === null ? `not measured: ${spIdle.open}/${idleCount} connections opened` : verdict(idleOk);
    out(`sealpost memory per idle connection: ${spIdle.rssPerConnKb.toFixed(1)} KB (target < 50 KB: ${idleVerdict})\n`);
  }
  if (p.tlsFloor !== null) {
    out(`  floor: a bare Node tls.Server (same flags, ${p.tlsFloor.protocol ?? "?"}) holds ${p.tlsFloor.rssPerConnKb.toFixed(1)} KB per idle connection; the rest is Sealpost's\n`);
  }
  const dcIdle = p.idle.find((r) => r.server === "dovecot");
  if (spIdle !== undefined && dcIdle !== undefined && dcIdle.pssPerConnKb !== null && dcIdle.pssPerConnKb > 0) {
    out(`  (dovecot: ${dcIdle.rssPerConnKb.toFixed(0)} KB RSS, ${dcIdle.pssPerConnKb.toFixed(0)} KB PSS per connection: an imap and an imap-login process each)\n`);
  }
  return ratio;
}

async function main(): Promise<void> {
  await checkMachine();
  const what = [readMix ? `read-heavy mix (${clients} clients, ${messages} messages in each of ${users} users' INBOX, idle test ${idleCount})` : "", standardMix ? `standard mix (${standardClients} clients, both modes)` : "", idleMix ? `${idleSessions} idle sessions` : ""];
  note(`${what.filter((w) => w !== "").join(" and ")}; ${seconds} s per server in ${rounds} rounds each; sealpost workers ${workerCounts.join(", then ")}`);
  const passes: Pass[] = [];
  for (const w of workerCounts) passes.push(await runPass(w));

  const summary: Array<{ workers: number; mix: string; sealpost: number | null; dovecot: number | null; ratio: number | null; sealpostCpu: number | null; dovecotCpu: number | null }> = [];
  const row = (workers: number, mix: string, results: ReadonlyArray<{ server: string; load: ImapLoadResult; serverCpuPercent: number }>): void => {
    const sp = results.find((r) => r.server === "sealpost");
    const dc = results.find((r) => r.server === "dovecot");
    summary.push({ workers, mix, sealpost: sp?.load.perSecond ?? null, dovecot: dc?.load.perSecond ?? null, ratio: speedRatio(sp?.load.perSecond, dc?.load.perSecond), sealpostCpu: sp?.serverCpuPercent ?? null, dovecotCpu: dc?.serverCpuPercent ?? null });
  };
  for (const p of passes) {
    if (p.read !== null) row(p.workers, "read-heavy", p.read);
    for (const s of p.standard) row(p.workers, `standard, ${MODE_TITLE[s.mode]}`, s.results);
  }
  if (flags.json) {
    const bare = (l: ImapLoadResult): unknown => ({ ...l, latenciesMs: undefined, typeLatenciesMs: undefined, typeErrors: undefined });
    const strip = (r: { load: ImapLoadResult }): unknown => ({ ...r, load: bare(r.load) });
    const idleJson = (r: IdleSessionsResult | null): unknown => r && { ...r, before: r.before.map(bare), during: r.during.map(bare), after: r.after.map(bare) };
    writeJson({
      clients,
      standardClients,
      seconds,
      rounds,
      messages,
      users,
      idle: idleCount,
      summary,
      passes: passes.map((p) => ({ ...p, read: p.read?.map(strip) ?? null, standard: p.standard.map((s) => ({ mode: s.mode, results: s.results.map(strip) })), idleSessions: idleJson(p.idleSessions) })),
    });
  } else {
    for (const p of passes) {
      if (p.read !== null) printRead(p);
      for (const s of p.standard) printStandard(s.mode, p.workers, s.results);
      if (p.idleSessions !== null && printIdleSessions(p.idleSessions, clients) === null) process.exitCode = 1;
      if (p.dovecotNote !== null) out(`note: ${p.dovecotNote}\n`);
    }
    const num = (v: number | null, d: number): string => (v === null ? "-" : v.toFixed(d));
    out("\nsummary (commands/s; server CPU as % of one core):\n");
    table(
      ["workers", "mix", "sealpost", "dovecot", "ratio", "sealpost CPU", "dovecot CPU"],
      summary.map((r) => [String(r.workers), r.mix, num(r.sealpost, 1), num(r.dovecot, 1), r.ratio === null ? "-" : `${r.ratio.toFixed(2)}×`, r.sealpostCpu === null ? "-" : fmtPct(r.sealpostCpu), r.dovecotCpu === null ? "-" : fmtPct(r.dovecotCpu)]),
    );
  }
  const loads = passes.flatMap((p) => [...(p.read ?? []), ...p.standard.flatMap((s) => s.results)]);
  if (loads.some((r) => r.load.commands === 0)) process.exitCode = 1;
}

runMain(main);
