/**
 * `npm run bench:outbound`: delivers a batch of messages (5,000 × 10 KB) from the outbound queue
 * to a local receiver over STARTTLS with TLS level `verify` (certificate for mail.peer.test from a
 * test CA), 20 connections at a time, and prints messages/s, the elapsed time, the sender's peak
 * memory, errors and CPU; where Debian's Postfix is installed, the same batch through a local
 * Postfix relay (same receiver, level verify, destination concurrency 20) for a ratio. Target:
 * at least Postfix's rate. Sealpost's batch runs twice: From in the hosted bench domain, so every
 * message is DKIM-signed (Ed25519 and RSA-2048, src/dkim) as it is queued, and From in a domain
 * it does not host, unsigned: what signing costs (issue 15's target: less than 10% of the rate).
 *
 * Sealpost signs at the hand-off, not at delivery, so the delivery's timer alone would not see
 * signing at all. The cost is counted in CPU, the resource a busy sender runs out of: per message,
 * S = the hand-off's signing step (timed as the queue is filled, signed batch minus unsigned
 * batch: the step also runs, finding no key, for the unsigned one) and D = the sender's CPU per
 * delivered message (signed: D_s, the messages longer by their signatures; unsigned: D_u). A
 * sender bound by its CPU that signs what it sends keeps 1/(S + D_s) messages per CPU-second
 * against 1/D_u: signing costs 1 − D_u/(S + D_s) of the rate, per round; the target is met by the
 * median round.
 *
 * Both senders deliver to one Postfix `modern` instance that discards what it accepts
 * (PF_DELIVERY=discard): no Maildir writes, so the receiver costs as little as it can. Each run
 * first queues the whole batch with delivery held (Sealpost: queue paused, filled through the
 * store before the server starts; Postfix: every message put on hold as it arrives), then times
 * from the release (Sealpost: the pause flag cleared; Postfix: `postsuper -H ALL` +
 * `postqueue -f`) until every message has been tried (Sealpost: no untried queue row left;
 * Postfix: a status=sent line per message). See outbound-targets.ts and outbound-peers.ts.
 *
 * `--via submission` times the whole way out instead (outbound-pipeline.ts): the batch submitted
 * over port 587 by mail programs (STARTTLS, AUTH, one message per connection) while the queue
 * delivers it, signed and unsigned, Sealpost only; signing's cost there is the share of the rate
 * and of the server's CPU per message the signed batch loses.
 *
 *   node bench/outbound.ts [--messages 5000] [--size 10240] [--concurrency 20] [--rounds 1]
 *                          [--via store|submission] [--no-postfix] [--no-unsigned] [--json] [--profile DIR]
 *   --no-unsigned: skip Sealpost's unsigned batch (no figure for what DKIM signing costs).
 *   --rounds R:  R batches per server, alternating which server goes first.
 *   --profile D: run Sealpost with node --cpu-prof, the profile written to D at exit
 *                (summarise it with `node bench/cpuprof.ts D/*.cpuprofile`).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkMachine, cores, fmtPct, fmtRss, intFlag, median, note, out, runMain, speedRatio, table, verdict, writeJson } from "./common.ts";
import { Cleanup, POSTFIX, startPeers } from "./outbound-peers.ts";
import { pipelineMain } from "./outbound-pipeline-report.ts";
import { runPostfix, runSealpost, type OutboundRun } from "./outbound-targets.ts";

const { values: flags } = parseArgs({
  options: {
    messages: { type: "string", default: "5000" },
    size: { type: "string", default: "10240" },
    concurrency: { type: "string", default: "20" },
    rounds: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
    "no-postfix": { type: "boolean", default: false },
    "no-unsigned": { type: "boolean", default: false },
    profile: { type: "string" },
    via: { type: "string", default: "store" },
  },
});
if (flags.via !== "store" && flags.via !== "submission") throw new Error(`--via ${flags.via}: "store" or "submission"`);
const messages = intFlag("messages", flags.messages, 1, 1_000_000);
const size = intFlag("size", flags.size, 1024, 50_000_000);
const concurrency = intFlag("concurrency", flags.concurrency, 1, 1000);
const rounds = intFlag("rounds", flags.rounds, 1, 100);
/** Sealpost's batch with From in a domain it does not host: nothing signed. */
const UNSIGNED = "sealpost unsigned";
/** Issue 15: signing costs less than this share of the rate. */
const DKIM_TARGET = 0.1;

