/**
 * One delivery job: one message's recipients in one destination domain. Finds the hosts (relay
 * next hop, or MX per RFC 5321 §5.1 with null MX per RFC 7505), applies the TLS level, tries hosts
 * in order until one answers the mail transaction, and says per recipient what happened. Every
 * connection is returned as an attempt record. Never falls back to plaintext when the level
 * requires TLS; under `may`, a failed TLS handshake is retried in plaintext on the same host
 * (RFC 7435 §4.1), and the record says why. With a connection cache (connection-cache.ts) a
 * clean session is kept for the next job to the same host under the same TLS requirement. With
 * DANE lookups (RFC 7672 §2.2), a domain whose MX RRset is DNSSEC-validated has its hosts' TLSA
 * records looked up, and each host gets the level DANE gives it (policy.ts `withDane`); a host
 * whose lookups failed is not tried. A REQUIRETLS message (RFC 8689 §4.2.1) goes only to an
 * authenticated MX host (a DNSSEC-validated MX RRset, or an enforced MTA-STS policy naming it),
 * over TLS with a verified certificate, to a server that offers REQUIRETLS; when no host meets that,
 * it is returned at once (5.7.30).
 */
import { isIP } from "node:net";
import type { DeliveryProblem } from "../bounce/index.ts";
import type { DaneLookup, HostDane } from "../dane/index.ts";
import type { TlsRequired } from "../queue/index.ts";
import { destinationHosts, DnsError, type Resolver } from "../dns/index.ts";
import { mxMatches } from "../mta-sts/index.ts";
import { deliver, type DeliveryRequest, type DeliveryResult } from "../smtp-client/index.ts";
import type { ConnectionCache } from "./connection-cache.ts";
import { policyNote, tlsRequirement, withDane, withoutMtaSts, withRequireTls, type LevelChoice, type PolicyNote, type RelayRoute } from "./policy.ts";

export interface Job {
  queueId: string;
  domain: string;
  from: string;
  recipients: string[];
  message: Buffer;
  /** The message's RFC 8689 tag: "requiretls" is honoured here, "no" by the caller's level (policy.ts `withTlsOptional`). */
  tlsRequired?: TlsRequired | null;
}

export type RecipientOutcome =
  | { kind: "delivered"; reply: string; mx: string }
  | { kind: "failed" | "deferred"; problem: DeliveryProblem; reply: string | null; mx: string | null };

export interface AttemptRecord {
  time: number;
  mxHost: string | null;
  address: string | null;
  port: number | null;
  starttlsOffered: boolean | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  certVerdict: string | null;
  outcome: "delivered" | "deferred" | "bounced" | "tls-fallback";
  recipients: number;
  reply: string | null;
  problem: DeliveryProblem | null;
  /** The attempt ran on a connection kept from an earlier one (in memory and logs only; not stored). */
  reused: boolean;
  /** The connection's id (src/log), as in the log lines; null when no connection was tried. */
  session: string | null;
  /** The level the attempt ran under: DANE gives each host its own. */
  policy: PolicyNote;
}

interface JobResult {
  outcomes: Map<string, RecipientOutcome>;
  attempts: AttemptRecord[];
  /** The domain's level: the context's, without MTA-STS where DANE applies. */
  choice: LevelChoice;
}

export interface JobContext {
  resolver: Resolver;
  heloName: string;
  remotePort: number;
  ca: readonly string[];
  connectTimeoutMs: number;
  choice: LevelChoice;
  relay: RelayRoute | null;
  signal?: AbortSignal;
  /** Kept connections to reuse (and to keep this job's in); none: a new connection per attempt. */
  connections?: ConnectionCache;
  /** Test seam for the SMTP client; the real one (through `connections`, if given) by default. */
  send?: (req: DeliveryRequest) => Promise<DeliveryResult>;
  /** DANE lookups through trusted validating resolvers (RFC 7672); absent: DANE is off. Never for a relay route. */
  dane?: DaneLookup;
}

