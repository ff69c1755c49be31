/**
 * `npm run bench:cluster` (issue 16): Sealpost on SQLite (one node) and on PostgreSQL with 1, 2 and
 * 3 nodes (127.0.0.1, .2, .3, one database, one shared message directory), on this machine. Each
 * round runs, on every set-up in turn (the order alternating between rounds):
 *
 *  - inbound SMTP: `--clients` sessions at once (STARTTLS, a 10 KB message each, to one mailbox),
 *    spread evenly over the nodes' MX listeners (bench/smtp-load.ts);
 *  - the standard IMAP mix (bench/imap-standard.ts: LOGIN, LIST, STATUS, SELECT, FETCH, STORE,
 *    EXPUNGE, APPEND, LOGOUT in a loop; a LOGIN per loop), `--imap-clients` clients spread the same way;
 *  - the cross-node IDLE delay: a session IDLEs on the last node while `--idle` messages are
 *    delivered one after another through the first node's MX; the time from each 250 to the
 *    session's EXISTS (on one node: the same node).
 *
 * Printed: every round's figures and their median per set-up, the IDLE delay's p50 and p99 over
 * all rounds, and each set-up's rate against one PostgreSQL node and against SQLite. PostgreSQL
 * runs in a private cluster with fsync and synchronous commits on (as in production; the tests'
 * cluster has them off). Everything shares this machine's cores: what more nodes buy here is
 * bounded by them (see README, "PostgreSQL").
 *
 *   node bench/cluster.ts [--clients 30] [--imap-clients 9] [--seconds 30] [--rounds 3] [--idle 30] [--json]
 *   --seconds S: measured time per set-up and workload, split into --rounds rounds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { intFlag, median, note, out, runMain, table, writeJson } from "./common.ts";
import { runStandardLoad, prepareStandard, STANDARD_TYPES } from "./imap-standard.ts";
import { BENCH_DOMAIN, CLI, run, startSealpostServer, type SealpostServer } from "./sealpost-target.ts";
import { runSmtpLoad } from "./smtp-load.ts";
import { RawImap } from "../test/imap-raw.ts";
import { RawSmtp } from "../test/smtp-raw.ts";
import { createDatabase, startCluster, type Cluster } from "../test/support/postgres.ts";

const { values: flags } = parseArgs({
  options: {
    clients: { type: "string", default: "30" },
    "imap-clients": { type: "string", default: "9" },
    seconds: { type: "string", default: "30" },
    rounds: { type: "string", default: "3" },
    idle: { type: "string", default: "30" },
    json: { type: "boolean", default: false },
  },
});
const clients = intFlag("clients", flags.clients, 1, 2000);
const imapClients = intFlag("imap-clients", flags["imap-clients"], 1, 300);
const seconds = intFlag("seconds", flags.seconds, 1, 3600);
const rounds = intFlag("rounds", flags.rounds, 1, 100);
const idleProbes = intFlag("idle", flags.idle, 1, 10_000);
const sliceMs = (seconds * 1000) / rounds;

const PASSWORD = "bench-password-1";
const SINK = `sink@${BENCH_DOMAIN}`;
const WATCH = `watch@${BENCH_DOMAIN}`;
const imapUser = (i: number): string => `imap${i + 1}@${BENCH_DOMAIN}`;

interface Setup {
  name: string;
  nodes: SealpostServer[];
  hosts: string[];
}

interface Round {
  smtpPerSecond: number;
  smtpErrors: number;
  imapPerSecond: number;
  imapErrors: number;
  idleMs: number[];
}

/** The users every set-up has: the SMTP load's sink, the IDLE watcher, the IMAP mix's clients. */
async function seed(dir: string): Promise<void> {
  for (const u of [SINK, WATCH, ...Array.from({ length: imapClients }, (_, i) => imapUser(i))]) {
    await run(process.execPath, [CLI, "user", "add", u, "--data", dir], `${PASSWORD}\n`);
  }
}

