/**
 * End-to-end harness: a real `sealpost serve` process on loopback, in its own data directory,
 * on ports the kernel picks (so test files run in parallel), plus the CLI against the same
 * directory.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { testStoreOptions } from "./support/postgres.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const NODE = process.execPath;
export const CLI = join(ROOT, "src/cli/sealpost.js");

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `sealpost ARGS --data DIR` to completion. */
export function runCli(dataDir: string, args: readonly string[], input?: string, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(NODE, [CLI, ...args, "--data", dataDir], { input: input ?? "", encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `runCli` without blocking this process: for polling while the server talks to servers the test
 * runs in this process (a DNS server, an MTA-STS policy host), which a spawnSync would silence for
 * as long as the CLI runs.
 */
export function runCliAsync(dataDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(NODE, [CLI, ...args, "--data", dataDir], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** The listeners `sealpost init` configures (all on port 0 in tests). */
export interface Ports {
  mx: number;
  submission: number;
  submissions: number;
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
  web: number;
  [name: string]: number;
}

export interface ServerHandle {
  dataDir: string;
  mxPort: number;
  /** Every listener's port by name, as the server logged them. */
  ports: Ports;
  proc: ChildProcess;
  log(): string;
  cli(args: readonly string[], input?: string): CliResult;
  /** `cli` without blocking this process (see runCliAsync). */
  cliAsync(args: readonly string[]): Promise<CliResult>;
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts the server again on the same data directory (after a stop or a kill). */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface StartOptions {
  /** Extra TOML appended to a section: e.g. { smtp: "command_timeout = 2" }. */
  settings?: Record<string, string>;
  domains?: Array<{ name: string; mandatoryTls?: boolean }>;
  users?: Array<{ address: string; password: string }>;
  hostname?: string;
  /** Extra environment of the server and of `cli()`: e.g. SEALPOST_CLOCK_FILE (src/clock). */
  env?: Record<string, string>;
  /** The PostgreSQL database to keep the store in (`init --store`), e.g. one that several nodes share. */
  database?: string;
  /** SQLite in the data directory also on PostgreSQL runs: for tests of what only SQLite has (`backup`, `restore`). */
  sqlite?: boolean;
  /** The listeners' address (`init --listen`): 127.0.0.1 unless given, e.g. 127.0.0.2 for a second node. */
  listen?: string;
}

/** Creates a data directory with `sealpost init`, sets the listeners to port 0, applies settings. */
export function prepareDataDir(opts: StartOptions = {}): string {
  const dataDir = mkdtempSync(join(tmpdir(), "sealpost-e2e-"));
  // On PostgreSQL runs (scripts/test-postgres.ts), each data directory's store is a database of its own.
  const store = opts.sqlite === true ? undefined : (opts.database ?? testStoreOptions().postgres);
  const init = runCli(dataDir, ["init", "--hostname", opts.hostname ?? "mx.sealpost.test", "--listen", opts.listen ?? "127.0.0.1", ...(store !== undefined ? ["--store", store] : [])]);
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  const path = join(dataDir, "sealpost.toml");
  let toml = readFileSync(path, "utf8").replace(/^port = \d+$/gm, "port = 0");
  // Never a lookup off this machine: unless a test brings its own DNS server, queries go to a
  // closed loopback port and fail at once (queued mail then waits, deferred).
  const settings = { dns: 'servers = ["127.0.0.1:1"]', ...opts.settings };
  for (const [section, text] of Object.entries(settings)) {
    const header = `[${section}]\n`;
    if (!toml.includes(header)) throw new Error(`no section [${section}] in the config`);
    // Replace keys given in `text` within that section.
    for (const line of text.split("\n").filter((l) => l.includes("="))) {
      const key = line.split("=")[0]?.trim() ?? "";
      const start = toml.indexOf(header) + header.length;
      const nextSection = toml.indexOf("\n[", start);
      const end = nextSection < 0 ? toml.length : nextSection;
      const body = toml.slice(start, end);
      const re = new RegExp(`^${key} = .*$`, "m");
      const newBody = re.test(body) ? body.replace(re, line.trim()) : `${line.trim()}\n${body}`;
      toml = toml.slice(0, start) + newBody + toml.slice(end);
    }
  }
  writeFileSync(path, toml);
  for (const d of opts.domains ?? []) {
    const r = runCli(dataDir, ["domain", "add", d.name, "--mandatory-tls", d.mandatoryTls === true ? "on" : "off"]);
    if (r.status !== 0) throw new Error(`domain add failed: ${r.stderr}`);
  }
  for (const u of opts.users ?? []) {
    const r = runCli(dataDir, ["user", "add", u.address], `${u.password}\n`);
    if (r.status !== 0) throw new Error(`user add failed: ${r.stderr}`);
  }
  return dataDir;
}

/** How long `sealpost serve` may take to print its listeners before the harness gives up on it. */
const START_DEADLINE_MS = 60_000;

/** Starts `sealpost serve` on a prepared data directory and waits for its listeners. */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerHandle> {
  let output = "";
  let proc!: ChildProcess;
  let mxPort = 0;
  let ports: Ports = { mx: 0, submission: 0, submissions: 0, imap: 0, imaps: 0, pop3: 0, pop3s: 0, web: 0 };
  const launch = async (): Promise<void> => {
    output = "";
    proc = spawn(NODE, [CLI, "serve", "--data", dataDir], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    const onOut = (b: Buffer): void => {
      output += b.toString("utf8");
    };
    proc.stdout?.on("data", onOut);
    proc.stderr?.on("data", onOut);
    mxPort = await new Promise<number>((resolveP, reject) => {
      // A server that does not come up is killed, so that it cannot keep the test process alive.
      // A guard against a hang, not a timing: in the suite's first minutes (four files at once on
      // two cores, each starting servers, s_server and sslscan) a start took 14–17 s and then 20+.
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`server did not start within ${START_DEADLINE_MS / 1000} s:\n${output}`));
      }, START_DEADLINE_MS);
      const check = (): void => {
        if (!/sealpost serving from/.test(output)) return;
        ports = { mx: 0, submission: 0, submissions: 0, imap: 0, imaps: 0, pop3: 0, pop3s: 0, web: 0 };
        for (const m of output.matchAll(/(\w+) listening on [^\s]+:(\d+)/g)) {
          if (m[1] !== undefined && m[2] !== undefined) ports[m[1]] = Number(m[2]);
        }
        clearTimeout(timer);
        proc.stderr?.off("data", check);
        resolveP(ports.mx);
      };
      proc.stderr?.on("data", check);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${output}`));
      });
    });
  };
  await launch();
  const handle: ServerHandle = {
    dataDir,
    get mxPort() {
      return mxPort;
    },
    get ports() {
      return ports;
    },
    get proc() {
      return proc;
    },
    log: () => output,
    cli: (args, input) => runCli(dataDir, args, input, env),
    cliAsync: (args) => runCliAsync(dataDir, args, env),
    stop(signal = "SIGTERM") {
      return new Promise((res) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          res(proc.exitCode);
          return;
        }
        proc.once("exit", (code) => res(code));
        proc.kill(signal);
      });
    },
    restart: launch,
    async cleanup() {
      await handle.stop("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Prepares a data directory and starts a server on it. */
export async function startSealpost(opts: StartOptions = {}): Promise<ServerHandle> {
  return startServer(prepareDataDir(opts), opts.env);
}

/** Polls `fn` until it returns a value that is not undefined, or throws after `timeoutMs`. */
export async function eventually<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, what: string | (() => string) = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    // `what` as a function is read at the timeout: a server's log as it is then, not as it was at the call.
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs a Python snippet (smtplib etc.) and returns its stdout; throws with stderr on failure. */
export function python(code: string, env: Record<string, string> = {}): string {
  const r = spawnSync("python3", ["-c", code], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
