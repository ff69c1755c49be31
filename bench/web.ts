/**
 * `npm run bench:web`: the web console under load (issue 11). One account has 100,000 rows of
 * login history in a table of 1,000,000 (and 100,000 TLS events, some of them refused handshakes
 * from the account's addresses); N clients (default 50), each on its own keep-alive HTTPS
 * connection with the account's session cookie, load `/account` (the history's first page, the
 * old-devices summary, the settings) back to back. Printed per round: pages/s, p50/p90/p99/max;
 * the target is a p99 under 50 ms (by the median round). Then the sign-in burst: while the
 * clients keep loading the page, B sign-ins (default 200; scrypt, each from its own loopback
 * address, so the per-address limits stay out of it) arrive at once; printed: the pages' p99
 * during the burst against before it, and how long the sign-ins took.
 *
 * No reference server runs: neither Postfix nor Dovecot has a web console, and the issue's
 * figures are absolute. The rounds' client is wrk (Debian's, C and epoll, one thread) where it is
 * installed, else Node's https in this process; the burst's page loads are always Node's (their
 * latencies must be split at the burst's start and end), so compare its before and during.
 *
 *   node bench/web.ts [--clients 50] [--seconds 15] [--rounds 3] [--warmup 3] [--burst 200]
 *                     [--rows 100000] [--total 1000000] [--json] [--profile DIR] [--path /account] [--node-client]
 *   --node-client: load the page with Node's https even where wrk is installed.
 *   --cutoff:    announce a cut-off (60 days ahead) before the load, and time the reading of the
 *                accounts it affects (the campaign's and the status page's query) three times.
 *   --path P:    load another page instead (e.g. /static/style.css: the floor of the transport,
 *                HTTP and the framework without the page's work).
 *   --profile D: run the server with node --cpu-prof, the profile written to D at exit
 *                (summarise it with `node bench/cpuprof.ts D/*.cpuprofile`).
 */
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { affectedAccountCount } from "../src/campaign/index.ts";
import { openStore } from "../src/store/index.ts";
import { checkMachine, fmtMs, intFlag, note, out, runMain, sleep, table, verdict, writeJson } from "./common.ts";
import { BENCH_DOMAIN, CLI, run, startSealpostServer } from "./sealpost-target.ts";
import { fetchOnce, signIn as signInAs } from "./web-client.ts";

const USER = `history@${BENCH_DOMAIN}`;
const PASSWORD = "bench password 1";
const DAY = 86_400_000;
const TARGET_P99_MS = 50;

const signIn = (port: number, localAddress?: string): Promise<string> => signInAs(port, USER, PASSWORD, localAddress);

