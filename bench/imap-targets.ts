/**
 * The servers the IMAP benchmark drives, each with the same mailbox in every test user's INBOX
 * (`imap-corpus.ts`): a Sealpost in a fresh temporary data directory, seeded in-process through
 * the store before the server starts, and a local Dovecot from `../shared/peers/dovecot-peer.sh`
 * (Maildir), seeded by writing the Maildir files directly (the peer's `seed` delivers tiny
 * messages through dovecot-lda, one process each: too slow, and not comparable). Every user has
 * its own copy of each message on both servers.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { addAccount, listAccounts } from "../src/directory/index.ts";
import { appendToInboxes, openStore } from "../src/store/index.ts";
import { buildCorpus, toLf, type CorpusMessage } from "./imap-corpus.ts";
import type { ImapTargetOptions } from "./imap-load.ts";
import { processTree } from "./proc-stats.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO, "src/cli/main.ts");
export const DOVECOT = "/usr/sbin/dovecot";
const DOVECOT_IMAPS = 14993;
const PASSWORD = "bench-password-1";

export interface ImapTarget {
  name: string;
  /** The server's process (Dovecot: its master, whose children are the services). */
  root: number;
  /** The processes whose memory counts: Sealpost's one, Dovecot's master + imap + imap-login. */
  memoryPids(): number[];
  /** More than one process: report PSS besides the RSS sum. */
  multiProcess: boolean;
  /** The server's warnings and errors logged since it started (Sealpost; Dovecot: none kept). */
  problems: readonly string[];
  load: ImapTargetOptions;
  stop(): Promise<void>;
}

export type Note = (msg: string) => void;

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