async function startSetup(name: string, count: number, cluster: Cluster | null, scratch: string): Promise<Setup> {
  const nodes: SealpostServer[] = [];
  const hosts = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  const url = cluster === null ? null : createDatabase(cluster.url);
  const blobDir = mkdtempSync(join(scratch, "blobs-"));
  for (const [i, listen] of hosts.entries()) {
    nodes.push(
      await startSealpostServer({
        dirPrefix: `sealpost-cluster-${count}-`,
        maxConnections: 4000,
        seed,
        listeners: ["mx", "imaps"],
        profileDir: undefined,
        ...(url === null ? {} : { node: { listen, url, blobDir, joins: i > 0 } }),
        note: (m) => note(`${name}: ${m}`),
      }),
    );
  }
  const perNode = Math.ceil(imapClients / count);
  for (const [k, n] of nodes.entries()) {
    await prepareStandard({ host: hosts[k] ?? "127.0.0.1", port: n.port("imaps"), user: (i) => imapUser(k * perNode + i), password: PASSWORD, mailbox: "INBOX" }, Math.min(perNode, imapClients - k * perNode));
  }
  return { name, nodes, hosts };
}

/** `total` split over `n` parts as evenly as can be: [4, 3, 3] for 10 over 3. */
const split = (total: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));

async function smtp(s: Setup, durationMs: number): Promise<{ perSecond: number; errors: number }> {
  const runs = await Promise.all(
    split(clients, s.nodes.length).map((c, k) =>
      runSmtpLoad({ host: s.hosts[k] ?? "127.0.0.1", port: s.nodes[k]?.port("mx") ?? 0, clients: c, durationMs, messageBytes: 10_240, rcpt: SINK, from: "load@client.example", ehloName: "client.example" }),
    ),
  );
  const elapsed = Math.max(...runs.map((r) => r.elapsedMs));
  return { perSecond: runs.reduce((n, r) => n + r.messages, 0) / (elapsed / 1000), errors: runs.reduce((n, r) => n + r.errors, 0) };
}

async function imap(s: Setup, durationMs: number): Promise<{ perSecond: number; errors: number }> {
  const perNode = Math.ceil(imapClients / s.nodes.length);
  const runs = await Promise.all(
    s.nodes.map((n, k) => {
      const c = Math.min(perNode, imapClients - k * perNode);
      const host = s.hosts[k] ?? "127.0.0.1";
      return runStandardLoad({ host, port: n.port("imaps"), user: (i) => imapUser(k * perNode + i), password: PASSWORD, mailbox: "INBOX", clients: c, durationMs, mode: "login" });
    }),
  );
  const elapsed = Math.max(...runs.map((r) => r.elapsedMs));
  return { perSecond: runs.reduce((n, r) => n + r.commands, 0) / (elapsed / 1000), errors: runs.reduce((n, r) => n + r.errors, 0) };
}

