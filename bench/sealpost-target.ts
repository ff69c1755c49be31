/**
 * Starting a Sealpost for a benchmark: a fresh temporary data directory (`sealpost init`, every
 * listener on port 0 on 127.0.0.1, connection limits raised, the domain `bench.test`, then the
 * bench's own seeding), `sealpost serve` as a child process, the `X listening on` lines read for
 * the ports, and stopping and removing it all afterwards. Also the small helpers the reference
 * servers' targets share (running a command, the peer scripts, a live pid from a pid file).
 */
import { SERVER_NODE_FLAGS } from "../src/cli/index.ts";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Note } from "./common.ts";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = join(REPO, "src/cli/sealpost.js");
export const BENCH_HOSTNAME = "bench.sealpost.test";
export const BENCH_DOMAIN = "bench.test";

/** Runs a command in the repository, `input` on its stdin and `env` added to its environment; resolves with its stdout. */
export function run(cmd: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(cmd, args, { cwd: REPO, timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
    child.stdin?.end(input ?? "");
  });
}

/** A script of `../shared/peers/` (next to the repository, else under /work/shared). */
export function peersScript(name: string): string {
  const rel = resolve(REPO, "../shared/peers", name);
  return existsSync(rel) ? rel : join("/work/shared/peers", name);
}

/** The pid in `pidFile` if that process is alive, else null. */
export function livePid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, "latin1").trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** A node of several on one PostgreSQL database (bench/cluster.ts). */
interface NodeOptions {
  /** The listeners' address (127.0.0.2 for a second node on this machine). */
  listen: string;
  url: string;
  blobDir: string;
  /** Another node made the store's domain and users already: no `domain add`, no seed. */
  joins: boolean;
}

/**
 * `sealpost init` + config edits (`[process] workers` when given; the MX's sender checks off, or on
 * with `senderChecksDns` as the resolver) + `domain add`; `seed` then adds the users and mail.
 */
async function prepare(dir: string, maxConnections: number, seed: (dir: string) => Promise<void>, workers: number | undefined, senderChecksDns: string | undefined, node?: NodeOptions): Promise<void> {
  const store = node === undefined ? [] : ["--store", node.url];
  await run(process.execPath, [CLI, "init", "--data", dir, "--hostname", BENCH_HOSTNAME, "--listen", node?.listen ?? "127.0.0.1", "--port-base", "0", ...store]);
  const configPath = join(dir, "sealpost.toml");
  let config = readFileSync(configPath, "utf8");
  if (node !== undefined) config = config.replace(/^blob_dir = ""$/m, `blob_dir = "${node.blobDir}"`);
  config = config.replace(/^port = \d+$/gm, "port = 0");
  config = config.replace(/^max_connections_per_ip = \d+$/m, `max_connections_per_ip = ${maxConnections}`);
  config = config.replace(/^max_connections = \d+$/m, `max_connections = ${maxConnections}`);
  if (workers !== undefined) config = config.replace(/^workers = \d+$/m, `workers = ${workers}`);
  // The sender checks ask DNS for every message: off unless the bench brings its own resolver.
  config =
    senderChecksDns === undefined ? config.replace(/^authentication = true$/m, "authentication = false") : config.replace(/^servers = \[\]$/m, `servers = ["${senderChecksDns}"]`);
  if (
    (senderChecksDns === undefined ? !config.includes("\nauthentication = false\n") : !config.includes(`servers = ["${senderChecksDns}"]`)) ||
    /^port = [1-9]/m.test(config) ||
    !config.includes(`max_connections_per_ip = ${maxConnections}`) ||
    !config.includes(`max_connections = ${maxConnections}`) ||
    (workers !== undefined && !config.includes(`\nworkers = ${workers}\n`)) ||
    (node !== undefined && !config.includes(`blob_dir = "${node.blobDir}"`))
  ) {
    throw new Error(`could not edit ${configPath}`);
  }
  writeFileSync(configPath, config);
  if (node?.joins === true) return;
  await run(process.execPath, [CLI, "domain", "add", BENCH_DOMAIN, "--data", dir]);
  await seed(dir);
}

