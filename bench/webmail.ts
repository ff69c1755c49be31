/**
 * `npm run bench:webmail`: the webmail under load (issue 14). One account's INBOX holds 100,000
 * messages (the IMAP benchmark's corpus: 1–20 KB, every 4th text + HTML, every 7th with an
 * attachment, a blob each); 20 users — 20 signed-in sessions, each on its own keep-alive HTTPS
 * connection — load pages back to back:
 *
 * - list, page 1: the folder's newest 50 messages (what a person opening the webmail sees);
 * - list, any page: a page drawn at random from all 2,000 (the summaries' cache rarely helps, and
 *   the deepest pages are the database's worst case);
 * - open: a message drawn at random from all 100,000 (its page: headers, text, attachments;
 *   opening marks it \Seen, a write, as IMAP's BODY[] does); the HTML frame of a message, when it
 *   has one, is timed apart.
 *
 * Printed per round: requests/s, p50/p90/p99/max, errors; the targets (by the median round) are a
 * list p99 under 100 ms and an open p99 under 50 ms. No reference server runs: no peer here has a
 * webmail, and the issue's figures are absolute.
 *
 *   node bench/webmail.ts [--messages 100000] [--clients 20] [--seconds 30] [--rounds 3] [--warmup 5] [--json] [--profile DIR]
 */
import { Agent } from "node:https";
import { parseArgs } from "node:util";
import { addAccount } from "../src/directory/index.ts";
import { openStore } from "../src/store/index.ts";
import { checkMachine, fmtMs, intFlag, median, note, out, runMain, sleep, table, verdict, writeJson } from "./common.ts";
import { corpusMessages } from "./imap-corpus.ts";
import { appendCorpus } from "./imap-targets.ts";
import { BENCH_DOMAIN, startSealpostServer } from "./sealpost-target.ts";
import { fetchOnce, signIn } from "./web-client.ts";

const USER = `webmail@${BENCH_DOMAIN}`;
const PASSWORD = "bench password 1";
const PAGE_SIZE = 50;
const TARGETS = { list: 100, open: 50 } as const;

interface Sample {
  ms: number;
  ok: boolean;
}

interface Round {
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
}

const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function roundOf(samples: readonly Sample[], seconds: number): Round {
  const ms = samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  return { perSecond: ms.length / seconds, p50: pct(ms, 50), p90: pct(ms, 90), p99: pct(ms, 99), max: ms.at(-1) ?? NaN, errors: samples.length - ms.length };
}

/** The path one request of a workload asks for. */
type Workload = (rnd: () => number) => string;

/**
 * Each session loops for `ms`: one request, then the next. Samples the page requests and, apart,
 * the HTML frames the pages name (a browser loads the frame right after its page).
 */