/** Fills the database: the account's `rows` sign-ins among `total`, over 90 days, and TLS events. */
function seedHistory(dir: string, rows: number, total: number): void {
  const db = new DatabaseSync(join(dir, "sealpost.db"));
  try {
    db.exec("PRAGMA journal_mode = WAL");
    const domain = db.prepare("select id from domains where name = ?").get(BENCH_DOMAIN) as { id: number };
    const target = db.prepare("select id from accounts where address = ?").get(USER) as { id: number };
    db.exec("BEGIN");
    const addAccount = db.prepare("insert into accounts (address, domain_id, password_hash, created_at) values (?, ?, 'x', 0)");
    const others: number[] = [];
    for (let i = 0; i < 1000; i++) others.push(Number(addAccount.run(`user${i}@${BENCH_DOMAIN}`, domain.id).lastInsertRowid));
    const login = db.prepare(
      "insert into logins (time, username, account_id, protocol, port, client_ip, tls_version, tls_cipher, client_name, mechanism, result, reason, attempts) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PLAIN', ?, ?, 1)",
    );
    const protocols = [["imap", 993], ["pop3", 995], ["submission", 465], ["web", 443]] as const;
    const names = ["Thunderbird 128", "iPhone Mail", "K-9 Mail", "Outlook 2013", "Canon MF scanner", null];
    const now = Date.now();
    for (let i = 0; i < total; i++) {
      const mine = i % Math.round(total / rows) === 0;
      const account = mine ? target.id : (others[i % others.length] ?? target.id);
      const [protocol, port] = protocols[i % protocols.length] ?? protocols[0];
      const legacy = i % 50 === 0;
      const failed = i % 37 === 0;
      login.run(
        now - randomInt(89 * DAY),
        mine ? USER : `user${i % 1000}@${BENCH_DOMAIN}`,
        account,
        protocol,
        port,
        `198.51.100.${i % 40}`,
        legacy ? "TLSv1" : "TLSv1.3",
        legacy ? "ECDHE-RSA-AES128-SHA" : "TLS_AES_128_GCM_SHA256",
        names[i % names.length] ?? null,
        failed ? "failed" : "ok",
        failed ? "wrong password" : null,
      );
    }
    const event = db.prepare(
      "insert into tls_events (time, protocol, port, client_ip, mode, outcome, reason, version, cipher, offered_versions, offered_max, offered_suites, weak_suites, sni, alpn) values (?, 'imap', 993, ?, 'implicit', ?, ?, ?, ?, ?, ?, ?, null, null, null)",
    );
    for (let i = 0; i < 100_000; i++) {
      const refused = i % 100 === 0;
      event.run(
        now - randomInt(89 * DAY),
        `198.51.100.${i % 40}`,
        refused ? "refused" : "ok",
        refused ? "client offered at most TLS 1.0; this server requires TLS 1.2 or newer" : null,
        refused ? null : "TLSv1.3",
        refused ? null : "TLS_AES_128_GCM_SHA256",
        refused ? '["TLSv1"]' : '["TLSv1.2","TLSv1.3"]',
        refused ? "TLSv1" : "TLSv1.3",
        "[]",
      );
    }
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}

interface LoadResult {
  pages: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/** `clients` loops loading /account until `stop()`; each latency with the time it ended. */
let PAGE = "/account";

function pageLoad(port: number, cookie: string, clients: number): { stop: () => Promise<Array<{ end: number; ms: number; ok: boolean }>> } {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const samples: Array<{ end: number; ms: number; ok: boolean }> = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const t0 = performance.now();
      const r = await fetchOnce(port, PAGE, { agent, cookie }).catch(() => null);
      const t1 = performance.now();
      samples.push({ end: t1, ms: t1 - t0, ok: r?.status === 200 });
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return samples;
    },
  };
}

/** wrk's figures for one run (it reports latency percentiles itself). */
interface WrkResult {
  pagesPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
}

const WRK = "/usr/bin/wrk";

/** Parses wrk's --latency output: "Requests/sec:", the "Latency Distribution" lines, "Non-2xx", socket errors. */
function parseWrk(text: string): WrkResult {
  const ms = (v: string | undefined, unit: string | undefined): number => (Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit ?? "ms"] ?? NaN));
  const dist = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)`, "m").exec(text);
    return ms(m?.[1], m?.[2]);
  };
  const max = /Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s|m)/.exec(text);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = sock === null ? 0 : sock.slice(1).reduce((n, x) => n + Number(x), 0);
  return { pagesPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN), p50: dist("50"), p90: dist("90"), p99: dist("99"), max: ms(max?.[1], max?.[2]), errors: non2xx + socketErrors };
}

/** wrk (C, epoll) on one thread with `clients` keep-alive connections: the load generator that costs the machine least. */
async function wrkLoad(port: number, cookie: string, clients: number, seconds: number): Promise<WrkResult> {
  const text = await run(WRK, ["-t1", `-c${clients}`, `-d${seconds}s`, "--latency", "-H", `Cookie: ${cookie}`, `https://127.0.0.1:${port}${PAGE}`]);
  return parseWrk(text);
}