async function prepareSealpost(dir: string, users: number, corpus: readonly CorpusMessage[], note: Note): Promise<void> {
  await run(process.execPath, [CLI, "init", "--data", dir, "--hostname", "bench.sealpost.test", "--listen", "127.0.0.1"]);
  const configPath = join(dir, "sealpost.toml");
  let config = readFileSync(configPath, "utf8");
  config = config.replace(/^port = \d+$/gm, "port = 0");
  config = config.replace(/^max_connections_per_ip = \d+$/m, "max_connections_per_ip = 5000");
  config = config.replace(/^max_connections = \d+$/m, "max_connections = 5000");
  if (/^port = [1-9]/m.test(config) || !config.includes("max_connections_per_ip = 5000") || !config.includes("max_connections = 5000")) {
    throw new Error(`could not edit ${configPath}`);
  }
  writeFileSync(configPath, config);
  await run(process.execPath, [CLI, "domain", "add", "bench.test", "--data", dir]);
  const t0 = Date.now();
  const store = await openStore(dir);
  try {
    // The same path as `sealpost user add` (scrypt hash), without a process per user.
    for (let i = 1; i <= users; i++) await addAccount(store.db, `test${i}@bench.test`, PASSWORD);
    const ids = (await listAccounts(store.db, "bench.test")).map((a) => a.id);
    // Every user gets its own copy of each message (a blob per user and message, as real mail
    // would be: the server's caches are keyed by blob, and shared blobs would make them all hit),
    // appended in corpus order so that UID n is message n. Blob writes (each fsynced) run 128 at a
    // time; the index rows are submitted in order and batched by the group committer.
    const jobs = corpus.flatMap((m) => ids.map((id) => ({ m, id })));
    const blobs = new Array<Promise<{ name: string; size: number; dir: string }>>(jobs.length);
    const window = 128;
    const start = (k: number): void => {
      const j = jobs[k];
      if (j !== undefined) blobs[k] = store.blobs.write([j.m.crlf]);
    };
    for (let k = 0; k < Math.min(window, jobs.length); k++) start(k);
    const commits: Array<Promise<unknown>> = [];
    for (const [k, { m, id }] of jobs.entries()) {
      const blob = await blobs[k];
      if (blob === undefined) throw new Error("seed: blob missing");
      start(k + window);
      const flags = [m.seen ? "\\Seen" : "", m.flagged ? "\\Flagged" : ""].filter((f) => f !== "").join(" ");
      commits.push(store.committer.submit((trx) => appendToInboxes(trx, [id], blob, m.date, flags), [blob.dir]));
      if (commits.length >= 512) await Promise.all(commits.splice(0));
    }
    await Promise.all(commits);
  } finally {
    await store.close();
  }
  note(`sealpost: ${users} users seeded with ${corpus.length} messages each in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** The server's `warn` and `error` log lines after start (the first 50), for the report. */
type Problems = string[];

function serve(dir: string, nodeArgs: readonly string[], problems: Problems): Promise<{ child: ChildProcess; imaps: number }> {
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
      const imaps = /imaps listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      const mx = /mx listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      if (imaps === undefined || mx === undefined) return fail("no 'imaps listening on' or 'mx listening on' line");
      settled = true;
      clearTimeout(timer);
      resolvePromise({ child, imaps: Number(imaps) });
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

export async function startSealpost(opts: {
  users: number;
  messages: number;
  profileDir: string | undefined;
  /** More node flags for the server (e.g. --heapsnapshot-signal=SIGUSR2, for diagnosis). */
  nodeArgs?: readonly string[];
  note: Note;
}): Promise<ImapTarget> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-imap-bench-"));
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    if (child !== null) await stopChild(child);
    child = null;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await prepareSealpost(dir, opts.users, buildCorpus(opts.messages), opts.note);
    const problems: Problems = [];
    const profile = opts.profileDir !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${resolve(opts.profileDir)}`] : [];
    const s = await serve(dir, [...profile, ...(opts.nodeArgs ?? [])], problems);
    child = s.child;
    const pid = s.child.pid ?? 0;
    opts.note(`sealpost: pid ${pid}, imaps on 127.0.0.1:${s.imaps}, data ${dir}`);
    return {
      name: "sealpost",
      root: pid,
      memoryPids: () => [pid],
      multiProcess: false,
      problems,
      load: { port: s.imaps, servername: "bench.sealpost.test", user: (i) => `test${(i % opts.users) + 1}@bench.test`, password: PASSWORD, mailbox: "INBOX" },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---- Dovecot -------------------------------------------------------------------------------

function peersScript(): string {
  const rel = resolve(REPO, "../shared/peers/dovecot-peer.sh");
  return existsSync(rel) ? rel : "/work/shared/peers/dovecot-peer.sh";
}

const PEER_UID = 65534; // dovecot-peer.sh maps every user to nobody:nogroup

/**
 * Fresh Maildirs for test1..test{users}, each with its own copy of the corpus (LF line ends,
 * mtime = internal date, S=/W= sizes and flags in the file name, names sorting in corpus order so
 * that UID n is message n). Dovecot indexes them on first SELECT.
 */
function seedMaildirs(mailRoot: string, users: number, corpus: readonly CorpusMessage[]): void {
  const files = corpus.map((m, k) => {
    const lf = toLf(m.crlf);
    const flags = `${m.flagged ? "F" : ""}${m.seen ? "S" : ""}`;
    return { lf, secs: Math.floor(m.date / 1000), name: `${1_700_000_000 + k}.M${k}P1.bench,S=${lf.length},W=${m.crlf.length}:2,${flags}` };
  });
  for (let u = 1; u <= users; u++) {
    const home = join(mailRoot, `test${u}@peer.test`);
    rmSync(home, { recursive: true, force: true });
    for (const d of [home, join(home, "Maildir"), ...["cur", "new", "tmp"].map((s) => join(home, "Maildir", s))]) {
      mkdirSync(d, { recursive: true });
      chownSync(d, PEER_UID, PEER_UID);
    }
    const cur = join(home, "Maildir", "cur");
    for (const f of files) {
      const path = join(cur, f.name);
      writeFileSync(path, f.lf);
      chownSync(path, PEER_UID, PEER_UID);
      utimesSync(path, f.secs, f.secs);
    }
  }
}

export async function startDovecot(opts: { users: number; messages: number; idle: number; note: Note }): Promise<ImapTarget> {
  const script = peersScript();
  const peersDir = process.env["PEERS_DIR"] ?? "/tmp/peers";
  const conf = join(peersDir, "dovecot", "dovecot.conf");
  const masterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(join(peersDir, "dovecot.pid"), "latin1").trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  };
  const wasRunning = masterPid() !== null;
  const stop = async (): Promise<void> => {
    // Leave an instance that someone else started running.
    if (!wasRunning) await run("bash", [script, "stop"]).catch((e: unknown) => opts.note(`dovecot stop failed: ${String(e)}`));
  };
  try {
    await run("bash", [script, "start"]);
    const master = masterPid();
    if (master === null) throw new Error("dovecot-peer.sh start: no live master pid");
    // The peer keeps Dovecot's defaults: at most 100 imap-login processes (one per TLS connection,
    // which it proxies for the whole session), too few for the idle test. Raise the limits (the
    // next `dovecot-peer.sh start` writes the config anew) and reload.
    const need = opts.idle + opts.users + 100;
    const marker = `# sealpost bench: limits for ${need} connections`;
    if (!readFileSync(conf, "utf8").includes(marker)) {
      appendFileSync(
        conf,
        `\n${marker}\nservice imap-login {\n  process_limit = ${need}\n}\nservice imap {\n  process_limit = ${need}\n}\n` +
          `service auth {\n  client_limit = ${need + 500}\n}\nservice anvil {\n  client_limit = ${need + 500}\n}\n`,
      );
      await run(DOVECOT, ["-c", conf, "reload"]);
      opts.note(`dovecot: imap-login and imap process_limit raised to ${need} (peer default 100 / 1024), reloaded`);
    }
    const t0 = Date.now();
    seedMaildirs(join(peersDir, "dovecot", "mail"), opts.users, buildCorpus(opts.messages));
    opts.note(`dovecot: master pid ${master}, imaps 127.0.0.1:${DOVECOT_IMAPS}; ${opts.users} Maildirs seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const comm = (pid: number): string => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "latin1").trim();
      } catch {
        return "";
      }
    };
    return {
      name: "dovecot",
      root: master,
      memoryPids: () => processTree(master).filter((p) => p === master || ["imap", "imap-login"].includes(comm(p))),
      multiProcess: true,
      problems: [],
      load: { port: DOVECOT_IMAPS, servername: "mail.peer.test", user: (i) => `test${(i % opts.users) + 1}@peer.test`, password: "pass", mailbox: "INBOX" },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
