/**
 * The two senders of the outbound benchmark, each delivering one batch of messages to the same
 * receiving Postfix (outbound-peers.ts) over STARTTLS with certificate verification:
 *
 * - Sealpost: a fresh data directory whose queue is paused and filled directly through the store
 *   (each message through the hand-off's DKIM signing step, then a blob and a queue row, as a
 *   submission hand-off leaves them; the signing step timed on its own) before `sealpost serve` starts; the clock starts when the bench clears the pause flag and stops when
 *   no recipient is left that has not been tried (polling the database every 100 ms). Its
 *   `[delivery]` and `[dns]` point at the receiver and the DNS fixture; `[queue] concurrency` and
 *   `per_destination` are the benchmark's concurrency.
 * - Postfix: the `sender` instance takes the batch over SMTP (smtp-source) and holds every
 *   message; the clock starts with `postsuper -H ALL` + `postqueue -f` (release and flush) and
 *   stops when its log has a `status=sent` (or bounced) line for every message.
 *
 * Each run samples the sender's memory (Postfix: the summed RSS and PSS of its master and every
 * daemon) and the CPU of the sender, the receiver and the whole machine, and checks the
 * receiver's log: connections, TLS handshakes, messages accepted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { setPaused } from "../src/queue/index.ts";
import { openStore, type Database } from "../src/store/index.ts";
import { cores, sleep, type Note } from "./common.ts";
import { fillQueue, FROM, type HandOffSigning } from "./outbound-fill.ts";
import { countFiles, exec, LogTail, RCPT, ReceiverLog, type Cleanup, type Peers, type ReceiverCounts } from "./outbound-peers.ts";
import { machineJiffies, processTree, sampleRss, statusKb, treeCpuTicks } from "./proc-stats.ts";
import { startSealpostServer } from "./sealpost-target.ts";

/** A run that makes no progress for this long is stopped and reported with what it got. */
const STALL_MS = 60_000;
/** smtp-source sends its own headers (From, To, Date, Message-Id) and the sender adds a Received header: this many bytes, about. */
const POSTFIX_HEADER_BYTES = 310;

export interface RunOptions {
  peers: Peers;
  messages: number;
  size: number;
  concurrency: number;
  cleanup: Cleanup;
  note: Note;
}

export interface OutboundRun {
  server: "sealpost" | "postfix";
  messages: number;
  /** Messages the sender says the receiver accepted (Sealpost: attempt log; Postfix: status=sent). */
  delivered: number;
  /** Connections that did not deliver (Sealpost: attempts not `delivered`; Postfix: deferred + bounced lines). */
  errors: number;
  elapsedMs: number;
  perSecond: number;
  /** From the release to the end of the first delivery (Sealpost's runner looks for due mail once a second). */
  firstDeliveryMs: number | null;
  peakRssKb: number;
  /** Summed PSS of a multi-process sender (Postfix); null for Sealpost's one process. */
  peakPssKb: number | null;
  /** % of one core during the run. */
  cpu: { sender: number; receiver: number; machine: number; bench: number };
  receiver: { connections: number; tlsHandshakes: number; received: number; tls: Record<string, number> };
  /** The sender's own record of each connection's TLS: "TLSv1.3 TLS_AES_256_GCM_SHA384 cert ok: 5000". */
  senderTls: Record<string, number>;
  meanMessageBytes: number;
  /** DNS questions the fixture answered during the run (Sealpost; Postfix relays to [127.0.0.1]). */
  dnsQueries: number | null;
  /** The first failed deliveries' replies or problems. */
  firstErrors: string[];
  /** The sender's first warning and error log lines (Sealpost's `warn`/`error`, Postfix's `warning:`…). */
  warnings: string[];
  /** Sealpost: the hand-off's signing step as the queue was filled; null for Postfix. */
  handOff: HandOffSigning | null;
}

