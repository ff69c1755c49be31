/**
 * The loopback peers of the outbound benchmark, in one temporary PEERS_DIR (mode 0755: Postfix's
 * daemons run as the postfix user and must traverse it) on free ports, through
 * `test/peers/postfix-peer.sh`:
 *
 * - the receiver: a Postfix `modern` instance (STARTTLS, TLS 1.2+, certificate for mail.peer.test
 *   signed by the peers' CA) with PF_DELIVERY=discard, so it queues and drops each message rather
 *   than writing a Maildir;
 * - the reference sender (unless --no-postfix): a Postfix `sender` instance relaying everything to
 *   the receiver with smtp_tls_security_level=verify (match mail.peer.test, the peers' CA), its
 *   destination concurrency set to the benchmark's, and every message it takes in put on hold
 *   (`smtpd_data_restrictions = check_client_access static:HOLD`) so the batch can be queued
 *   first and released at once;
 * - the DNS fixture (test/dns-server.ts): peer.test MX mail.peer.test, mail.peer.test A 127.0.0.1.
 *
 * Also a reader for the tail of a Postfix log and a list of clean-ups that also runs on SIGINT.
 */
import { execFile } from "node:child_process";
import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDnsServer, type DnsServer } from "../test/dns-server.ts";
import type { Note } from "./common.ts";
import { livePid, REPO } from "./sealpost-target.ts";

export const POSTFIX = "/usr/sbin/postfix";
const SCRIPT = join(REPO, "test/peers/postfix-peer.sh");
export const DEST_DOMAIN = "peer.test";
export const MX_HOST = "mail.peer.test";
export const RCPT = `sink@${DEST_DOMAIN}`;

// ---- clean-up ------------------------------------------------------------------------------

/** Clean-ups run last-in first-out, once each, on the normal path, after an error, and on SIGINT/SIGTERM. */
export class Cleanup {
  readonly #steps: Array<{ what: string; fn: () => Promise<void> }> = [];
  readonly #note: Note;

  constructor(note: Note) {
    this.#note = note;
  }

  /** Registers a clean-up; the returned function runs it now (and unregisters it). */
  add(what: string, fn: () => Promise<void>): () => Promise<void> {
    const step = { what, fn };
    this.#steps.push(step);
    return async () => {
      const i = this.#steps.indexOf(step);
      if (i < 0) return;
      this.#steps.splice(i, 1);
      await this.#runStep(step);
    };
  }