/** The delay from each 250 on the first node to EXISTS in an IDLE session on the last, ms. */
async function idleDelays(s: Setup, probes: number): Promise<number[]> {
  const last = s.nodes.length - 1;
  const watcher = await RawImap.open(s.nodes[last]?.port("imaps") ?? 0, { host: s.hosts[last] ?? "127.0.0.1" });
  const smtp = await RawSmtp.open(s.nodes[0]?.port("mx") ?? 0, { host: s.hosts[0] ?? "127.0.0.1" });
  const delays: number[] = [];
  try {
    await watcher.login(WATCH, PASSWORD);
    await watcher.idleIn("INBOX", "w");
    for (let i = 0; i < probes; i++) {
      const r = await smtp.deliver({ from: "probe@client.example", to: [WATCH], body: `Subject: probe ${i}\r\n\r\nprobe\r\n` });
      const acked = performance.now();
      if (r.code !== 250) throw new Error(`probe ${i}: ${r.raw}`);
      await watcher.waitFor((l) => /^\* \d+ EXISTS$/.test(l), 10_000);
      delays.push(performance.now() - acked);
      await smtp.command("RSET");
    }
    watcher.send("DONE\r\n");
    await watcher.waitFor((l) => l.startsWith("w "));
  } finally {
    watcher.close();
    await smtp.quit();
  }
  return delays;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "sealpost-bench-cluster-"));
  let cluster: Cluster | null = null;
  const setups: Setup[] = [];
  try {
    cluster = await startCluster({ durable: true });
    note(`postgresql: a private cluster (fsync on), ${cluster.url}`);
    setups.push(await startSetup("sqlite, 1 node", 1, null, scratch));
    for (const n of [1, 2, 3]) setups.push(await startSetup(`postgres, ${n} node${n > 1 ? "s" : ""}`, n, cluster, scratch));
    const results = new Map<string, Round[]>(setups.map((s) => [s.name, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? setups : [...setups].reverse();
      for (const s of order) {
        note(`round ${round + 1}/${rounds}: ${s.name}`);
        const m = await smtp(s, sliceMs);
        const i = await imap(s, sliceMs);
        const idle = await idleDelays(s, idleProbes);
        results.get(s.name)?.push({ smtpPerSecond: m.perSecond, smtpErrors: m.errors, imapPerSecond: i.perSecond, imapErrors: i.errors, idleMs: idle });
      }
    }
    report(results);
  } finally {
    for (const s of setups) for (const n of s.nodes) await n.remove();
    cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function report(results: Map<string, Round[]>): void {
  const rows = [...results].map(([name, rs]) => {
    const idle = rs.flatMap((r) => r.idleMs).sort((a, b) => a - b);
    return {
      name,
      smtp: rs.map((r) => r.smtpPerSecond),
      imap: rs.map((r) => r.imapPerSecond),
      smtpMedian: median(rs.map((r) => r.smtpPerSecond)),
      imapMedian: median(rs.map((r) => r.imapPerSecond)),
      errors: rs.reduce((n, r) => n + r.smtpErrors + r.imapErrors, 0),
      idleP50: pct(idle, 50),
      idleP99: pct(idle, 99),
    };
  });
  if (flags.json) return writeJson({ clients, imapClients, seconds, rounds, idleProbes, setups: rows });
  out(`\ninbound SMTP (${clients} clients, STARTTLS, 10 KB) and the standard IMAP mix (${imapClients} clients, LOGIN per loop), ${rounds} rounds of ${(sliceMs / 1000).toFixed(1)} s each; IDLE: ${idleProbes} probes per round\n\n`);
  const f = (v: number): string => v.toFixed(0);
  table(
    ["set-up", "SMTP msg/s per round", "median", "IMAP cmd/s per round", "median", "errors", "IDLE p50 ms", "IDLE p99 ms"],
    rows.map((r) => [r.name, r.smtp.map(f).join(" / "), f(r.smtpMedian), r.imap.map(f).join(" / "), f(r.imapMedian), String(r.errors), r.idleP50.toFixed(1), r.idleP99.toFixed(1)]),
  );
  const pg1 = rows.find((r) => r.name === "postgres, 1 node");
  const lite = rows.find((r) => r.name === "sqlite, 1 node");
  out("\nmedians against one PostgreSQL node and against SQLite (SMTP, IMAP):\n");
  for (const r of rows) {
    const vs = (ref: typeof r | undefined): string => (ref === undefined ? "-" : `${(r.smtpMedian / ref.smtpMedian).toFixed(2)}×, ${(r.imapMedian / ref.imapMedian).toFixed(2)}×`);
    out(`  ${r.name}: ${vs(pg1)} | ${vs(lite)}\n`);
  }
  out(`\nIMAP mix commands: ${STANDARD_TYPES.join(", ")}\n`);
}

runMain(main);
