/**
 * The servers the IMAP benchmark drives, each with the same mailbox in every test user's INBOX
 * (`imap-corpus.ts`): a Sealpost in a fresh temporary data directory, seeded in-process through
 * the store before the server starts, and a local Dovecot from `../shared/peers/dovecot-peer.sh`
 * (Maildir), seeded by writing the Maildir files directly (the peer's `seed` delivers tiny
 * messages through dovecot-lda, one process each: too slow, and not comparable). Every user has
 * its own copy of each message on both servers.
 */
import { appendFileSync, chownSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addAccount, listAccounts } from "../src/directory/index.ts";
import { appendToInboxes, openStore, type Store, type WrittenBlob } from "../src/store/index.ts";
import type { Note } from "./common.ts";
import { buildCorpus, corpusMessages, toLf, type CorpusMessage } from "./imap-corpus.ts";
import type { ImapTargetOptions } from "./imap-load.ts";
import { processTree } from "./proc-stats.ts";
import { BENCH_DOMAIN, BENCH_HOSTNAME, livePid, peersScript, run, startSealpostServer } from "./sealpost-target.ts";

export const DOVECOT = "/usr/sbin/dovecot";
const DOVECOT_IMAPS = 14993;
const PASSWORD = "bench-password-1";
const DOVECOT_SCHEME = "SHA512-CRYPT";

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

// ---- Sealpost ------------------------------------------------------------------------------

/** A user besides test1…testN, with the same mailbox. */
interface MoreUser {
  address: string;
  password: string;
}

/**
 * Appends `messages` to the INBOX of every account in `ids`, through the store (the server is not
 * running yet). Every account gets its own copy of each message (a blob per account and message,
 * as real mail would be: the server's caches are keyed by blob, and shared blobs would make them
 * all hit), in order, so that UID n is message n. Blob writes (each fsynced) run 128 at a time; the
 * index rows are submitted in order and batched by the group committer. `messages` is read as it
 * is written: a corpus may be larger than memory.
 */
export async function appendCorpus(store: Store, ids: readonly number[], messages: Iterable<CorpusMessage>): Promise<number> {
  const window = 128;
  const inFlight: Array<{ m: CorpusMessage; id: number; blob: Promise<WrittenBlob> }> = [];
  const commits: Array<Promise<unknown>> = [];
  let count = 0;
  const settleOne = async (): Promise<void> => {
    const j = inFlight.shift();
    if (j === undefined) return;
    const blob = await j.blob;
    const flags = [j.m.seen ? "\\Seen" : "", j.m.flagged ? "\\Flagged" : ""].filter((f) => f !== "").join(" ");
    commits.push(store.committer.submit((trx) => appendToInboxes(trx, [j.id], blob, j.m.date, flags), [blob.dir]));
    if (commits.length >= 512) await Promise.all(commits.splice(0));
  };
  for (const m of messages) {
    count++;
    for (const id of ids) {
      inFlight.push({ m, id, blob: store.blobs.write([m.crlf]) });
      if (inFlight.length >= window) await settleOne();
    }
  }
  while (inFlight.length > 0) await settleOne();
  await Promise.all(commits);
  return count;
}