async function load(port: number, cookies: readonly string[], path: Workload, ms: number): Promise<{ pages: Sample[]; frames: Sample[] }> {
  const pages: Sample[] = [];
  const frames: Sample[] = [];
  const end = performance.now() + ms;
  await Promise.all(
    cookies.map(async (cookie) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (performance.now() < end) {
          const t0 = performance.now();
          const r = await fetchOnce(port, path(Math.random), { agent, cookie }).catch(() => null);
          pages.push({ ms: performance.now() - t0, ok: r?.status === 200 });
          const frame = r === null ? undefined : /<iframe[^>]* src="([^"]+)"/.exec(r.body)?.[1]?.replaceAll("&amp;", "&");
          if (frame !== undefined) {
            const t1 = performance.now();
            const f = await fetchOnce(port, frame, { agent, cookie }).catch(() => null);
            frames.push({ ms: performance.now() - t1, ok: f?.status === 200 });
          }
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  return { pages, frames };
}

async function seed(dir: string, messages: number): Promise<void> {
  const t0 = performance.now();
  const store = await openStore(dir);
  try {
    const account = await addAccount(store.db, USER, PASSWORD);
    await appendCorpus(store, [account.id], corpusMessages(messages, 14));
  } finally {
    await store.close();
  }
  note(`seeded ${messages} messages into ${USER}'s INBOX in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: "string", default: "100000" },
      clients: { type: "string", default: "20" },
      seconds: { type: "string", default: "30" },
      rounds: { type: "string", default: "3" },
      warmup: { type: "string", default: "5" },
      json: { type: "boolean", default: false },
      profile: { type: "string" },
    },
  });
  const messages = intFlag("messages", values.messages, PAGE_SIZE, 10_000_000);
  const clients = intFlag("clients", values.clients, 1, 1000);
  const seconds = intFlag("seconds", values.seconds, 1, 3600);
  const rounds = intFlag("rounds", values.rounds, 1, 100);
  const warmup = intFlag("warmup", values.warmup, 0, 600);
  await checkMachine();
  const server = await startSealpostServer({
    dirPrefix: "sealpost-bench-webmail-",
    maxConnections: Math.max(1000, clients * 4),
    listeners: ["web"],
    profileDir: values.profile,
    note,
    seed: (dir) => seed(dir, messages),
  });
  try {
    const port = server.port("web");
    // 20 users: 20 sign-ins, each its own session (the same account: one mailbox of this size is the point).
    const cookies: string[] = [];
    for (let i = 0; i < clients; i++) cookies.push(await signIn(port, USER, PASSWORD));
    const home = await fetchOnce(port, "/mail", { agent: false, cookie: cookies[0] ?? "" });
    const inbox = /^\/mail\/f\/(\d+)$/.exec(String(home.headers.location ?? ""))?.[1];
    if (home.status !== 303 || inbox === undefined) throw new Error(`/mail answered ${home.status} ${String(home.headers.location)}: expected a redirect to the INBOX`);
    const pages = Math.ceil(messages / PAGE_SIZE);
    const first = await fetchOnce(port, `/mail/f/${inbox}`, { agent: false, cookie: cookies[0] ?? "" });
    const rows = (first.body.match(/<tr[ >]/g) ?? []).length - 1;
    if (first.status !== 200 || rows !== PAGE_SIZE) throw new Error(`the INBOX's first page answered ${first.status} with ${rows} rows, expected ${PAGE_SIZE}`);
    note(`INBOX ${inbox}: ${messages} messages, ${pages} pages; first page ${Buffer.byteLength(first.body)} bytes`);
    const workloads: Array<{ name: string; target: number | null; path: Workload }> = [
      { name: "list, page 1", target: null, path: () => `/mail/f/${inbox}` },
      { name: "list, any page", target: TARGETS.list, path: (rnd) => `/mail/f/${inbox}?page=${1 + Math.floor(rnd() * pages)}` },
      { name: "open a message", target: TARGETS.open, path: (rnd) => `/mail/f/${inbox}/${1 + Math.floor(rnd() * messages)}` },
    ];
    const results: Array<{ name: string; target: number | null; rounds: Round[]; frames: Round[] }> = [];
    for (const w of workloads) {
      if (warmup > 0) {
        note(`${w.name}: warm-up ${warmup} s`);
        await load(port, cookies, w.path, warmup * 1000);
      }
      const done: Round[] = [];
      const frames: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        note(`${w.name}: round ${r + 1}/${rounds}, ${clients} users, ${seconds} s`);
        const x = await load(port, cookies, w.path, seconds * 1000);
        done.push(roundOf(x.pages, seconds));
        if (x.frames.length > 0) frames.push(roundOf(x.frames, seconds));
        await sleep(500);
      }
      results.push({ name: w.name, target: w.target, rounds: done, frames });
    }
    if (values.json === true) {
      writeJson({ messages, clients, seconds, results, problems: server.problems });
      return;
    }
    out(`\nwebmail of a ${messages}-message INBOX, ${clients} users signed in, each on a keep-alive HTTPS connection (Node's https):\n`);
    for (const w of results) {
      out(`\n${w.name}:\n`);
      const cells = (x: Round, i: number, what: string): string[] => [`${i + 1}${what}`, x.perSecond.toFixed(1), fmtMs(x.p50), fmtMs(x.p90), fmtMs(x.p99), fmtMs(x.max), String(x.errors)];
      table(
        ["round", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"],
        [...w.rounds.map((x, i) => cells(x, i, "")), ...w.frames.map((x, i) => cells(x, i, " (HTML frames)"))],
      );
      const p99 = median(w.rounds.map((x) => x.p99));
      const rate = median(w.rounds.map((x) => x.perSecond));
      out(`median p99: ${fmtMs(p99)} ms${w.target !== null ? ` (target < ${w.target} ms: ${verdict(p99 < w.target)})` : ""}; median requests/s: ${rate.toFixed(1)}\n`);
    }
    if (server.problems.length > 0) out(`\nserver warnings/errors:\n${server.problems.slice(0, 5).join("\n")}\n`);
  } finally {
    await server.remove();
  }
}

runMain(main);