/** One server's rounds together. */
interface Summary {
  server: string;
  runs: OutboundRun[];
  messages: number;
  delivered: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  peakRssKb: number;
  peakPssKb: number | null;
  /** % of one core, time-weighted over the rounds. */
  cpu: OutboundRun["cpu"];
}

function summarise(server: string, runs: OutboundRun[]): Summary {
  const sum = (f: (r: OutboundRun) => number): number => runs.reduce((a, r) => a + f(r), 0);
  const elapsedMs = sum((r) => r.elapsedMs);
  const weighted = (f: (r: OutboundRun) => number): number => (elapsedMs > 0 ? sum((r) => f(r) * r.elapsedMs) / elapsedMs : 0);
  const psses = runs.map((r) => r.peakPssKb).filter((p) => p !== null);
  return {
    server,
    runs,
    messages: sum((r) => r.messages),
    delivered: sum((r) => r.delivered),
    errors: sum((r) => r.errors),
    elapsedMs,
    perSecond: elapsedMs > 0 ? (sum((r) => r.delivered) / elapsedMs) * 1000 : 0,
    peakRssKb: Math.max(0, ...runs.map((r) => r.peakRssKb)),
    peakPssKb: psses.length > 0 ? Math.max(...psses) : null,
    cpu: { sender: weighted((r) => r.cpu.sender), receiver: weighted((r) => r.cpu.receiver), machine: weighted((r) => r.cpu.machine), bench: weighted((r) => r.cpu.bench) },
  };
}

/** One round's figures for what signing costs (see the head of this file). */
interface SigningCost {
  signedStepMs: number;
  unsignedStepMs: number;
  /** S: the signing step's CPU per message, signed minus unsigned. */
  signMs: number;
  deliverSignedMs: number;
  deliverUnsignedMs: number;
  signedRate: number;
  unsignedRate: number;
  /** 1 − D_u/(S + D_s). */
  cost: number;
}

/** The sender's CPU per delivered message, ms. */
const senderCpuMs = (r: OutboundRun): number => ((r.cpu.sender / 100) * r.elapsedMs) / Math.max(1, r.delivered);

function signingCosts(signed: readonly OutboundRun[], unsigned: readonly OutboundRun[]): SigningCost[] {
  return signed.flatMap((s, i) => {
    const u = unsigned[i];
    if (u === undefined || s.handOff === null || u.handOff === null) return [];
    const signMs = Math.max(0, s.handOff.cpuMsPerMessage - u.handOff.cpuMsPerMessage);
    const deliverSignedMs = senderCpuMs(s);
    const deliverUnsignedMs = senderCpuMs(u);
    return [{
      signedStepMs: s.handOff.cpuMsPerMessage,
      unsignedStepMs: u.handOff.cpuMsPerMessage,
      signMs,
      deliverSignedMs,
      deliverUnsignedMs,
      signedRate: s.perSecond,
      unsignedRate: u.perSecond,
      cost: 1 - deliverUnsignedMs / (signMs + deliverSignedMs),
    }];
  });
}

// ---- report --------------------------------------------------------------------------------