/** Test users (and `more`) and their mailboxes, written through the store before the server starts. */
async function seedSealpost(dir: string, users: number, more: readonly MoreUser[], messages: number, note: Note): Promise<void> {
  const t0 = Date.now();
  const store = await openStore(dir);
  try {
    // The same path as `sealpost user add` (scrypt hash), without a process per user.
    for (let i = 1; i <= users; i++) await addAccount(store.db, `test${i}@${BENCH_DOMAIN}`, PASSWORD);
    for (const u of more) await addAccount(store.db, u.address, u.password);
    const ids = (await listAccounts(store.db, { domain: BENCH_DOMAIN })).map((a) => a.id);
    await appendCorpus(store, ids, corpusMessages(messages));
  } finally {
    await store.close();
  }
  note(`sealpost: ${users + more.length} users seeded with ${messages} messages each in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export async function startSealpost(opts: {
  users: number;
  messages: number;
  profileDir: string | undefined;
  /** More node flags for the server (e.g. --heapsnapshot-signal=SIGUSR2, for diagnosis). */
  nodeArgs?: readonly string[];
  /** `[process] workers` in its sealpost.toml. */
  workers?: number;
  /** Connection limits in its sealpost.toml (default 5,000). */
  maxConnections?: number;
  /** Users besides test1…test{users}, each with the same mailbox (in the bench's domain). */
  moreUsers?: readonly MoreUser[];
  note: Note;
}): Promise<ImapTarget> {
  const server = await startSealpostServer({
    dirPrefix: "sealpost-imap-bench-",
    maxConnections: opts.maxConnections ?? 5000,
    seed: (dir) => seedSealpost(dir, opts.users, opts.moreUsers ?? [], opts.messages, opts.note),
    listeners: ["imaps", "mx"],
    profileDir: opts.profileDir,
    ...(opts.nodeArgs !== undefined ? { nodeArgs: opts.nodeArgs } : {}),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    note: opts.note,
  });
  const workers = opts.workers ?? 1;
  const { pid } = server;
  return {
    name: "sealpost",
    root: pid,
    // With workers, the worker processes are the server's children.
    memoryPids: () => (workers > 1 ? processTree(pid) : [pid]),
    multiProcess: workers > 1,
    problems: server.problems,
    load: { port: server.port("imaps"), servername: BENCH_HOSTNAME, user: (i) => `test${(i % opts.users) + 1}@${BENCH_DOMAIN}`, password: PASSWORD, mailbox: "INBOX" },
    stop: () => server.remove(),
  };
}

// ---- Dovecot -------------------------------------------------------------------------------

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

/**
 * The scheme of the peer's stored passwords, from its passwd-file (`{SHA512-CRYPT}$6$…`), or
 * null if unreadable. The bench starts the peer with SHA512-CRYPT, Dovecot's default scheme, so
 * that a LOGIN costs Dovecot what it costs in a real deployment.
 */
function passwordScheme(peersDir: string): string | null {
  try {
    const line = readFileSync(join(peersDir, "dovecot", "users"), "utf8").split("\n").find((l) => l.startsWith("test1@"));
    return /^[^:]*:\{([^}]+)\}/.exec(line ?? "")?.[1] ?? null;
  } catch {
    return null;
  }
}

export async function startDovecot(opts: { users: number; messages: number; idle: number; note: Note }): Promise<ImapTarget> {
  const script = peersScript("dovecot-peer.sh");
  const peersDir = process.env["PEERS_DIR"] ?? "/tmp/peers";
  const conf = join(peersDir, "dovecot", "dovecot.conf");
  const masterPid = (): number | null => livePid(join(peersDir, "dovecot.pid"));
  const wasRunning = masterPid() !== null;
  const stop = async (): Promise<void> => {
    // Leave an instance that someone else started running.
    if (!wasRunning) await run("bash", [script, "stop"]).catch((e: unknown) => opts.note(`dovecot stop failed: ${String(e)}`));
  };
  try {
    // Dovecot's default scheme and its default auth settings (no auth cache: auth_cache_size = 0).
    await run("bash", [script, "start"], undefined, { DC_SCHEME: DOVECOT_SCHEME });
    const master = masterPid();
    if (master === null) throw new Error("dovecot-peer.sh start: no live master pid");
    const scheme = passwordScheme(peersDir);
    if (scheme !== DOVECOT_SCHEME) {
      opts.note(`WARNING: dovecot (started before this run) stores its passwords as ${scheme ?? "?"}, not ${DOVECOT_SCHEME}: LOGIN figures are not comparable (stop it and run again)`);
    } else opts.note(`dovecot: passwords stored as ${scheme}, default auth settings`);
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
