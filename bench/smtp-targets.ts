/**
 * The servers the SMTP benchmark drives: a Sealpost in a fresh temporary data directory, and a
 * local Postfix from `../shared/peers/postfix-peer.sh` (STARTTLS, Maildir delivery). Each is a
 * `Target`: started, sampled for memory while it runs, then finished with a count of what it
 * really stored, and stopped.
 */
import { join } from "node:path";
import { openStore } from "../src/store/index.ts";
import { sleep, type Note } from "./common.ts";
import { processTree, sampleRss, statusKb } from "./proc-stats.ts";
import { BENCH_DOMAIN, BENCH_HOSTNAME, CLI, livePid, peersScript, run, startSealpostServer } from "./sealpost-target.ts";
import type { SmtpLoadOptions } from "./smtp-load.ts";

export const POSTFIX = "/usr/sbin/postfix";
const POSTFIX_PORT = 12525;
/** How often both servers' memory is sampled (the same for both: sampling costs the machine CPU). */
const SAMPLE_MS = 250;

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

// ---- Sealpost ------------------------------------------------------------------------------

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

export async function startSealpost(opts: { clients: number; profileDir: string | undefined; note: Note; workers?: number; senderChecksDns?: string }): Promise<Target> {
  const server = await startSealpostServer({
    dirPrefix: "sealpost-bench-",
    maxConnections: Math.max(1000, opts.clients * 4),
    seed: async (dir) => {
      await run(process.execPath, [CLI, "user", "add", `sink@${BENCH_DOMAIN}`, "--data", dir], "bench-password-1\n");
    },
    listeners: ["mx"],
    profileDir: opts.profileDir,
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.senderChecksDns !== undefined ? { senderChecksDns: opts.senderChecksDns } : {}),
    note: opts.note,
  });
  const { pid, dir } = server;
  // With workers (`[process] workers`), the worker processes are the server's children.
  const multi = (opts.workers ?? 1) > 1;
  const stopRss = sampleRss(() => (multi ? processTree(pid) : [pid]), SAMPLE_MS, multi);
  return {
    name: "sealpost",
    root: pid,
    load: { host: "127.0.0.1", port: server.port("mx"), rcpt: `sink@${BENCH_DOMAIN}`, from: "load@client.test", ehloName: "client.test", servername: BENCH_HOSTNAME },
    async finish() {
      const sampled = stopRss();
      const peakRssKb = multi ? sampled.rss : Math.max(sampled.rss, statusKb(pid, "VmHWM"));
      await server.stop();
      const stored = await countStored(dir).catch((e: unknown) => {
        opts.note(`sealpost: could not count stored messages: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      });
      await server.remove();
      return { peakRssKb, peakPssKb: multi ? (sampled.pss ?? null) : null, stored };
    },
    abort: () => server.remove(),
  };
}

// ---- Postfix -------------------------------------------------------------------------------

export async function startPostfix(opts: { note: Note }): Promise<Target> {
  const script = peersScript("postfix-peer.sh");
  const pidFile = join(process.env["PEERS_DIR"] ?? "/tmp/peers", "postfix-modern.pid");
  const masterPid = (): number | null => livePid(pidFile);
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
    const stopRss = sampleRss(() => processTree(master), SAMPLE_MS, true);
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
