/**
 * `bench:outbound --via submission`: the whole way out, timed from the first submission to the last
 * delivery. Mail programs submit the batch over port 587 (STARTTLS and AUTH PLAIN per message, one
 * message per connection, `concurrency` at a time: smtp-load.ts) while the queue runs and delivers
 * it to the receiving Postfix (outbound-peers.ts) with TLS level verify, as outbound-targets.ts's
 * batch does. Sealpost signs at the hand-off (src/dkim), so this is where a signed batch (the
 * account in the hosted bench domain, with keys) and an unsigned one (an account in a hosted
 * domain without keys) differ by signing and by nothing else. Postfix has no part here: its
 * submission needs a SASL server (Dovecot) this machine does not have.
 */
import { addAccount } from "../src/directory/index.ts";
import { openStore } from "../src/store/index.ts";
import { RCPT } from "./outbound-peers.ts";
import { FROM } from "./outbound-fill.ts";
import { configure, cpuMeter, waitUntilTried, type OutboundRun, type RunOptions } from "./outbound-targets.ts";
import { startSealpostServer } from "./sealpost-target.ts";
import { runSmtpLoad } from "./smtp-load.ts";

/** A hosted domain without DKIM keys (as one hosted before Sealpost signed): its mail is not signed. */
const UNSIGNED_DOMAIN = "unsigned.example";
const PASSWORD = "bench-submission-pw";

export interface PipelineRun {
  dkim: boolean;
  messages: number;
  /** Submissions the server acknowledged with 250. */
  accepted: number;
  delivered: number;
  /** Failed submissions and deliveries not `delivered`. */
  errors: number;
  /** From the first submission until every accepted message has been tried. */
  elapsedMs: number;
  perSecond: number;
  /** The server's CPU per delivered message, ms (submission, signing, queue and delivery). */
  serverCpuMsPerMessage: number;
  cpu: OutboundRun["cpu"];
  submitP50Ms: number;
  firstErrors: string[];
  warnings: string[];
}

export async function runSealpostPipeline(o: RunOptions & { dkim: boolean; profileDir: string | undefined }): Promise<PipelineRun> {
  const user = o.dkim ? FROM : `bench@${UNSIGNED_DOMAIN}`;
  const server = await startSealpostServer({
    dirPrefix: "sealpost-pipeline-bench-",
    maxConnections: 1000,
    seed: async (dir) => {
      configure(dir, o);
      const store = await openStore(dir);
      try {
        if (!o.dkim) await store.db.insertInto("domains").values({ name: UNSIGNED_DOMAIN, mandatory_tls: 0, created_at: Date.now() }).execute();
        await addAccount(store.db, user, PASSWORD);
      } finally {
        await store.close();
      }
    },
    listeners: ["submission"],
    profileDir: o.profileDir,
    note: o.note,
  });
  const removeServer = o.cleanup.add("sealpost server", () => server.remove());
  try {
    const ctl = await openStore(server.dir);
    try {
      const cpu = cpuMeter(server.pid, o.peers.receiver.master);
      const t0 = Date.now();
      const load = await runSmtpLoad({
        host: "127.0.0.1",
        port: server.port("submission"),
        clients: o.concurrency,
        durationMs: 3_600_000,
        maxSessions: o.messages,
        messageBytes: o.size,
        rcpt: RCPT,
        from: user,
        ehloName: "client.bench.test",
        auth: { user, password: PASSWORD },
      });
      o.note(`sealpost (${o.dkim ? "signed" : "unsigned"}): ${load.messages} submitted in ${(load.elapsedMs / 1000).toFixed(1)} s (${load.errors} errors); waiting until every message has been tried`);
      // Every accepted message was committed to the queue before its 250: none untried is all tried.
      await waitUntilTried(ctl.db, o, t0);
      const elapsedMs = Date.now() - t0;
      const usage = cpu();
      const rows = await ctl.db
        .selectFrom("delivery_attempts")
        .select(["outcome"])
        .select((db) => [db.fn.countAll<number>().as("n"), db.fn.sum<number>("recipients").as("rcpts")])
        .groupBy("outcome")
        .execute();
      const delivered = rows.filter((r) => r.outcome === "delivered").reduce((a, r) => a + Number(r.rcpts), 0);
      const failedDeliveries = rows.filter((r) => r.outcome !== "delivered").reduce((a, r) => a + Number(r.n), 0);
      return {
        dkim: o.dkim,
        messages: o.messages,
        accepted: load.messages,
        delivered,
        errors: load.errors + failedDeliveries,
        elapsedMs,
        perSecond: (delivered / elapsedMs) * 1000,
        serverCpuMsPerMessage: ((usage.sender / 100) * elapsedMs) / Math.max(1, delivered),
        cpu: usage,
        submitP50Ms: load.p50Ms,
        firstErrors: load.firstErrors.slice(0, 5),
        warnings: server.problems.slice(0, 5),
      };
    } finally {
      await ctl.close();
    }
  } finally {
    await removeServer();
  }
}