/** TLS policy failures: under verify-once they return the message at once (the notices' sender). */
const TLS_FAILURE = new Set<DeliveryProblem["kind"]>(["no-starttls", "tls-version", "weak-cipher", "tls-handshake", "certificate", "requiretls"]);
/** TLS failures after which `may` retries the same host in plaintext. */
const MAY_FALLBACK = new Set<DeliveryProblem["kind"]>(["tls-version", "weak-cipher", "tls-handshake"]);
/** At most this many addresses per host name, like Postfix's smtp_mx_address_limit spread over hosts. */
const ADDRESSES_PER_HOST = 2;

export async function deliverJob(job: Job, ctx: JobContext): Promise<JobResult> {
  const attempts: AttemptRecord[] = [];
  let choice = ctx.choice;
  const requireTls = job.tlsRequired === "requiretls";
  const all = (o: RecipientOutcome): JobResult => ({ outcomes: new Map(job.recipients.map((r) => [r, o])), attempts, choice });
  const deferAll = (problem: DeliveryProblem, mx: string | null = null): JobResult => {
    attempts.push(record(null, "deferred", job.recipients.length, problem, policyNote(choice)));
    return all({ kind: "deferred", problem, reply: null, mx });
  };
  const failAll = (problem: DeliveryProblem, mx: string | null = null, reply: string | null = null): JobResult => {
    attempts.push(record(mx, "bounced", job.recipients.length, problem, policyNote(choice), reply));
    return all({ kind: "failed", problem, reply, mx });
  };

  let hosts: Array<{ host: string; port: number }>;
  /** Per MX host, what DANE makes of it; null: DANE does not apply to the domain. */
  let dane: Map<string, HostDane> | null = null;
  /**
   * RFC 8689 §4.2.1: the hosts are the right ones — named by the operator (a relay route), by a
   * DNSSEC-validated MX RRset, by an enforced MTA-STS policy, or the domain itself (implicit MX,
   * whose certificate must then name the recipient's own domain).
   */
  let authentic = true;
  if (ctx.relay !== null) {
    hosts = [{ host: ctx.relay.host, port: ctx.relay.port }];
  } else {
    try {
      const [dest, mxSecure] = await Promise.all([destinationHosts(job.domain, ctx.resolver), ctx.dane?.mxSecure(job.domain) ?? false]);
      if (dest.kind === "null-mx") return failAll({ kind: "null-mx", domain: job.domain });
      if (dest.kind === "not-found") return failAll({ kind: "no-such-domain", domain: job.domain });
      hosts = dest.hosts.map((h) => ({ host: h.host, port: ctx.remotePort }));
      authentic = mxSecure || dest.hosts.every((h) => h.implicit);
      // RFC 7672 §2.2.1: only a secure MX RRset's hosts have their TLSA records looked up.
      if (mxSecure && ctx.dane !== undefined) dane = await daneHosts(ctx.dane, hosts);
    } catch (e) {
      return deferAll({ kind: "dns", domain: job.domain, detail: errorText(e) });
    }
    if (dane !== null) choice = withoutMtaSts(choice);
    const patterns = choice.mxPatterns;
    if (patterns !== null) {
      const allowed = hosts.filter((h) => patterns.some((p) => mxMatches(p, h.host)));
      // RFC 8461 §4.1: MX hosts the enforced policy does not name are not used.
      if (allowed.length === 0) return deferAll({ kind: "mta-sts-mismatch", host: hosts[0]?.host ?? job.domain, patterns }, hosts[0]?.host ?? null);
      hosts = allowed;
      authentic = true;
    }
  }
  if (requireTls) {
    choice = withRequireTls(choice);
    // RFC 8689 §4.2.1: no authenticated MX host, no delivery: the message goes back at once (5.7.30).
    if (!authentic) return failAll({ kind: "requiretls", host: hosts[0]?.host ?? job.domain, reason: "mx-unauthenticated", tls: null }, hosts[0]?.host ?? null);
  }

  const cache = ctx.connections;
  const send = ctx.send ?? (cache !== undefined ? (req: DeliveryRequest) => cache.deliver(req) : deliver);
  let last: DeliveryProblem | null = null;
  let lastHost: string | null = null;
  /** A host failed for something other than TLS (DNS, the connection …): it may take the message later. */
  let otherTrouble = false;
  for (const { host, port } of hosts) {
    const hostDane = dane?.get(host);
    if (hostDane?.kind === "unavailable") {
      // RFC 7672 §2.2: without its TLSA records a DANE host's connection cannot be judged: not tried.
      last = { kind: "dane-lookup", host, detail: hostDane.detail };
      lastHost = host;
      otherTrouble = true;
      continue;
    }
    const level = hostDane === undefined ? choice : withDane(choice, hostDane);
    let addresses: string[];
    try {
      addresses = isIP(host) !== 0 ? [host] : (await ctx.resolver.addresses(host)).slice(0, ADDRESSES_PER_HOST);
    } catch (e) {
      last = { kind: "dns", domain: host, detail: errorText(e) };
      otherTrouble = true;
      continue;
    }
    if (addresses.length === 0) {
      last = { kind: "dns", domain: host, detail: "no address records" };
      otherTrouble = true;
    }
    for (const address of addresses) {
      if (ctx.signal?.aborted === true) return deferAll({ kind: "protocol", host, detail: "the server is shutting down" }, host);
      const base: Omit<DeliveryRequest, "tls"> = {
        host,
        address,
        port,
        heloName: ctx.heloName,
        from: job.from,
        recipients: job.recipients,
        message: job.message,
        timeouts: { connectMs: ctx.connectTimeoutMs },
        ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}),
      };
      const note = policyNote(level);
      let res = await send({ ...base, tls: tlsRequirement(level, host, ctx.ca) });
      const p = res.problem;
      if (p !== null && TLS_FAILURE.has(p.kind)) {
        if (level.level === "verify-once") {
          // One connection, then back to the sender: no other host, no retry.
          attempts.push(fromResult(res, "bounced", job.recipients.length, note));
          return all({ kind: "failed", problem: requireTls ? requireTlsProblem(p) : p, reply: null, mx: host });
        }
        if (level.level === "may" && MAY_FALLBACK.has(p.kind)) {
          attempts.push(fromResult(res, "tls-fallback", job.recipients.length, note));
          res = await send({ ...base, tls: { starttls: "never", verify: null } });
        }
      }
      const problem = res.problem;
      // Anything before MAIL FROM — connection, greeting (even 5xx, like Postfix's
      // smtp_skip_5xx_greeting), EHLO, STARTTLS, TLS — says nothing about the message: next host.
      if (problem !== null && !res.mailStarted) {
        attempts.push(fromResult(res, "deferred", job.recipients.length, note));
        last = problem;
        lastHost = host;
        if (!TLS_FAILURE.has(problem.kind)) otherTrouble = true;
        continue;
      }
      return { ...finish(job, res, attempts, note), choice };
    }
  }
  const lastAttempt = attempts[attempts.length - 1];
  if (requireTls && !otherTrouble && last !== null && TLS_FAILURE.has(last.kind) && lastAttempt !== undefined) {
    // RFC 8689 §4.2.1: every host was reached and none could take the message as REQUIRETLS asks
    // (verified TLS, REQUIRETLS offered): returned at once with 5.7.30, never sent with less.
    lastAttempt.outcome = "bounced";
    return all({ kind: "failed", problem: requireTlsProblem(last), reply: null, mx: lastHost });
  }
  const problem: DeliveryProblem = last ?? { kind: "connect", host: lastHost ?? job.domain, detail: "no host could be reached" };
  // Every host refused service for good (5xx greetings): that is the answer; anything else waits.
  const kind = problem.kind === "rejected" && problem.permanent ? "failed" : "deferred";
  // Every connection made is already on record; a synthetic record only when none was made.
  if (attempts.length === 0) return kind === "failed" ? failAll(problem, lastHost) : deferAll(problem, lastHost);
  return all({ kind, problem, reply: problem.kind === "rejected" ? problem.reply : null, mx: lastHost });
}