const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timedLoad(port: number, cookie: string, clients: number, ms: number): Promise<LoadResult> {
  const load = pageLoad(port, cookie, clients);
  await sleep(ms);
  const samples = await load.stop();
  return { pages: samples.filter((s) => s.ok).length, errors: samples.filter((s) => !s.ok).length, seconds: ms / 1000, latencies: samples.map((s) => s.ms).sort((a, b) => a - b) };
}

interface BurstResult {
  signIns: number;
  signInErrors: number;
  signInSeconds: number;
  signInP50: number;
  signInP99: number;
  pagesBefore: number[];
  pagesDuring: number[];
}

async function burst(port: number, cookie: string, clients: number, count: number, round: number): Promise<BurstResult> {
  const load = pageLoad(port, cookie, clients);
  await sleep(2000);
  const start = performance.now();
  const times: number[] = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t0 = performance.now();
      // 127.0.<round+1>.<i>: a fresh address per sign-in and per round.
      await signIn(port, `127.${1 + round}.${Math.floor(i / 250)}.${(i % 250) + 1}`).then(
        () => times.push(performance.now() - t0),
        () => errors++,
      );
    }),
  );
  const end = performance.now();
  await sleep(500);
  const samples = await load.stop();
  const during = samples.filter((s) => s.end >= start && s.end <= end).map((s) => s.ms).sort((a, b) => a - b);
  const before = samples.filter((s) => s.end < start - 200).map((s) => s.ms).sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  return { signIns: times.length, signInErrors: errors, signInSeconds: (end - start) / 1000, signInP50: pct(times, 50), signInP99: pct(times, 99), pagesBefore: before, pagesDuring: during };
}