const entries = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ×${v}`).join("; ") || "none";

function printReport(summaries: Summary[], postfixNote: string | null, receiverPort: number): void {
  out(`${messages} messages of ${size} bytes, ${concurrency} concurrent deliveries, STARTTLS with TLS level verify, ${rounds} round(s) per server\n`);
  if (summaries.some((s) => s.server === UNSIGNED)) out(`sealpost: From in the hosted domain, every message DKIM-signed (ed25519 and rsa-sha256) as it was queued; ${UNSIGNED}: From in a domain it does not host, nothing signed\n`);
  out(`receiver: one Postfix 'modern' on 127.0.0.1:${receiverPort} (TLS 1.2+), PF_DELIVERY=discard: it queues and drops each message, no Maildir, so it is not the bottleneck (its CPU is shown)\n\n`);
  table(
    ["sender", "msg/s", "elapsed s", "delivered", "errors", "peak RSS", "sender CPU", "receiver CPU", "bench CPU", "other CPU", "TLS conns"],
    summaries.map((s) => [
      s.server,
      s.perSecond.toFixed(1),
      (s.elapsedMs / 1000).toFixed(1),
      `${s.delivered}/${s.messages}`,
      String(s.errors),
      fmtRss(s.peakRssKb, s.peakPssKb, 1),
      fmtPct(s.cpu.sender),
      fmtPct(s.cpu.receiver),
      fmtPct(s.cpu.bench),
      fmtPct(s.cpu.machine - s.cpu.sender - s.cpu.receiver - s.cpu.bench),
      String(s.runs.reduce((a, r) => a + r.receiver.tlsHandshakes, 0)),
    ]),
  );
  out(`(CPU as % of one core, ${cores} cores; 'bench CPU' = this script with the DNS fixture; 'TLS conns' = handshakes the receiver logged)\n`);
  for (const s of summaries) {
    out(`${s.server}:\n`);
    if (s.runs.length > 1) out(`  per round: ${s.runs.map((r) => `${r.perSecond.toFixed(1)} msg/s`).join(", ")}\n`);
    for (const r of s.runs.slice(0, 1)) {
      out(`  sender's TLS record: ${entries(r.senderTls)}\n`);
      out(`  receiver: ${r.receiver.connections} connections, ${r.receiver.received} messages accepted; TLS ${entries(r.receiver.tls)}\n`);
      const first = r.firstDeliveryMs === null ? "none" : `${(r.firstDeliveryMs / 1000).toFixed(2)} s after the release`;
      out(`  mean message ${r.meanMessageBytes.toFixed(0)} bytes on the wire; first delivery done ${first}`);
      if (r.firstDeliveryMs !== null && r.delivered > 1 && r.elapsedMs > r.firstDeliveryMs) {
        out(` (${(((r.delivered - 1) / (r.elapsedMs - r.firstDeliveryMs)) * 1000).toFixed(1)} msg/s from there on)`);
      }
      out("\n");
      if (r.dnsQueries !== null) out(`  DNS questions answered by the fixture: ${r.dnsQueries} (${(r.dnsQueries / Math.max(1, r.messages)).toFixed(1)} per message)\n`);
    }
    const errs = s.runs.flatMap((r) => r.firstErrors).slice(0, 5);
    if (errs.length > 0) out(`  first errors:\n    ${errs.join("\n    ")}\n`);
    const warns = s.runs.flatMap((r) => r.warnings).slice(0, 5);
    if (warns.length > 0) out(`  first warnings in its log:\n    ${warns.join("\n    ")}\n`);
  }
  if (postfixNote !== null) out(`note: ${postfixNote}\n`);
}

