/**
 * The servers the SMTP benchmark drives: a Sealpost in a fresh temporary data directory, and a
 * local Postfix from `../shared/peers/postfix-peer.sh` (STARTTLS, Maildir delivery). Each is a
 * `Target`: started, sampled for memory while it runs, then finished with a count of what it
 * really stored, and stopped.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openStore } from "../src/store/index.ts";
import { processTree, sampleRss, statusKb } from "./proc-stats.ts";
import type { SmtpLoadOptions } from "./smtp-load.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO, "src/cli/main.ts");
export const POSTFIX = "/usr/sbin/postfix";
const POSTFIX_PORT = 12525;

export interface Target {
  name: string;
  /** The server's process (Postfix: its master, whose children are the daemons). */
  root: number;
  load: Omit<SmtpLoadOptions, "durationMs" | "clients" | "messageBytes">;
  /** Stops memory sampling, counts what was stored (given how many 250s were seen) and stops the server. */
  finish(acked: number): Promise<{ peakRssKb: number; peakPssKb: number | null; stored: number | null }>;
  /** Stops the server and cleans up if `finish` did not run (after an error). */
  abort(): Promise<void>;
}

export type Note = (msg: string) => void;

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

// ---- Sealpost ------------------------------------------------------------------------------

async function prepareSealpost(dir: string, clients: number): Promise<void> {
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

function serve(dir: string, profileDir: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  const nodeArgs = profileDir !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${resolve(profileDir)}`] : [];
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
  child.kill("SIGTERM"); // SIGTERM also makes --cpu-prof write its profile
  const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(t);
}

/** Rows in `messages` once the server has exited: what was really stored. */
async function countStored(dir: string): Promise<number> {
  const store = await openStore(dir);
  try {
    const row = await store.db
      .selectFrom("messages")
      .select((db) => db.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

export async function startSealpost(opts: { clients: number; profileDir: string | undefined; note: Note }): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-bench-"));
  let child: ChildProcess | null = null;
  let done = false;
  const cleanup = async (): Promise<void> => {
    if (done) return;
    done = true;
    if (child !== null) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await prepareSealpost(dir, opts.clients);
    const s = await serve(dir, opts.profileDir);
    child = s.child;
    const pid = s.child.pid ?? 0;
    opts.note(`sealpost: pid ${pid}, mx on 127.0.0.1:${s.port}, data ${dir}`);
    const stopRss = sampleRss(() => [pid], 100);
    return {
      name: "sealpost",
      root: pid,
      load: { host: "127.0.0.1", port: s.port, rcpt: "sink@bench.test", from: "load@client.test", ehloName: "client.test", servername: "bench.sealpost.test" },
      async finish() {
        const peakRssKb = Math.max(stopRss().rss, statusKb(pid, "VmHWM"));
        if (child !== null) await stopChild(child);
        const stored = await countStored(dir).catch((e: unknown) => {
          opts.note(`sealpost: could not count stored messages: ${e instanceof Error ? e.message : String(e)}`);
          return null;
        });
        await cleanup();
        return { peakRssKb, peakPssKb: null, stored };
      },
      abort: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

// ---- Postfix -------------------------------------------------------------------------------

function peersScript(): string {
  const rel = resolve(REPO, "../shared/peers/postfix-peer.sh");
  return existsSync(rel) ? rel : "/work/shared/peers/postfix-peer.sh";
}

export async function startPostfix(opts: { note: Note }): Promise<Target> {
  const script = peersScript();
  const pidFile = join(process.env["PEERS_DIR"] ?? "/tmp/peers", "postfix-modern.pid");
  const masterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(pidFile, "latin1").trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  };
  const count = async (): Promise<number> => Number((await run("bash", [script, "count", "modern"])).trim());
  const wasRunning = masterPid() !== null;
  let done = false;
  const cleanup = async (): Promise<void> => {
    if (done) return;
    done = true;
    // Leave an instance that someone else started running.
    if (!wasRunning) await run("bash", [script, "stop", "modern"]).catch((e: unknown) => opts.note(`postfix stop failed: ${String(e)}`));
  };
  try {
    await run("bash", [script, "start", "modern"]);
    // A fresh instance starts from an empty Maildir, as Sealpost starts from an empty store.
    if (!wasRunning) await run("bash", [script, "reset", "modern"]);
    const master = masterPid();
    if (master === null) throw new Error(`postfix-peer.sh start modern: no live master pid in ${pidFile}`);
    const before = await count();
    opts.note(`postfix: master pid ${master}, 127.0.0.1:${POSTFIX_PORT}, ${before} messages already in the Maildir`);
    const stopRss = sampleRss(() => processTree(master), 200, true);
    return {
      name: "postfix",
      root: master,
      load: { host: "127.0.0.1", port: POSTFIX_PORT, rcpt: "sink@peer.test", from: "load@client.test", ehloName: "client.test", servername: "mail.peer.test" },
      async finish(acked) {
        // Delivery to the Maildir goes on after the 250s: wait until all arrived, or none did for 15 s.
        let delivered = (await count()) - before;
        let lastChange = Date.now();
        for (let i = 0; i < 300 && delivered < acked && Date.now() - lastChange < 15_000; i++) {
          await sleep(500);
          const now = (await count()) - before;
          if (now !== delivered) lastChange = Date.now();
          delivered = now;
        }
        const mem = stopRss();
        await cleanup();
        return { peakRssKb: mem.rss, peakPssKb: mem.pss, stored: delivered };
      },
      abort: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