  async runAll(): Promise<void> {
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) await this.#runStep(step);
  }

  async #runStep(step: { what: string; fn: () => Promise<void> }): Promise<void> {
    try {
      await step.fn();
    } catch (e) {
      this.#note(`clean-up '${step.what}' failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

// ---- processes and files -------------------------------------------------------------------

/** Runs a command with `env`; resolves with its stdout. */
export function exec(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { cwd: REPO, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Regular files under `dir` (a Postfix queue directory, hashed or not); 0 when it does not exist. */
export function countFiles(dir: string): number {
  let n = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

/** Reads what is appended to a log file after the moment it was made (whole lines only). */
export class LogTail {
  readonly #path: string;
  #offset: number;
  #rest = "";

  constructor(path: string) {
    this.#path = path;
    this.#offset = statSync(path).size;
  }

  /** The complete lines appended since the last call. */
  lines(): string[] {
    const fd = openSync(this.#path, "r");
    try {
      const size = statSync(this.#path).size;
      if (size <= this.#offset) return [];
      const buf = Buffer.alloc(size - this.#offset);
      const got = readSync(fd, buf, 0, buf.length, this.#offset);
      this.#offset += got;
      const lines = (this.#rest + buf.subarray(0, got).toString("latin1")).split("\n");
      this.#rest = lines.pop() ?? "";
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

// ---- the receiver's log --------------------------------------------------------------------

/** What the receiving Postfix logged for one run: connections, TLS handshakes, messages accepted and discarded. */
export interface ReceiverCounts {
  connections: number;
  tlsHandshakes: number;
  /** "status=sent" lines of the discard transport: messages queued, then dropped. */
  received: number;
  /** TLS protocol and cipher of the handshakes, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384: 5000". */
  tls: Map<string, number>;
}

export class ReceiverLog {
  readonly #tail: LogTail;
  readonly counts: ReceiverCounts = { connections: 0, tlsHandshakes: 0, received: 0, tls: new Map() };

  constructor(path: string) {
    this.#tail = new LogTail(path);
  }

  read(): ReceiverCounts {
    for (const l of this.#tail.lines()) {
      if (/ postfix-peer-modern\/smtpd\[\d+\]: connect from /.test(l)) this.counts.connections++;
      else if (/\/discard\[\d+\]: .* status=sent /.test(l)) this.counts.received++;
      else {
        const m = / TLS connection established from [^:]+: (\S+) with cipher (\S+)/.exec(l);
        if (m !== null) {
          this.counts.tlsHandshakes++;
          const k = `${m[1]} ${m[2]}`;
          this.counts.tls.set(k, (this.counts.tls.get(k) ?? 0) + 1);
        }
      }
    }
    return this.counts;
  }

  /** Reads until `expected` messages were received, or nothing new came for `quietMs`. */
  async settle(expected: number, quietMs = 10_000): Promise<ReceiverCounts> {
    let last = this.read().received;
    let changed = Date.now();
    while (last < expected && Date.now() - changed < quietMs) {
      await new Promise((r) => setTimeout(r, 100));
      const now = this.read().received;
      if (now !== last) changed = Date.now();
      last = now;
    }
    return this.counts;
  }
}

// ---- the peers -----------------------------------------------------------------------------

export interface PostfixInstance {
  port: number;
  master: number;
  log: string;
  /** Its config directory (for postsuper/postqueue -c). */
  etc: string;
  queue: string;
}

export interface Peers {
  dir: string;
  /** The peers' CA (PEM file) that signed the receiver's certificate. */
  ca: string;
  receiver: PostfixInstance;
  sender: PostfixInstance | null;
  dns: DnsServer;
}

export async function startPeers(o: { sender: boolean; concurrency: number; cleanup: Cleanup; note: Note }): Promise<Peers> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-outbound-peers-"));
  chmodSync(dir, 0o755);
  const ports = { modern: await freePort(), sender: await freePort() };
  const env: NodeJS.ProcessEnv = { ...process.env, PEERS_DIR: dir, PF_PORT_MODERN: String(ports.modern), PF_PORT_SENDER: String(ports.sender) };
  o.cleanup.add("postfix peers", async () => {
    await exec("bash", [SCRIPT, "stop", "all"], env, 60_000).catch((e: unknown) => o.note(`postfix-peer.sh stop all: ${String(e)}`));
    rmSync(dir, { recursive: true, force: true });
  });
  const instance = (v: "modern" | "sender", port: number): PostfixInstance => {
    const master = livePid(join(dir, `postfix-${v}.pid`));
    if (master === null) throw new Error(`postfix-peer.sh start ${v}: no live master pid`);
    const d = join(dir, `postfix-${v}`);
    return { port, master, log: join(d, "maillog"), etc: join(d, "etc"), queue: join(d, "queue") };
  };

  await exec("bash", [SCRIPT, "start", "modern"], { ...env, PF_DELIVERY: "discard" });
  const receiver = instance("modern", ports.modern);
  o.note(`receiver: Postfix 'modern' (STARTTLS, TLS 1.2+, PF_DELIVERY=discard), master pid ${receiver.master}, 127.0.0.1:${receiver.port}`);

  let sender: PostfixInstance | null = null;
  if (o.sender) {
    const extra = [`default_destination_concurrency_limit=${o.concurrency}`, "smtpd_data_restrictions=check_client_access static:HOLD"];
    await exec("bash", [SCRIPT, "start", "sender", `127.0.0.1:${ports.modern}`, "verify"], {
      ...env,
      PF_EXTRA: extra.join(";"),
      SENDER_TLS_MATCH: MX_HOST,
      SENDER_CAFILE: join(dir, "certs", "ca.pem"),
    });
    sender = instance("sender", ports.sender);
    o.note(`postfix sender: master pid ${sender.master}, takes mail on 127.0.0.1:${sender.port}, relays to [127.0.0.1]:${receiver.port} with TLS level verify`);
  }

  const dns = await startDnsServer({
    [DEST_DOMAIN]: { MX: [{ preference: 10, exchange: MX_HOST }] },
    [MX_HOST]: { A: ["127.0.0.1"] },
  });
  o.cleanup.add("dns server", () => dns.close());
  return { dir, ca: join(dir, "certs", "ca.pem"), receiver, sender, dns };
}