async function main(): Promise<void> {
  await checkMachine();
  let postfixNote: string | null = null;
  if (flags["no-postfix"]) postfixNote = "Postfix skipped (--no-postfix)";
  else if (!existsSync(POSTFIX)) postfixNote = `Postfix not installed (${POSTFIX}): Sealpost only`;
  const withPostfix = postfixNote === null;
  note(`${messages} messages × ${size} bytes, concurrency ${concurrency}, ${rounds} round(s)${withPostfix ? ", Sealpost and Postfix" : ", Sealpost only"}`);

  const cleanup = new Cleanup(note);
  const onSignal = (signal: string): void => {
    note(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let summaries: Summary[];
  let receiverPort: number;
  try {
    const peers = await startPeers({ sender: withPostfix, concurrency, cleanup, note });
    receiverPort = peers.receiver.port;
    const opts = { peers, messages, size, concurrency, cleanup, note };
    const servers: Array<{ name: string; run: () => Promise<OutboundRun> }> = [{ name: "sealpost", run: () => runSealpost({ ...opts, profileDir: flags.profile, dkim: true }) }];
    if (!flags["no-unsigned"]) servers.push({ name: UNSIGNED, run: () => runSealpost({ ...opts, profileDir: flags.profile, dkim: false }) });
    if (withPostfix) servers.push({ name: "postfix", run: () => runPostfix(opts) });
    const results = new Map<string, OutboundRun[]>(servers.map((s) => [s.name, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 1 ? [...servers].reverse() : servers; // A B, B A, … so neither always goes first
      for (const s of order) {
        note(`round ${round + 1}/${rounds}: ${s.name}`);
        const r = await s.run();
        note(`${s.name}: ${r.delivered}/${r.messages} delivered in ${(r.elapsedMs / 1000).toFixed(1)} s = ${r.perSecond.toFixed(1)} msg/s, ${r.errors} errors`);
        results.get(s.name)?.push(r);
      }
    }
    summaries = servers.map((s) => summarise(s.name, results.get(s.name) ?? []));
  } finally {
    await cleanup.runAll();
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
  }

  const sp = summaries.find((s) => s.server === "sealpost");
  const pf = summaries.find((s) => s.server === "postfix");
  const unsigned = summaries.find((s) => s.server === UNSIGNED);
  const ratio = speedRatio(sp?.perSecond, pf?.perSecond);
  const costs = sp !== undefined && unsigned !== undefined ? signingCosts(sp.runs, unsigned.runs) : [];
  const dkimCost = costs.length > 0 ? median(costs.map((c) => c.cost)) : null;
  const complete = summaries.every((s) => s.delivered === s.messages && s.runs.every((r) => r.receiver.received >= r.delivered));
  if (flags.json) {
    writeJson({ messages, size, concurrency, rounds, results: summaries, ratio, targetMet: ratio !== null ? ratio >= 1 : null, dkimCosts: costs, dkimCost, dkimTargetMet: dkimCost !== null ? dkimCost < DKIM_TARGET : null, complete, note: postfixNote });
  } else {
    printReport(summaries, postfixNote, receiverPort);
    if (ratio !== null) {
      out(`sealpost/postfix messages/s: ${ratio.toFixed(2)}×\n`);
      out(`target (≥ Postfix's rate): ${verdict(ratio >= 1)}\n`);
    }
    if (dkimCost !== null && sp !== undefined && unsigned !== undefined) {
      out(`DKIM signing (ed25519 + rsa-2048 per message, at the hand-off), per round:\n`);
      for (const [i, c] of costs.entries()) {
        out(
          `  round ${i + 1}: signing step S ${c.signMs.toFixed(3)} ms CPU/msg (${c.signedStepMs.toFixed(3)} signed − ${c.unsignedStepMs.toFixed(3)} unsigned); ` +
            `delivery D_s ${c.deliverSignedMs.toFixed(3)}, D_u ${c.deliverUnsignedMs.toFixed(3)} ms sender CPU/msg; ` +
            `delivery ${c.signedRate.toFixed(1)} msg/s signed, ${c.unsignedRate.toFixed(1)} unsigned → signing costs ${(c.cost * 100).toFixed(1)}% of the rate\n`,
        );
      }
      out(`DKIM signing costs ${(dkimCost * 100).toFixed(1)}% of the rate (median of ${costs.length} round(s); 1 − D_u/(S + D_s))\n`);
      out(`target (< ${DKIM_TARGET * 100}%): ${verdict(dkimCost < DKIM_TARGET)}\n`);
    }
    out(`every message delivered and seen by the receiver: ${complete ? "yes" : "NO"}\n`);
  }
  if (!complete) process.exitCode = 1;
}

runMain(flags.via === "submission" ? () => pipelineMain({ messages, size, concurrency, rounds, json: flags.json, target: DKIM_TARGET, profileDir: flags.profile }) : main);
