/**
 * `npm run bench:smtp`: STARTTLS + 10 KB message sessions against Sealpost and, where Debian's
 * Postfix is installed, against a local Postfix (STARTTLS, Maildir delivery) driven by the same
 * client in the same run. Prints messages/s, latency percentiles, errors, the server's peak RSS
 * and the client's own CPU, checks that every acknowledged message was stored (Sealpost: rows in
 * `messages`; Postfix: files in the Maildir), and the targets: ≥ 1.5× Postfix, p99 < 50 ms.
 *
 *   node bench/smtp.ts [--clients 50] [--seconds 20] [--size 10240] [--warmup 2] [--no-postfix]
 *                      [--json] [--profile DIR]   (DIR: run the server with --cpu-prof there)
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openStore } from "../src/store/index.ts";
import { runSmtpLoad, type SmtpLoadOptions, type SmtpLoadResult } from "./smtp-load.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO, "src/cli/main.ts");
const POSTFIX = "/usr/sbin/postfix";
const POSTFIX_PORT = 12525;

interface ServerResult {
  server: string;
  load: SmtpLoadResult;
  peakRssKb: number;
  /** Messages acknowledged with 250 (warm-up included) and how many the server really stored. */
  acked: number;
  stored: number | null;
}

const { values: flags } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    size: { type: "string", default: "10240" },
    warmup: { type: "string", default: "2" },
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
const size = intFlag("size", flags.size, 100, 50_000_000);
const warmupSeconds = intFlag("warmup", flags.warmup, 0, 60);

const note = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(cmd, args, { cwd: REPO, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
    child.stdin?.end(input ?? "");
  });
}

// ---- peak RSS ------------------------------------------------------------------------------

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m?.[1] !== undefined ? Number(m[1]) : 0;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

/** `root` and its direct children (Postfix's master spawns every daemon itself). */
function processTree(root: number): number[] {
  const pids = [root];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === root) pids.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** Samples the summed VmRSS of `pids()` every `everyMs` until stopped; returns the peak in kB. */