/** CPU ticks of the sender's and receiver's process trees, the bench's own and the machine's, from now. */
export function cpuMeter(sender: number, receiver: number): () => OutboundRun["cpu"] {
  const j0 = machineJiffies();
  const s0 = treeCpuTicks(sender);
  const r0 = treeCpuTicks(receiver);
  const b0 = process.cpuUsage();
  return () => {
    const j1 = machineJiffies();
    const b = process.cpuUsage(b0);
    const perCore = Math.max(1, (j1.total - j0.total) / cores);
    const pct = (ticks: number): number => (ticks / perCore) * 100;
    return {
      sender: pct(treeCpuTicks(sender) - s0),
      receiver: pct(treeCpuTicks(receiver) - r0),
      machine: pct(j1.busy - j0.busy),
      bench: pct(((b.user + b.system) / 1e6) * 100), // µs to USER_HZ (100) ticks
    };
  };
}

const receiverRecord = (c: ReceiverCounts): OutboundRun["receiver"] => ({ ...c, tls: Object.fromEntries(c.tls) });

// ---- Sealpost ------------------------------------------------------------------------------

/**
 * Polls the queue every 100 ms until no recipient is left that has not been tried (a note every
 * 5 s), or until nothing has changed for STALL_MS; `t0` is when the batch was let go.
 */
export async function waitUntilTried(db: Kysely<Database>, o: Pick<RunOptions, "messages" | "note">, t0: number): Promise<void> {
  const untried = async (): Promise<number> => {
    const r = await db.selectFrom("queue_recipients").select((q) => q.fn.countAll<number>().as("n")).where("status", "=", "pending").where("attempts", "=", 0).executeTakeFirstOrThrow();
    return Number(r.n);
  };
  let left = await untried();
  let changed = Date.now();
  let shown = Date.now();
  while (left > 0) {
    await sleep(100);
    const n = await untried();
    if (n !== left) changed = Date.now();
    left = n;
    if (Date.now() - shown >= 5000) {
      shown = Date.now();
      o.note(`sealpost: ${o.messages - left}/${o.messages} tried after ${((shown - t0) / 1000).toFixed(0)} s`);
    }
    if (Date.now() - changed > STALL_MS) {
      o.note(`sealpost: no progress for ${STALL_MS / 1000} s with ${left} messages untried; stopping the run`);
      return;
    }
  }
}

/** Points the fresh data directory's delivery at the receiver and the DNS fixture. */
export function configure(dir: string, o: RunOptions): void {
  const path = join(dir, "sealpost.toml");
  let text = readFileSync(path, "utf8");
  const set = (key: string, value: string): void => {
    const re = new RegExp(`^${key} = .*$`, "m");
    if (!re.test(text)) throw new Error(`${path}: no '${key} =' line to edit`);
    text = text.replace(re, `${key} = ${value}`);
  };
  set("concurrency", String(o.concurrency));
  set("per_destination", String(o.concurrency));
  set("tls_policy", '"verify"');
  set("remote_port", String(o.peers.receiver.port));
  set("ca_file", JSON.stringify(o.peers.ca));
  set("servers", JSON.stringify([o.peers.dns.address]));
  writeFileSync(path, text);
}