/** `--cutoff`: times the affected accounts' reading over the seeded history, then schedules a cut-off 60 days ahead. */
async function announceCutoff(dir: string): Promise<void> {
  const store = await openStore(dir);
  try {
    const times: string[] = [];
    let n = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      n = await affectedAccountCount(store.db, { now: Date.now(), retentionDays: 90 });
      times.push(`${(performance.now() - t0).toFixed(0)} ms`);
    }
    note(`affected accounts: ${n}, read in ${times.join(", ")}`);
  } finally {
    await store.close();
  }
  await run(process.execPath, [CLI, "cutoff", "schedule", "--date", new Date(Date.now() + 60 * DAY).toISOString(), "--data", dir], "");
  note("cut-off announced 60 days ahead");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "50" },
      seconds: { type: "string", default: "15" },
      rounds: { type: "string", default: "3" },
      warmup: { type: "string", default: "3" },
      burst: { type: "string", default: "200" },
      rows: { type: "string", default: "100000" },
      total: { type: "string", default: "1000000" },
      json: { type: "boolean", default: false },
      profile: { type: "string" },
      path: { type: "string", default: "/account" },
      "node-client": { type: "boolean", default: false },
      cutoff: { type: "boolean", default: false },
    },
  });
  const clients = intFlag("clients", values.clients, 1, 1000);
  const seconds = intFlag("seconds", values.seconds, 1, 3600);
  const rounds = intFlag("rounds", values.rounds, 1, 100);
  const warmup = intFlag("warmup", values.warmup, 0, 60);
  const burstSize = intFlag("burst", values.burst, 0, 5000);
  const rows = intFlag("rows", values.rows, 1, 10_000_000);
  const total = intFlag("total", values.total, rows, 50_000_000);
  if (!values.path.startsWith("/")) throw new Error(`--path: expected a path, got "${values.path}"`);
  PAGE = values.path;
  await checkMachine();
  const server = await startSealpostServer({
    dirPrefix: "sealpost-bench-web-",
    maxConnections: Math.max(1000, clients + burstSize * 2),
    listeners: ["web"],
    profileDir: values.profile,
    note,
    seed: async (dir) => {
      await run(process.execPath, [CLI, "user", "add", USER, "--data", dir], `${PASSWORD}\n`);
      const t0 = performance.now();
      seedHistory(dir, rows, total);
      note(`seeded ${total} login rows (${rows} for ${USER}) and 100000 TLS events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (values.cutoff === true) await announceCutoff(dir);
    },
  });
  try {
    const port = server.port("web");
    const cookie = await signIn(port);
    const sample = await fetchOnce(port, PAGE, { agent: false, cookie });
    if (sample.status !== 200) throw new Error(`${PAGE} answered ${sample.status}`);
    note(`${PAGE}: ${Buffer.byteLength(sample.body)} bytes`);
    if (warmup > 0) {
      note(`warm-up ${warmup} s`);
      await timedLoad(port, cookie, clients, warmup * 1000);
    }
    const useWrk = existsSync(WRK) && values["node-client"] !== true;
    note(useWrk ? "client: wrk (one thread)" : "client: Node's https (wrk is not installed, or --node-client)");
    const results: WrkResult[] = [];
    for (let r = 0; r < rounds; r++) {
      note(`round ${r + 1}/${rounds}: ${clients} clients, ${seconds / rounds} s`);
      if (useWrk) results.push(await wrkLoad(port, cookie, clients, Math.max(1, Math.round(seconds / rounds))));
      else {
        const x = await timedLoad(port, cookie, clients, (seconds * 1000) / rounds);
        results.push({ pagesPerSecond: x.pages / x.seconds, p50: pct(x.latencies, 50), p90: pct(x.latencies, 90), p99: pct(x.latencies, 99), max: x.latencies.at(-1) ?? NaN, errors: x.errors });
      }
    }
    const bursts: BurstResult[] = [];
    for (let r = 0; r < (burstSize > 0 ? rounds : 0); r++) {
      note(`burst ${r + 1}/${rounds}: ${burstSize} sign-ins while ${clients} clients load the page`);
      bursts.push(await burst(port, cookie, clients, burstSize, r));
    }
    if (values.json === true) {
      writeJson({ clients, rows, total, client: useWrk ? "wrk" : "node", rounds: results, bursts: bursts.map((b) => ({ ...b, pagesBefore: undefined, pagesDuring: undefined, pagesBeforeP99: pct(b.pagesBefore, 99), pagesDuringP99: pct(b.pagesDuring, 99) })), problems: server.problems });
      return;
    }
    out(`\n${PAGE} for ${USER} (${rows} history rows of ${total}), ${clients} clients on keep-alive HTTPS connections (${useWrk ? "wrk" : "Node's https"}):\n`);
    table(
      ["round", "pages/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"],
      results.map((x, i) => [String(i + 1), x.pagesPerSecond.toFixed(1), fmtMs(x.p50), fmtMs(x.p90), fmtMs(x.p99), fmtMs(x.max), String(x.errors)]),
    );
    const p99 = median(results.map((x) => x.p99));
    out(`median p99: ${fmtMs(p99)} ms (target < ${TARGET_P99_MS} ms: ${verdict(p99 < TARGET_P99_MS)}); median pages/s: ${median(results.map((x) => x.pagesPerSecond)).toFixed(1)}\n`);
    if (bursts.length > 0) {
      out(`\n${burstSize} sign-ins at once (scrypt) while the ${clients} clients load /account:\n`);
      table(
        ["burst", "pages p99 before", "pages p99 during", "pages during", "sign-ins", "failed", "all done in s", "sign-in p50 ms", "sign-in p99 ms"],
        bursts.map((b, i) => [
          String(i + 1),
          fmtMs(pct(b.pagesBefore, 99)),
          fmtMs(pct(b.pagesDuring, 99)),
          String(b.pagesDuring.length),
          String(b.signIns),
          String(b.signInErrors),
          b.signInSeconds.toFixed(1),
          fmtMs(b.signInP50),
          fmtMs(b.signInP99),
        ]),
      );
      out(`median pages p99 during a burst: ${fmtMs(median(bursts.map((b) => pct(b.pagesDuring, 99))))} ms\n`);
    }
    if (server.problems.length > 0) out(`\nserver warnings/errors:\n${server.problems.slice(0, 5).join("\n")}\n`);
  } finally {
    await server.remove();
  }
}

runMain(main);
