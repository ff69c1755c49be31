/**
 * `bench:outbound --via submission`'s rounds and report (the runs: outbound-pipeline.ts): per
 * round a signed and an unsigned batch, alternating which goes first; what signing costs as the
 * share of the rate (messages/s, from the first submission to the last delivery) and of the
 * server's CPU per message that the signed batch loses; the target met by the median round.
 */
import { checkMachine, median, note, out, table, verdict, writeJson } from "./common.ts";
import { Cleanup, startPeers } from "./outbound-peers.ts";
import { runSealpostPipeline, type PipelineRun } from "./outbound-pipeline.ts";

interface Options {
  messages: number;
  size: number;
  concurrency: number;
  rounds: number;
  json: boolean;
  /** Signing costs less than this share of the rate. */
  target: number;
  /** Run the servers with node --cpu-prof, the profiles written here. */
  profileDir: string | undefined;
}

export async function pipelineMain(o: Options): Promise<void> {
  await checkMachine();
  note(`${o.messages} messages × ${o.size} bytes submitted over port 587 and delivered, ${o.concurrency} at a time, ${o.rounds} round(s), signed and unsigned`);
  const cleanup = new Cleanup(note);
  const rounds: Array<{ signed: PipelineRun; unsigned: PipelineRun }> = [];
  try {
    const peers = await startPeers({ sender: false, concurrency: o.concurrency, cleanup, note });
    const opts = { peers, messages: o.messages, size: o.size, concurrency: o.concurrency, cleanup, note };
    for (let round = 0; round < o.rounds; round++) {
      const order = round % 2 === 1 ? [false, true] : [true, false];
      const got = new Map<boolean, PipelineRun>();
      for (const dkim of order) {
        note(`round ${round + 1}/${o.rounds}: ${dkim ? "signed" : "unsigned"}`);
        const r = await runSealpostPipeline({ ...opts, dkim, profileDir: o.profileDir });
        note(`${dkim ? "signed" : "unsigned"}: ${r.delivered}/${r.messages} delivered in ${(r.elapsedMs / 1000).toFixed(1)} s = ${r.perSecond.toFixed(1)} msg/s; server CPU ${r.serverCpuMsPerMessage.toFixed(2)} ms/msg`);
        got.set(dkim, r);
      }
      const signed = got.get(true);
      const unsigned = got.get(false);
      if (signed !== undefined && unsigned !== undefined) rounds.push({ signed, unsigned });
    }
  } finally {
    await cleanup.runAll();
  }
  const costs = rounds.map(({ signed, unsigned }) => ({
    rate: 1 - signed.perSecond / unsigned.perSecond,
    cpu: 1 - unsigned.serverCpuMsPerMessage / signed.serverCpuMsPerMessage,
  }));
  const rateCost = median(costs.map((c) => c.rate));
  const cpuCost = median(costs.map((c) => c.cpu));
  const complete = rounds.every((r) => [r.signed, r.unsigned].every((x) => x.accepted === x.messages && x.delivered === x.messages));
  if (o.json) {
    writeJson({ ...o, rounds, costs, rateCost, cpuCost, targetMet: rateCost < o.target, complete });
  } else {
    out(`${o.messages} messages of about ${o.size} bytes, submitted over port 587 (STARTTLS, AUTH PLAIN, one message per connection, ${o.concurrency} at a time) while the queue delivers them to a Postfix receiver (TLS level verify)\n`);
    out("signed: the account's domain is hosted with keys (ed25519 + rsa-2048 at the hand-off); unsigned: a hosted domain without keys\n\n");
    table(
      ["round", "batch", "msg/s", "elapsed s", "accepted", "delivered", "errors", "server CPU ms/msg", "server CPU", "receiver CPU", "bench CPU", "submit p50 ms"],
      rounds.flatMap(({ signed, unsigned }, i) =>
        [signed, unsigned].map((r) => [
          String(i + 1),
          r.dkim ? "signed" : "unsigned",
          r.perSecond.toFixed(1),
          (r.elapsedMs / 1000).toFixed(1),
          String(r.accepted),
          String(r.delivered),
          String(r.errors),
          r.serverCpuMsPerMessage.toFixed(2),
          `${r.cpu.sender.toFixed(0)}%`,
          `${r.cpu.receiver.toFixed(0)}%`,
          `${r.cpu.bench.toFixed(0)}%`,
          r.submitP50Ms.toFixed(1),
        ]),
      ),
    );
    for (const r of rounds.flatMap((x) => [x.signed, x.unsigned])) {
      if (r.firstErrors.length > 0) out(`first errors (${r.dkim ? "signed" : "unsigned"}): ${r.firstErrors.join(" | ")}\n`);
      if (r.warnings.length > 0) out(`first warnings (${r.dkim ? "signed" : "unsigned"}): ${r.warnings.join(" | ")}\n`);
    }
    out(`DKIM signing's cost per round: rate ${costs.map((c) => `${(c.rate * 100).toFixed(1)}%`).join(", ")}; server CPU per message ${costs.map((c) => `${(c.cpu * 100).toFixed(1)}%`).join(", ")}\n`);
    out(`DKIM signing costs ${(rateCost * 100).toFixed(1)}% of the rate and ${(cpuCost * 100).toFixed(1)}% of the server's CPU per message (medians of ${costs.length} round(s))\n`);
    out(`target (< ${o.target * 100}% of the rate): ${verdict(rateCost < o.target)}\n`);
    out(`every message accepted and delivered: ${complete ? "yes" : "NO"}\n`);
  }
  if (!complete) process.exitCode = 1;
}
