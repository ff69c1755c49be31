/**
 * The idle-sessions part of `npm run bench:imap` (`--mix idle`, issue 13): a Sealpost whose users
 * each have a 1,000-message INBOX; 20 active clients run the read-heavy mix in rounds, first with
 * no other sessions, then while `sessions` more sessions (TLS 1.3, INBOX selected, in IDLE) are
 * held open by a separate process, then again without them. Printed: the server's memory in total
 * (every process) with the sessions open, per session, and the active clients' p99 in every round
 * with and without the idle sessions. Targets: under 1 GB in total; the median p99 with the idle
 * sessions within 2× of the median p99 without.
 *
 * The idle sessions log in as users of their own (`idle1`…), as idle users' phones would: the
 * active clients' changes reach their own sessions, not 10,000 others'. Dovecot is not run here:
 * it keeps a process per IMAP session (imap-hibernate aside), so 10,000 of them need a machine of
 * their own; the `--idle` test beside the read mix compares the two per connection.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median, note, out, sleep, table, verdict, type Note } from "./common.ts";
import type { HoldReport, HoldRequest } from "./imap-idle-holder.ts";
import { runImapLoad, type ImapLoadResult } from "./imap-load.ts";
import { startSealpost, type ImapTarget } from "./imap-targets.ts";
import { memoryKb } from "./proc-stats.ts";
import { BENCH_DOMAIN } from "./sealpost-target.ts";

const HOLDER = fileURLToPath(new URL("./imap-idle-holder.ts", import.meta.url));
/** Users the idle sessions log in as (`idle1`…), sessions spread over them. */
const IDLE_USERS = 20;
const IDLE_PASSWORD = "bench-idle-password-1";
/** The memory target: 1 GB (10^9 bytes) in KiB. */
const LIMIT_KB = 1e9 / 1024;

export interface IdleSessionsOptions {
  workers: number;
  sessions: number;
  /** Active clients of the read-heavy mix, and the messages in every INBOX. */
  clients: number;
  messages: number;
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  profileDir: string | undefined;
}

export interface IdleSessionsResult {
  workers: number;
  sessions: number;
  hold: HoldReport;
  /** Server memory (every process) before the sessions and with them, KiB. */
  rssBeforeKb: number;
  rssWithKb: number;
  pssWithKb: number | null;
  /** The active load's rounds: before the idle sessions, with them, after they left. */
  before: ImapLoadResult[];
  during: ImapLoadResult[];
  after: ImapLoadResult[];
}