/** A TLS failure of a REQUIRETLS message as what it means for the message (RFC 8689 §4.2.1). */
function requireTlsProblem(p: DeliveryProblem): DeliveryProblem {
  if (p.kind === "requiretls") return p;
  return { kind: "requiretls", host: "host" in p ? p.host : "", reason: "tls", tls: p };
}

/** RFC 7672 §2.2.2/§2.2.3 for every host at once; null when DANE applies to none of them. */
async function daneHosts(lookup: DaneLookup, hosts: ReadonlyArray<{ host: string; port: number }>): Promise<Map<string, HostDane> | null> {
  const found = await Promise.all(hosts.map(async (h) => [h.host, await lookup.host(h.host, h.port)] as const));
  return found.some(([, d]) => d.kind !== "none") ? new Map(found) : null;
}

/** The host answered the mail transaction: per-recipient outcomes from its replies. */
function finish(job: Job, res: DeliveryResult, attempts: AttemptRecord[], policy: PolicyNote): Omit<JobResult, "choice"> {
  const outcomes = new Map<string, RecipientOutcome>();
  const byAddress = new Map(res.recipients.map((r) => [r.address, r]));
  let delivered = 0;
  let failed = 0;
  for (const address of job.recipients) {
    const r = byAddress.get(address);
    if (r?.delivered === true) {
      outcomes.set(address, { kind: "delivered", reply: r.reply, mx: res.host });
      delivered++;
      continue;
    }
    // Refused at RCPT: that reply decides; accepted but the transaction failed: the transaction's problem.
    const refused = r !== undefined && !r.accepted;
    const problem: DeliveryProblem = refused
      ? { kind: "rejected", host: res.host, reply: r.reply, permanent: r.permanent }
      : (res.problem ?? { kind: "protocol", host: res.host, detail: "the server did not confirm the message" });
    const permanent = refused ? r.permanent : res.permanent;
    if (permanent) failed++;
    outcomes.set(address, { kind: permanent ? "failed" : "deferred", problem, reply: refused ? r.reply : replyOf(problem), mx: res.host });
  }
  const outcome = delivered > 0 ? "delivered" : failed > 0 ? "bounced" : "deferred";
  attempts.push(fromResult(res, outcome, job.recipients.length, policy));
  return { outcomes, attempts };
}

