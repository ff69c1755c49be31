/**
 * The queue runner: picks due recipients, groups them per message and destination into jobs, runs
 * jobs concurrently (bounded overall and per destination), and commits each job's outcome with
 * its attempt records in one transaction. Temporary failures are retried with Postfix's backoff
 * (min_backoff doubling to max_backoff); past the lifetime, or on a permanent failure, the
 * recipient is returned to the sender with a DSN. Nothing is marked delivered before the remote
 * 250, and nothing acknowledged is lost: a SIGKILL at any point leaves pending rows that the next
 * start delivers (at worst twice, if it came between the remote 250 and our commit). Recipients are
 * claimed with leases (leases.ts) before they are delivered, so several nodes on one database share
 * the queue without delivering a recipient twice.
 */
import type { Config } from "../config/index.ts";
import type { DeliveryProblem } from "../bounce/index.ts";
import type { DaneLookup } from "../dane/index.ts";
import { signForQueue } from "../dkim/index.ts";
import type { Resolver } from "../dns/index.ts";
import type { MtaStsCache } from "../mta-sts/index.ts";
import { isPaused, tlsRequiredOf } from "../queue/index.ts";
import type { Transaction } from "kysely";
import { deliverMessage, StorageFullError, type Database, type Store } from "../store/index.ts";
import type { Logger } from "../log/index.ts";
import { ConnectionCache } from "./connection-cache.ts";
import { deliverJob, type AttemptRecord, type Job, type JobContext, type RecipientOutcome } from "./deliver-job.ts";
import { configuredLevel, relayRoute, withMtaSts, withTlsOptional, type LevelChoice } from "./policy.ts";
import { returnToSender, type Bounced, type PendingDsn } from "./bounces.ts";
import { recordAttempts } from "./attempts.ts";
import { humanDuration, problemLine } from "./problem-line.ts";
import { Leases, type DueRow } from "./leases.ts";

interface RunnerOptions {
  store: Store;
  config: () => Config;
  resolver: () => Resolver;
  mtaSts: () => MtaStsCache;
  /** DANE lookups through trusted validating resolvers, or null: DANE is off. */
  dane?: () => DaneLookup | null;
  ca: () => readonly string[];
  log: Logger;
  /** This node's id (src/cluster `nodeId`): the owner of its claims on queued recipients. */
  owner: string;
  /** How long a claim on queued recipients holds without renewal, ms (leases.ts; shorter in tests). */
  leaseMs?: number;
  /** How often due messages are looked for when nothing wakes the runner, ms. */
  pollMs?: number;
  send?: JobContext["send"];
  /** Told of every committed attempt and every message handed over (the metrics count them). */
  observer?: DeliveryObserver;
  /**
   * Whether something besides the operator's `queue pause` holds delivery now (an open maintenance
   * window): asked before every look at the queue, so it must answer from memory. The holder wakes
   * the runner when it lets go.
   */
  held?: () => boolean;
}

/** What the metrics learn of deliveries: no addresses, no host names. */
export interface DeliveryObserver {
  /** One connection's attempt: its outcome, the TLS level it ran under, the TLS version it got (null: none). */
  attempted(outcome: AttemptRecord["outcome"], level: LevelChoice["level"], tlsVersion: string | null): void;
  /** A message went out: a remote server took at least one of its recipients for one destination. */
  sent(): void;
}

export class QueueRunner {
  readonly #o: RunnerOptions;
  readonly #inFlight = new Set<string>();
  readonly #perDomain = new Map<string, number>();
  readonly #jobs = new Set<Promise<void>>();
  readonly #leases: Leases;
  /** Rows claimed by jobs in progress: their claims are renewed every quarter of a lease. */
  readonly #claimed = new Set<number>();
  #renewal: NodeJS.Timeout | null = null;
  readonly #abort = new AbortController();
  /** SMTP sessions kept between jobs (connection-cache.ts); all closed by `stop`. */
  readonly #connections: ConnectionCache;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #again = false;
  /** Destinations with due mail, as of the last full look (refreshed by the timer and by enqueues). */
  #domains: string[] = [];
  #refresh = true;
  #stopped = false;

  constructor(o: RunnerOptions) {
    this.#o = o;
    this.#leases = new Leases(o.store.db, o.owner, o.leaseMs);
    this.#connections = new ConnectionCache({ perKey: o.config().queue.per_destination });
  }