/** One Sealpost batch; `dkim`: From in the hosted bench domain, whose keys sign every message (else a domain not hosted). */
export async function runSealpost(o: RunOptions & { profileDir: string | undefined; dkim: boolean }): Promise<OutboundRun> {
  // Set by the seed (a callback: a holder, so that the type is not narrowed to null here).
  const filled: { handOff: HandOffSigning | null } = { handOff: null };
  const server = await startSealpostServer({
    dirPrefix: "sealpost-outbound-bench-",
    maxConnections: 1000,
    seed: async (dir) => {
      configure(dir, o);
      filled.handOff = await fillQueue(dir, o, o.dkim);
    },
    listeners: ["mx"],
    profileDir: o.profileDir,
    note: o.note,
  });
  const removeServer = o.cleanup.add("sealpost server", () => server.remove());
  try {
    // The bench's own connection to the database: to resume the queue and watch it drain.
    const ctl = await openStore(server.dir);
    try {
      const receiver = new ReceiverLog(o.peers.receiver.log);
      const dnsBefore = o.peers.dns.queries.length;
      const stopRss = sampleRss(() => [server.pid], 100);
      const cpu = cpuMeter(server.pid, o.peers.receiver.master);
      const t0 = Date.now();
      await setPaused(ctl.db, false);
      o.note("sealpost: queue resumed; waiting until every message has been tried");
      await waitUntilTried(ctl.db, o, t0);
      const elapsedMs = Date.now() - t0;
      const usage = cpu();
      const peakRssKb = Math.max(stopRss().rss, statusKb(server.pid, "VmHWM"));

      const rows = await ctl.db
        .selectFrom("delivery_attempts")
        .select(["outcome", "tls_version", "tls_cipher", "cert_verdict"])
        .select((db) => [db.fn.countAll<number>().as("n"), db.fn.sum<number>("recipients").as("rcpts"), db.fn.min<number>("time").as("first")])
        .groupBy(["outcome", "tls_version", "tls_cipher", "cert_verdict"])
        .execute();
      const delivered = rows.filter((r) => r.outcome === "delivered").reduce((a, r) => a + Number(r.rcpts), 0);
      const errors = rows.filter((r) => r.outcome !== "delivered").reduce((a, r) => a + Number(r.n), 0);
      const firstDelivered = Math.min(...rows.filter((r) => r.outcome === "delivered").map((r) => Number(r.first)));
      const senderTls: Record<string, number> = {};
      for (const r of rows) senderTls[`${r.outcome}: ${r.tls_version ?? "no TLS"} ${r.tls_cipher ?? "-"} cert ${r.cert_verdict ?? "-"}`] = Number(r.n);
      const failures = await ctl.db.selectFrom("delivery_attempts").select(["reply", "problem"]).where("outcome", "!=", "delivered").limit(5).execute();
      const firstErrors = failures.map((f) => (f.reply ?? f.problem ?? "?").slice(0, 300));
      const rc = await receiver.settle(delivered);
      return {
        server: "sealpost",
        messages: o.messages,
        delivered,
        errors,
        elapsedMs,
        perSecond: (delivered / elapsedMs) * 1000,
        firstDeliveryMs: Number.isFinite(firstDelivered) ? firstDelivered - t0 : null,
        peakRssKb,
        peakPssKb: null,
        cpu: usage,
        receiver: receiverRecord(rc),
        senderTls,
        meanMessageBytes: o.size + (filled.handOff?.bytesPerMessage ?? 0),
        dnsQueries: o.peers.dns.queries.length - dnsBefore,
        firstErrors,
        warnings: server.problems.slice(0, 5),
        handOff: filled.handOff,
      };
    } finally {
      await ctl.close();
    }
  } finally {
    await removeServer();
  }
}

// ---- Postfix -------------------------------------------------------------------------------