/** Forks the holder and asks it to open the sessions; resolves with its report and the process. */
function hold(t: ImapTarget, count: number): Promise<{ child: ChildProcess; report: HoldReport }> {
  const child = fork(HOLDER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const request: HoldRequest = {
    port: t.load.port,
    servername: t.load.servername ?? "",
    password: IDLE_PASSWORD,
    mailbox: "INBOX",
    prefix: "idle",
    first: 1,
    users: IDLE_USERS,
    domain: BENCH_DOMAIN,
    count,
    parallel: 32,
  };
  return new Promise((resolve, reject) => {
    child.once("message", (report: HoldReport) => resolve({ child, report }));
    child.once("exit", (code) => reject(new Error(`the idle-session holder exited with ${code}`)));
    child.send(request);
  });
}

async function rounds(t: ImapTarget, o: IdleSessionsOptions, phase: string, say: Note): Promise<ImapLoadResult[]> {
  const runs: ImapLoadResult[] = [];
  for (let i = 0; i < o.rounds; i++) {
    const r = await runImapLoad({ ...t.load, clients: o.clients, durationMs: o.roundSeconds * 1000 });
    say(`idle sessions, ${phase}, round ${i + 1}/${o.rounds}: ${r.perSecond.toFixed(0)} commands/s, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors`);
    runs.push(r);
  }
  return runs;
}

export async function runIdleSessions(o: IdleSessionsOptions): Promise<IdleSessionsResult> {
  // The users of the active clients (test1…) and those of the idle sessions (idle1…) each get the
  // same INBOX.
  const t = await startSealpost({
    users: o.clients,
    messages: o.messages,
    profileDir: o.profileDir,
    workers: o.workers,
    maxConnections: o.sessions + o.clients + 1000,
    moreUsers: Array.from({ length: IDLE_USERS }, (_, i) => ({ address: `idle${i + 1}@${BENCH_DOMAIN}`, password: IDLE_PASSWORD })),
    note,
  });
  let holder: ChildProcess | null = null;
  try {
    if (o.warmupSeconds > 0) await runImapLoad({ ...t.load, clients: o.clients, durationMs: o.warmupSeconds * 1000 });
    const before = await rounds(t, o, "before", note);
    await sleep(1000);
    const multi = t.multiProcess;
    const rssBefore = memoryKb(t.memoryPids(), multi);
    note(`idle sessions: opening ${o.sessions} (LOGIN, SELECT INBOX of ${o.messages} messages, IDLE) from a separate process`);
    const held = await hold(t, o.sessions);
    holder = held.child;
    note(`idle sessions: ${held.report.open} open in ${(held.report.elapsedMs / 1000).toFixed(1)} s, ${held.report.failed} failed; TLS ${JSON.stringify(held.report.protocols)}`);
    await sleep(3000);
    const withIdle = memoryKb(t.memoryPids(), multi);
    const during = await rounds(t, o, "with the idle sessions", note);
    holder.kill("SIGKILL");
    holder = null;
    await sleep(3000);
    const after = await rounds(t, o, "after", note);
    return { workers: o.workers, sessions: o.sessions, hold: held.report, rssBeforeKb: rssBefore.rss, rssWithKb: withIdle.rss, pssWithKb: withIdle.pss, before, during, after };
  } finally {
    holder?.kill("SIGKILL");
    await t.stop();
  }
}

/** Prints one run; returns whether both targets were met (null: not every session opened). */
export function printIdleSessions(r: IdleSessionsResult, clients: number): boolean | null {
  out(`\nidle sessions (sealpost workers = ${r.workers}; ${r.sessions} sessions in IDLE, ${clients} active clients of the read-heavy mix):\n`);
  const mb = (kb: number): string => (kb / 1024).toFixed(1);
  out(`  opened ${r.hold.open}, failed ${r.hold.failed} in ${(r.hold.elapsedMs / 1000).toFixed(1)} s; TLS ${Object.entries(r.hold.protocols).map(([p, n]) => `${p} × ${n}`).join(", ")}\n`);
  for (const e of r.hold.firstErrors) out(`  idle error: ${e}\n`);
  const perSession = r.hold.open > 0 ? (r.rssWithKb - r.rssBeforeKb) / r.hold.open : 0;
  out(`  server memory, every process: RSS ${mb(r.rssBeforeKb)} MiB before, ${mb(r.rssWithKb)} MiB with the sessions${r.pssWithKb !== null ? ` (PSS ${mb(r.pssWithKb)} MiB)` : ""}; ${perSession.toFixed(1)} KiB per session\n`);
  table(
    ["phase", ...r.before.map((_, i) => `round ${i + 1} p99 ms`), "median p99", "cmd/s (median)", "errors"],
    (
      [
        ["without (before)", r.before],
        ["with idle sessions", r.during],
        ["without (after)", r.after],
      ] as const
    ).map(([name, runs]) => [name, ...runs.map((x) => x.p99Ms.toFixed(1)), median(runs.map((x) => x.p99Ms)).toFixed(1), median(runs.map((x) => x.perSecond)).toFixed(0), String(runs.reduce((n, x) => n + x.errors, 0))]),
  );
  const without = median([...r.before, ...r.after].map((x) => x.p99Ms));
  const withIdle = median(r.during.map((x) => x.p99Ms));
  const ratio = without > 0 ? withIdle / without : Infinity;
  const complete = r.hold.open === r.sessions;
  const memOk = r.rssWithKb < LIMIT_KB;
  const p99Ok = ratio <= 2;
  out(`  memory with ${r.hold.open} idle sessions: ${mb(r.rssWithKb)} MiB (target < 1 GB = ${mb(LIMIT_KB)} MiB: ${complete ? verdict(memOk) : "not measured"})\n`);
  out(`  active p99 with ÷ without the idle sessions (medians): ${withIdle.toFixed(1)} ÷ ${without.toFixed(1)} ms = ${ratio.toFixed(2)}× (target ≤ 2×: ${complete ? verdict(p99Ok) : "not measured"})\n`);
  return complete ? memOk && p99Ok : null;
}