  /**
   * Gives back what this node had claimed before it last stopped (a SIGKILL leaves claims behind),
   * then looks for due work every `pollMs` and renews the claims of deliveries in progress.
   */
  start(): void {
    const every = this.#o.pollMs ?? 500;
    this.#renewal = setInterval(() => {
      this.#leases.renew([...this.#claimed], Date.now()).catch((e: unknown) => this.#o.log.warn("could not renew the claims of deliveries in progress", e));
    }, this.#leases.leaseMs / 4);
    this.#renewal.unref();
    this.#leases
      .release()
      .catch((e: unknown) => this.#o.log.warn("could not give back this node's earlier claims on queued mail", e))
      .finally(() => {
        if (this.#stopped) return;
        this.#timer = setInterval(() => this.wake(true), every);
        this.#timer.unref();
        this.wake();
      });
  }

  /**
   * Look for due work now. `refresh` (the timer, an enqueue) re-reads which destinations have due
   * mail; a finished job only refills the destinations already known.
   */
  wake(refresh = true): void {
    if (this.#stopped) return;
    if (refresh) this.#refresh = true;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    this.#tick()
      .catch((e: unknown) => this.#o.log.error("queue runner", e))
      .finally(() => {
        this.#ticking = false;
        if (this.#again) {
          this.#again = false;
          this.wake(false);
        }
      });
  }

  /**
   * Stops picking work and abandons deliveries in progress: their rows stay pending and their
   * claims are given back, for another node to take at once.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#renewal !== null) clearInterval(this.#renewal);
    this.#abort.abort();
    await Promise.allSettled([...this.#jobs]);
    await this.#connections.close();
    await this.#leases.release().catch((e: unknown) => this.#o.log.warn("could not give back this node's claims on queued mail; they expire by themselves", e));
  }

  get busy(): number {
    return this.#inFlight.size;
  }

  /**
   * Claims and starts jobs for due recipients: per destination domain with room under
   * `per_destination`, oldest first, skipping messages already in flight — so one busy destination
   * never starves the others, and each tick claims only as many messages as it can start.
   */
  async #tick(): Promise<void> {
    const { store } = this.#o;
    const cfg = this.#o.config().queue;
    let free = cfg.concurrency - this.#inFlight.size;
    // Two independent holds: a maintenance window (in memory) and the operator's pause (a setting).
    if (free <= 0 || this.#o.held?.() === true || (await isPaused(store.db))) return;
    const now = Date.now();
    const busy = [...new Set([...this.#inFlight].map((k) => k.slice(0, k.indexOf("\n"))))];
    if (this.#refresh) {
      this.#refresh = false;
      this.#domains = await this.#leases.domains(busy, now, 1000);
    }
    for (const domain of this.#domains) {
      const room = Math.min(free, cfg.per_destination - (this.#perDomain.get(domain) ?? 0));
      if (room <= 0) continue;
      const groups = new Map<string, DueRow[]>();
      const over: number[] = [];
      for (const r of await this.#leases.claim(domain, room, busy, now)) {
        const g = groups.get(r.queue_id) ?? [];
        if (g.length < cfg.max_recipients_per_attempt) g.push(r);
        else over.push(r.id);
        groups.set(r.queue_id, g);
      }
      // Recipients past max_recipients_per_attempt go back, for the message's next transaction.
      if (over.length > 0) await this.#leases.release(over);
      for (const group of groups.values()) this.#start(group, domain);
      free = cfg.concurrency - this.#inFlight.size;
      if (free <= 0) return;
    }
  }

  #start(group: DueRow[], domain: string): void {
    const key = `${group[0]?.queue_id ?? ""}\n${domain}`;
    this.#inFlight.add(key);
    for (const r of group) this.#claimed.add(r.id);
    this.#perDomain.set(domain, (this.#perDomain.get(domain) ?? 0) + 1);
    const p = this.#run(group)
      .catch(async (e: unknown) => {
        this.#o.log.error(`delivery job ${group[0]?.queue_id ?? "?"} failed; retrying later`, e);
        await this.#postpone(group).catch((e2: unknown) => this.#o.log.error("could not reschedule a failed delivery job", e2));
      })
      .finally(() => {
        this.#inFlight.delete(key);
        for (const r of group) this.#claimed.delete(r.id);
        this.#perDomain.set(domain, (this.#perDomain.get(domain) ?? 1) - 1);
        this.#jobs.delete(p);
        // A macrotask later: a job that fails at once must not spin the event loop.
        setImmediate(() => this.wake(false));
      });
    this.#jobs.add(p);
  }

  /** A job that threw (a missing blob, a failed commit): its recipients wait one backoff step. */
  async #postpone(group: DueRow[]): Promise<void> {
    const cfg = this.#o.config().queue;
    const now = Date.now();
    await this.#o.store.committer.submit(async (trx) => {
      for (const r of group) {
        await trx
          .updateTable("queue_recipients")
          .set({ attempts: r.attempts + 1, next_attempt_at: now + backoffMs(r.attempts + 1, cfg.min_backoff, cfg.max_backoff), last_reply: "local error; retrying", updated_at: now, lease_owner: null, lease_until: null })
          .where("id", "=", r.id)
          .where("status", "=", "pending")
          .where("lease_owner", "=", this.#o.owner)
          .execute();
      }
    });
  }

  async #run(group: DueRow[]): Promise<void> {
    const { store } = this.#o;
    const first = group[0];
    if (first === undefined) return;
    const q = await store.db.selectFrom("queue").selectAll().where("id", "=", first.queue_id).executeTakeFirst();
    if (q === undefined) return; // deleted by the operator meanwhile
    const config = this.#o.config();
    const domain = first.domain;
    const now = Date.now();
    const relay = await relayRoute(store.db, domain);
    let choice: LevelChoice = await configuredLevel(store.db, config, domain, relay);
    let outcomes: Map<string, RecipientOutcome>;
    let attempts: AttemptRecord[] = [];
    if (q.bounce_requested === 1) {
      outcomes = new Map(group.map((r) => [r.recipient, { kind: "failed", problem: { kind: "operator" }, reply: null, mx: null }]));
    } else {
      const tlsRequired = tlsRequiredOf(q.tls_required);
      // RFC 8689 §4.2.2: "TLS-Required: No" — the recipient's MTA-STS and DANE are not even looked up.
      const optional = tlsRequired === "no";
      if (optional) choice = withTlsOptional(choice);
      else if (relay === null && config.delivery.mta_sts) {
        const sts = await this.#o.mtaSts().lookup(domain);
        choice = withMtaSts(choice, sts.policy);
      }
      const job: Job = { queueId: q.id, domain, from: q.mail_from, recipients: group.map((r) => r.recipient), message: await this.#message(q), tlsRequired };
      const dane = relay === null && !optional ? (this.#o.dane?.() ?? null) : null;
      const result = await deliverJob(job, {
        resolver: this.#o.resolver(),
        heloName: config.hostname,
        remotePort: config.delivery.remote_port,
        ca: this.#o.ca(),
        connectTimeoutMs: config.delivery.connect_timeout * 1000,
        choice,
        relay,
        signal: this.#abort.signal,
        connections: this.#connections,
        ...(this.#o.send !== undefined ? { send: this.#o.send } : {}),
        ...(dane !== null ? { dane } : {}),
      });
      outcomes = result.outcomes;
      attempts = result.attempts;
      choice = result.choice;
    }
    // Shutting down: what the remote server took (its 250) is committed, so it is not sent again;
    // everything else stays pending as it was, to be tried after the restart.
    const stopping = this.#abort.signal.aborted;
    const bounced: Bounced[] = [];
    const lifetimeEnds = q.created_at + config.queue.lifetime * 1000;
    const updates = group.map((r) => {
      const o = outcomes.get(r.recipient) ?? { kind: "deferred" as const, problem: { kind: "protocol" as const, host: domain, detail: "no outcome" }, reply: null, mx: null };
      const attemptsNow = r.attempts + 1;
      if (o.kind === "delivered") return { row: r, status: "delivered", next: now, attempts: attemptsNow, problem: null, reply: o.reply, mx: o.mx };
      let problem: DeliveryProblem = o.problem;
      let status = o.kind === "failed" ? "failed" : "pending";
      const next = now + backoffMs(attemptsNow, config.queue.min_backoff, config.queue.max_backoff);
      if (status === "pending" && now >= lifetimeEnds) {
        status = "failed";
        problem = { kind: "expired", lifetime: humanDuration(config.queue.lifetime), last: o.problem };
      }
      if (status === "failed") bounced.push({ address: r.recipient, problem, remoteMta: o.mx, lastAttemptAt: now });
      return { row: r, status, next, attempts: attemptsNow, problem, reply: o.reply, mx: o.mx };
    }).filter((u) => !stopping || u.status === "delivered");
    if (stopping) bounced.length = 0;
    const dsn = bounced.length > 0 && q.mail_from !== "" ? await this.#dsnOrHold(q, bounced, updates) : null;
    let done = false;
    let lost = 0;
    const settle = async (trx: Transaction<Database>): Promise<void> => {
      lost = 0;
      for (const u of updates) {
        // Written only where this node still holds the claim (another node took it if ours lapsed).
        const [r] = await trx
          .updateTable("queue_recipients")
          .set({
            status: u.status,
            attempts: u.attempts,
            next_attempt_at: u.next,
            problem: u.problem === null ? null : JSON.stringify(u.problem),
            last_reply: u.reply ?? (u.problem === null ? null : problemLine(u.problem)),
            remote_mta: u.mx,
            updated_at: now,
            lease_owner: null,
            lease_until: null,
          })
          .where("id", "=", u.row.id)
          .where("lease_owner", "=", this.#o.owner)
          .execute();
        if (r === undefined || r.numUpdatedRows === 0n) lost++;
      }
      await recordAttempts(trx, q.id, domain, attempts);
      const pending = await trx.selectFrom("queue_recipients").select("id").where("queue_id", "=", q.id).where("status", "=", "pending").limit(1).executeTakeFirst();
      if (pending === undefined) {
        await trx.deleteFrom("queue_recipients").where("queue_id", "=", q.id).execute();
        await trx.deleteFrom("queue").where("id", "=", q.id).execute();
      }
      done = pending === undefined;
    };
    // The recipients' new states and the DSN (the sender's INBOX or the queue) in one commit.
    if (dsn === null) await store.committer.submit(settle);
    else {
      await deliverMessage(store, {
        id: dsn.id,
        message: dsn.blob,
        accounts: dsn.accounts,
        alsoInCommit: async (trx) => {
          await dsn.commit(trx);
          await settle(trx);
        },
      });
    }
    if (done && q.owns_blob === 1) await store.blobs.remove(q.blob);
    if (lost > 0) this.#o.log.warn(`delivery ${q.id} to ${domain}: this node's claim on ${lost} recipient(s) had lapsed and another node took them over; their outcome here is not recorded`);
    for (const a of attempts) {
      // One line per connection, with the id its attempt row carries (`sealpost queue show`).
      this.#o.log.info("delivery attempt", {
        session: a.session,
        proto: "smtp-out",
        queue: q.id,
        domain,
        mx: a.mxHost,
        address: a.address,
        tls: a.tlsVersion,
        policy: `${a.policy.level} (${a.policy.source})`,
        cert: a.certVerdict,
        outcome: a.outcome,
        reused: a.reused,
        reply: a.reply ?? (a.problem !== null ? problemLine(a.problem) : null),
      });
    }
    const count = (st: string): number => updates.filter((u) => u.status === st).length;
    for (const a of attempts) this.#o.observer?.attempted(a.outcome, a.policy.level, a.tlsVersion);
    if (count("delivered") > 0) this.#o.observer?.sent();
    this.#o.log.info(`delivery ${q.id} to ${domain} (tls ${choice.level} from ${choice.source}): ${count("delivered")} delivered, ${count("pending")} deferred, ${bounced.length} bounced`);
  }

  /**
   * The message as it leaves. Mail is DKIM-signed as it goes into the queue (src/dkim), so its blob
   * is sent as it is; a message queued before that (sign_on_delivery, migration 0028) is signed
   * here, once per job, as it was then.
   */
  async #message(q: { id: string; source: string; blob: string; sign_on_delivery: number }): Promise<Buffer> {
    const stored = await this.#o.store.blobs.read(q.blob);
    if (q.sign_on_delivery === 0) return stored;
    return Buffer.concat(await signForQueue(this.#o.store.db, this.#o.log, { id: q.id, parts: [stored], source: q.source }));
  }

  /**
   * The DSN for `bounced`, or — when the store has no room for it (StorageFullError) — null with
   * those recipients kept pending, to be returned after the next attempt: what was delivered is
   * still committed (not sent twice), and no failure goes unreported.
   */
  async #dsnOrHold(q: Parameters<typeof returnToSender>[3], bounced: Bounced[], updates: Array<{ status: string }>): Promise<PendingDsn | null> {
    try {
      return await returnToSender(this.#o.store, this.#o.config(), this.#o.log, q, bounced);
    } catch (e) {
      if (!(e instanceof StorageFullError)) throw e;
      this.#o.log.warn(`delivery ${q.id}: no room for the bounce of ${bounced.length} recipient(s); they stay queued`, e);
      for (const u of updates) if (u.status === "failed") u.status = "pending";
      bounced.length = 0;
      return null;
    }
  }
}

/** Postfix's schedule: min_backoff, doubling per attempt, at most max_backoff (seconds in, ms out). */
export function backoffMs(attempts: number, minS: number, maxS: number): number {
  return Math.min(maxS, minS * 2 ** Math.max(0, Math.min(30, attempts - 1))) * 1000;
}