/**
 * `sealpost serve` until its "sealpost serving from" line; resolves with the port of each
 * listener in `need` (from its "NAME listening on 127.0.0.1:PORT" line). After that the server's
 * first 50 `warn` and `error` lines are pushed to `problems`.
 */
function serve(dir: string, nodeArgs: readonly string[], need: readonly string[], problems: string[]): Promise<{ child: ChildProcess; ports: Map<string, number> }> {
  // Started the way `npm start` and the bin start it (SERVER_NODE_FLAGS).
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, CLI, "serve", "--data", dir], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
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
    const timer = setTimeout(() => fail("no 'sealpost serving from' line within 30 s"), 30_000);
    child.once("exit", (code) => fail(`exited with ${code}`));
    child.stderr?.setEncoding("utf8");
    let rest = "";
    child.stderr?.on("data", (s: string) => {
      if (settled) {
        // Keep draining the pipe; remember the first warnings and errors.
        const lines = (rest + s).split("\n");
        rest = lines.pop() ?? "";
        for (const l of lines) if (problems.length < 50 && /^\S+ (warn|error) /.test(l)) problems.push(l.slice(0, 400));
        return;
      }
      log += s;
      if (!log.includes("sealpost serving from")) return;
      const ports = new Map<string, number>();
      for (const m of log.matchAll(/(\w+) listening on [\d.]+:(\d+)/g)) if (m[1] !== undefined) ports.set(m[1], Number(m[2]));
      const missing = need.filter((n) => !ports.has(n));
      if (missing.length > 0) return fail(`no '${missing.join("', '")} listening on' line`);
      settled = true;
      clearTimeout(timer);
      resolvePromise({ child, ports });
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

export interface SealpostServer {
  dir: string;
  pid: number;
  /** Port of each listener asked for. */
  port(name: string): number;
  /** The server's warnings and errors logged since it started (the first 50). */
  problems: readonly string[];
  /** Stops the server (SIGTERM, then SIGKILL after 20 s); the data directory stays. */
  stop(): Promise<void>;
  /** Stops the server if it still runs and removes the data directory. */
  remove(): Promise<void>;
}

export async function startSealpostServer(opts: {
  /** Prefix of the temporary data directory's name. */
  dirPrefix: string;
  maxConnections: number;
  /** Adds users and mail to the fresh data directory before the server starts. */
  seed: (dir: string) => Promise<void>;
  /** Listeners whose ports the bench needs ("mx", "imaps", …); the first is named in the log. */
  listeners: readonly string[];
  /** Run with node --cpu-prof, the profile written to this directory at exit. */
  profileDir: string | undefined;
  /** More node flags for the server (e.g. --heapsnapshot-signal=SIGUSR2, for diagnosis). */
  nodeArgs?: readonly string[];
  /** `[process] workers` in sealpost.toml (default: as `sealpost init` writes it). */
  workers?: number;
  /** The MX's sender checks (`[smtp] authentication`) on, with this resolver ("127.0.0.1:PORT"); default off. */
  senderChecksDns?: string;
  /** A node on a PostgreSQL database (default: SQLite in the data directory). */
  node?: NodeOptions;
  note: Note;
}): Promise<SealpostServer> {
  const dir = mkdtempSync(join(tmpdir(), opts.dirPrefix));
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    if (child !== null) await stopChild(child);
    child = null;
  };
  const remove = async (): Promise<void> => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await prepare(dir, opts.maxConnections, opts.seed, opts.workers, opts.senderChecksDns, opts.node);
    const problems: string[] = [];
    const profile = opts.profileDir !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${resolve(opts.profileDir)}`] : [];
    const s = await serve(dir, [...profile, ...(opts.nodeArgs ?? [])], opts.listeners, problems);
    child = s.child;
    const pid = s.child.pid ?? 0;
    const [first] = opts.listeners;
    if (first !== undefined) opts.note(`sealpost: pid ${pid}, ${first} on ${opts.node?.listen ?? "127.0.0.1"}:${s.ports.get(first)}, data ${dir}`);
    return { dir, pid, port: (name) => s.ports.get(name) ?? 0, problems, stop, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}