/** Sends the batch into the sender (which holds every message) and waits until all are on hold. */
async function fillPostfix(o: RunOptions): Promise<void> {
  const s = o.peers.sender;
  if (s === null) throw new Error("no postfix sender");
  const t0 = Date.now();
  const held0 = countFiles(join(s.queue, "hold"));
  const payload = Math.max(1, o.size - POSTFIX_HEADER_BYTES);
  const sessions = String(Math.min(20, o.concurrency, o.messages));
  await exec("/usr/sbin/smtp-source", ["-s", sessions, "-d", "-m", String(o.messages), "-l", String(payload), "-f", FROM, "-t", RCPT, "-M", "client.test", `127.0.0.1:${s.port}`], process.env, 600_000);
  const busy = (): number => ["incoming", "active", "maildrop"].reduce((a, d) => a + countFiles(join(s.queue, d)), 0);
  for (;;) {
    const held = countFiles(join(s.queue, "hold")) - held0;
    if (held >= o.messages && busy() === 0) break;
    if (Date.now() - t0 > 300_000) throw new Error(`postfix: only ${held} of ${o.messages} messages on hold after 300 s`);
    await sleep(200);
  }
  o.note(`postfix: ${o.messages} messages queued (on hold) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export async function runPostfix(o: RunOptions): Promise<OutboundRun> {
  const s = o.peers.sender;
  if (s === null) throw new Error("no postfix sender");
  await fillPostfix(o);
  const log = new LogTail(s.log);
  const receiver = new ReceiverLog(o.peers.receiver.log);
  const stopRss = sampleRss(() => processTree(s.master), 200, true);
  const cpu = cpuMeter(s.master, o.peers.receiver.master);
  let sent = 0;
  let deferred = 0;
  let bounced = 0;
  let bytes = 0;
  let sized = 0;
  let firstSent: number | null = null;
  const senderTls: Record<string, number> = {};
  const firstErrors: string[] = [];
  const warnings: string[] = [];
  const read = (): void => {
    for (const l of log.lines()) {
      if (/\/smtp\[\d+\]: .* status=sent /.test(l)) {
        sent++;
        firstSent ??= Date.now();
      } else if (/ status=(deferred|bounced) /.test(l)) {
        if (l.includes("status=deferred")) deferred++;
        else bounced++;
        if (firstErrors.length < 5) firstErrors.push(l.replace(/^.*?: [0-9A-F]+: /, "").slice(0, 300));
      } else {
        const size = /\/qmgr\[\d+\]: [0-9A-F]+: from=<[^>]*>, size=(\d+),/.exec(l);
        if (size?.[1] !== undefined) {
          bytes += Number(size[1]);
          sized++;
        }
        const tls = /\/smtp\[\d+\]: (\w+) TLS connection established to [^ ]+: (\S+) with cipher (\S+)/.exec(l);
        if (tls !== null) {
          const k = `${tls[2]} ${tls[3]} ${tls[1]}`;
          senderTls[k] = (senderTls[k] ?? 0) + 1;
        }
        if (/ (warning|error|fatal|panic): /.test(l) && warnings.length < 5) warnings.push(l.replace(/^\w+ +\d+ [\d:]+ \S+ /, "").slice(0, 300));
      }
    }
  };

  const t0 = Date.now();
  await exec("/usr/sbin/postsuper", ["-c", s.etc, "-H", "ALL"]);
  await exec("/usr/sbin/postqueue", ["-c", s.etc, "-f"]);
  o.note("postfix: released and flushed; waiting for a status=sent line per message");
  let changed = Date.now();
  let shown = Date.now();
  let last = 0;
  while (sent + bounced < o.messages) {
    await sleep(100);
    read();
    if (sent + bounced + deferred !== last) changed = Date.now();
    last = sent + bounced + deferred;
    if (Date.now() - shown >= 5000) {
      shown = Date.now();
      o.note(`postfix: ${sent}/${o.messages} sent after ${((shown - t0) / 1000).toFixed(0)} s`);
    }
    if (Date.now() - changed > STALL_MS) {
      o.note(`postfix: no progress for ${STALL_MS / 1000} s with ${o.messages - sent - bounced} messages unsent; stopping the run`);
      break;
    }
  }
  const elapsedMs = Date.now() - t0;
  const usage = cpu();
  const mem = stopRss();
  read();
  const rc = await receiver.settle(sent);
  return {
    server: "postfix",
    messages: o.messages,
    delivered: sent,
    errors: deferred + bounced,
    elapsedMs,
    perSecond: (sent / elapsedMs) * 1000,
    firstDeliveryMs: firstSent === null ? null : firstSent - t0,
    peakRssKb: mem.rss,
    peakPssKb: mem.pss,
    cpu: usage,
    receiver: receiverRecord(rc),
    senderTls,
    meanMessageBytes: sized > 0 ? bytes / sized : 0,
    dnsQueries: null,
    firstErrors,
    warnings,
    handOff: null,
  };
}