function replyOf(p: DeliveryProblem): string | null {
  return p.kind === "rejected" ? p.reply : null;
}

function fromResult(res: DeliveryResult, outcome: AttemptRecord["outcome"], recipients: number, policy: PolicyNote): AttemptRecord {
  const tls = res.tls;
  const cert = tls?.certificate;
  let verdict: string | null = null;
  // "dane-ee"/"dane-ta" when TLSA records authenticated it, "ok" when the PKI did.
  if (cert !== undefined) verdict = !cert.checked ? "not checked" : cert.ok ? (cert.by ?? "ok") : `${cert.problem}: ${cert.detail}`;
  if (res.problem?.kind === "certificate") verdict = `${res.problem.problem}: ${res.problem.detail}`;
  // A recipient refused at RCPT has its reply; one never offered (code 0: no connection, no MAIL) has none.
  const refused = res.recipients.find((r) => !r.accepted && r.code !== 0);
  const reply = res.problem?.kind === "rejected" ? res.problem.reply : (res.recipients.find((r) => r.delivered)?.reply ?? refused?.reply ?? null);
  return {
    time: Date.now(),
    mxHost: res.host,
    address: res.address,
    port: res.port,
    starttlsOffered: res.starttlsOffered,
    tlsVersion: tls?.version ?? null,
    tlsCipher: tls?.cipher ?? null,
    certVerdict: verdict,
    outcome,
    recipients,
    reply,
    problem: res.problem,
    reused: res.reused === true,
    session: res.session ?? null,
    policy,
  };
}

/** An attempt without a connection: no host could be tried. */
function record(mxHost: string | null, outcome: AttemptRecord["outcome"], recipients: number, problem: DeliveryProblem, policy: PolicyNote, reply: string | null = null): AttemptRecord {
  return { time: Date.now(), mxHost, address: null, port: null, starttlsOffered: null, tlsVersion: null, tlsCipher: null, certVerdict: null, outcome, recipients, reply, problem, reused: false, session: null, policy };
}

function errorText(e: unknown): string {
  if (e instanceof DnsError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