function sampleRss(pids: () => number[], everyMs: number): () => number {
  let peak = 0;
  const tick = (): void => {
    const total = pids().reduce((sum, p) => sum + statusKb(p, "VmRSS"), 0);
    if (total > peak) peak = total;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return () => {
    clearInterval(timer);
    tick();
    return peak;
  };
}

// ---- load ----------------------------------------------------------------------------------

async function drive(name: string, base: Omit<SmtpLoadOptions, "durationMs" | "clients" | "messageBytes">): Promise<{ load: SmtpLoadResult; acked: number }> {
  const common = { ...base, clients, messageBytes: size };
  let acked = 0;
  if (warmupSeconds > 0) {
    note(`${name}: warm-up ${warmupSeconds} s`);
    const w = await runSmtpLoad({ ...common, durationMs: warmupSeconds * 1000 });
    acked += w.messages;
    if (w.messages === 0) throw new Error(`${name}: no message got through in the warm-up: ${w.firstErrors.join(" | ")}`);
  }
  note(`${name}: ${clients} clients for ${seconds} s`);
  const load = await runSmtpLoad({ ...common, durationMs: seconds * 1000 });
  acked += load.messages;
  return { load, acked };
}

// ---- Sealpost ------------------------------------------------------------------------------

async function prepareSealpost(dir: string): Promise<void> {
  await run(process.execPath, [CLI, "init", "--data", dir, "--hostname", "bench.sealpost.test", "--listen", "127.0.0.1", "--port-base", "0"]);
  const configPath = join(dir, "sealpost.toml");
  const limit = Math.max(1000, clients * 4);
  let config = readFileSync(configPath, "utf8");
  config = config.replace(/^port = 25$/m, "port = 0");
  config = config.replace(/^max_connections_per_ip = \d+$/m, `max_connections_per_ip = ${limit}`);
  config = config.replace(/^max_connections = \d+$/m, `max_connections = ${limit}`);
  if (!/^port = 0$/m.test(config) || !config.includes(`max_connections_per_ip = ${limit}`)) throw new Error(`could not edit ${configPath}`);
  writeFileSync(configPath, config);
  await run(process.execPath, [CLI, "domain", "add", "bench.test", "--data", dir]);
  await run(process.execPath, [CLI, "user", "add", "sink@bench.test", "--data", dir], "bench-password-1\n");
}

function startSealpost(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const nodeArgs = flags.profile !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${resolve(flags.profile)}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, CLI, "serve", "--data", dir], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolvePromise, reject) => {
    let log = "";
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`sealpost serve: ${why}\n${log.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail("no 'mx listening' line within 20 s"), 20_000);
    child.once("exit", (code) => fail(`exited with ${code}`));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (s: string) => {
      if (settled) return; // keep draining the pipe, ignore the rest
      log += s;
      const m = /mx listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m?.[1] === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise({ child, port: Number(m[1]) });
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(t);
}

async function benchSealpost(): Promise<ServerResult> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-bench-"));
  try {
    await prepareSealpost(dir);
    const { child, port } = await startSealpost(dir);
    const pid = child.pid ?? 0;
    note(`sealpost: pid ${pid}, mx on 127.0.0.1:${port}, data ${dir}`);
    let out: { load: SmtpLoadResult; acked: number };
    let peakRssKb: number;
    try {
      const stopRss = sampleRss(() => [pid], 100);
      out = await drive("sealpost", {
        host: "127.0.0.1",
        port,
        rcpt: "sink@bench.test",
        from: "load@client.test",
        ehloName: "client.test",
        servername: "bench.sealpost.test",
      });
      peakRssKb = Math.max(stopRss(), statusKb(pid, "VmHWM"));
    } finally {
      await stopChild(child);
    }
    const store = await openStore(dir);
    let stored: number;
    try {
      const row = await store.db
        .selectFrom("messages")
        .select((db) => db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      stored = Number(row.n);
    } finally {
      await store.close();
    }
    return { server: "sealpost", load: out.load, peakRssKb, acked: out.acked, stored };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Postfix -------------------------------------------------------------------------------

function peersScript(): string {
  const rel = resolve(REPO, "../shared/peers/postfix-peer.sh");
  return existsSync(rel) ? rel : "/work/shared/peers/postfix-peer.sh";
}

async function maildirCount(script: string): Promise<number> {
  return Number((await run("bash", [script, "count", "modern"])).trim());
}

async function benchPostfix(): Promise<ServerResult> {
  const script = peersScript();
  const pidFile = join(process.env["PEERS_DIR"] ?? "/tmp/peers", "postfix-modern.pid");
  const alive = (): boolean => {
    try {
      process.kill(Number(readFileSync(pidFile, "latin1").trim()), 0);
      return true;
    } catch {
      return false;
    }
  };
  const wasRunning = alive();
  await run("bash", [script, "start", "modern"]);
  try {
    const master = Number(readFileSync(pidFile, "latin1").trim());
    const before = await maildirCount(script);
    note(`postfix: master pid ${master}, 127.0.0.1:${POSTFIX_PORT}, ${before} messages already in the Maildir`);
    const stopRss = sampleRss(() => processTree(master), 100);
    const out = await drive("postfix", {
      host: "127.0.0.1",
      port: POSTFIX_PORT,
      rcpt: "sink@peer.test",
      from: "load@client.test",
      ehloName: "client.test",
      servername: "mail.peer.test",
    });
    // Delivery to the Maildir continues after the 250s: wait until all arrived, or none did for 15 s.
    let delivered = (await maildirCount(script)) - before;
    let lastChange = Date.now();
    for (let i = 0; i < 300 && delivered < out.acked && Date.now() - lastChange < 15_000; i++) {
      await sleep(500);
      const now = (await maildirCount(script)) - before;
      if (now !== delivered) lastChange = Date.now();
      delivered = now;
    }
    const peakRssKb = stopRss();
    return { server: "postfix", load: out.load, peakRssKb, acked: out.acked, stored: delivered };
  } finally {
    if (!wasRunning) await run("bash", [script, "stop", "modern"]).catch((e: unknown) => note(`postfix stop failed: ${String(e)}`));
  }
}

// ---- report --------------------------------------------------------------------------------

function printTable(results: ServerResult[]): void {
  const ms = (v: number): string => v.toFixed(1);
  const rows = results.map((r) => [
    r.server,
    r.load.perSecond.toFixed(1),
    ms(r.load.p50Ms),
    ms(r.load.p90Ms),
    ms(r.load.p99Ms),
    ms(r.load.maxMs),
    String(r.load.errors),
    `${(r.peakRssKb / 1024).toFixed(1)} MB`,
    `${r.load.clientCpuPercent.toFixed(0)}%`,
    `${r.stored ?? "?"}/${r.acked}`,
  ]);
  const head = ["server", "msg/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "peak RSS", "client CPU", "stored/250s"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ")}\n`);
  for (const r of results) {
    process.stdout.write(`${r.server}: ${r.load.messages} messages in ${(r.load.elapsedMs / 1000).toFixed(1)} s, TLS ${r.load.tls ?? "none"}\n`);
    if (r.load.firstErrors.length > 0) process.stdout.write(`${r.server} first errors:\n  ${r.load.firstErrors.join("\n  ")}\n`);
    if (r.stored !== null && r.stored !== r.acked) process.stdout.write(`${r.server}: ${r.acked} messages acknowledged but ${r.stored} stored\n`);
  }
}

async function main(): Promise<void> {
  note(`${clients} clients, ${seconds} s, ${size}-byte messages, one STARTTLS session per message (full handshake)`);
  const results: ServerResult[] = [await benchSealpost()];
  let postfixNote: string | null = null;
  if (flags["no-postfix"]) postfixNote = "Postfix skipped (--no-postfix)";
  else if (!existsSync(POSTFIX)) postfixNote = `Postfix not installed (${POSTFIX}); Sealpost only`;
  else results.push(await benchPostfix());

  const sp = results[0];
  const pf = results.find((r) => r.server === "postfix");
  const ratio = sp !== undefined && pf !== undefined && pf.load.perSecond > 0 ? sp.load.perSecond / pf.load.perSecond : null;
  const p99Ok = sp !== undefined && sp.load.p99Ms < 50;
  const lossless = results.every((r) => r.stored === null || r.stored >= r.acked);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ clients, seconds, size, results, ratio, targets: { ratioOk: ratio !== null ? ratio >= 1.5 : null, p99Ok }, note: postfixNote }, null, 2)}\n`);
  } else {
    printTable(results);
    if (postfixNote !== null) process.stdout.write(`note: ${postfixNote}\n`);
    if (ratio !== null) process.stdout.write(`sealpost/postfix messages/s: ${ratio.toFixed(2)}× (target ≥ 1.5×: ${ratio >= 1.5 ? "met" : "NOT met"})\n`);
    process.stdout.write(`sealpost p99 ${sp?.load.p99Ms.toFixed(1)} ms (target < 50 ms: ${p99Ok ? "met" : "NOT met"})\n`);
    process.stdout.write(`every acknowledged message stored: ${lossless ? "yes" : "NO"}\n`);
  }
  if (!lossless) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
