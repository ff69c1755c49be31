/**
 * SMTP connection reuse for outbound delivery (RFC 5321 §3.3: a session may carry several mail
 * transactions), after Postfix's connection cache: a session whose transaction ended cleanly is
 * kept idle, keyed by everything that shaped it — MX host, address, port, our HELO name and the
 * TLS requirement (STARTTLS mode, reference names, SAN-only, trust anchors, DANE's TLSA records,
 * REQUIRETLS) — and the next delivery with the same key takes it instead of connecting and
 * handshaking again.
 *
 * Limits as Postfix's: idle at most 2 s (smtp_connection_cache_time_limit), at most 100
 * transactions per connection (smtp_connection_reuse_count_limit), a bounded number kept per key
 * and in all. A session that broke (timeout, protocol error, 421, lost connection) or failed its
 * TLS checks is never kept. When a kept session turns out gone before the server answered MAIL
 * FROM, nothing of the message was taken: it goes once more on a new connection, and only that
 * attempt is reported. Expired and evicted sessions end with QUIT; `close` ends them all.
 */
import { deliverAndKeep, type DeliveryRequest, type DeliveryResult, type SmtpSession } from "../smtp-client/index.ts";

interface ConnectionCacheOptions {
  /** How long a session may wait for its next transaction, ms (Postfix: 2 s). */
  idleMs?: number;
  /** Transactions per connection at most (Postfix: 100). */
  maxTransactions?: number;
  /** Idle sessions per key at most (the per-destination concurrency). */
  perKey?: number;
  /** Idle sessions in all at most. */
  total?: number;
  /** How long `close` waits for each QUIT's reply, ms. */
  quitMs?: number;
}

interface Parked {
  key: string;
  session: SmtpSession;
  timer: NodeJS.Timeout;
}

interface ConnectionCacheStats {
  /** Connections opened. */
  opened: number;
  /** Transactions on a kept connection. */
  reused: number;
  /** Kept connections found gone when taken (then delivered on a new one). */
  stale: number;
}

/** Trust anchors by array identity first, content second: a key part that stays short. */
const caIds = new WeakMap<readonly string[], number>();
const caByContent = new Map<string, number>();
let nextCaId = 1;

function caId(ca: readonly string[]): number {
  let id = caIds.get(ca);
  if (id === undefined) {
    const content = ca.join("\n");
    id = caByContent.get(content);
    if (id === undefined) {
      if (caByContent.size >= 64) caByContent.clear();
      id = nextCaId++;
      caByContent.set(content, id);
    }
    caIds.set(ca, id);
  }
  return id;
}

/** Everything that decides what a session is: two requests with equal keys may share one. */
export function sessionKey(req: DeliveryRequest): string {
  const v = req.tls.verify;
  const verify = v === null ? "unverified" : `verify ca#${caId(v.ca)}${v.sanOnly === true ? " san-only" : ""} ${v.names.join(" ")}`;
  const dane = req.tls.dane === undefined ? "" : ` dane ${req.tls.dane.records.map((r) => `${r.usage}.${r.selector}.${r.matchingType}.${r.data}`).join(",")}`;
  const requireTls = req.tls.requireTls === true ? " requiretls" : "";
  return `${req.host.toLowerCase()} [${req.address}]:${req.port} helo ${req.heloName} starttls ${req.tls.starttls} ${verify}${dane}${requireTls}`;
}

export class ConnectionCache {
  readonly #idleMs: number;
  readonly #maxTransactions: number;
  readonly #perKey: number;
  readonly #total: number;
  readonly #quitMs: number;
  /** Idle sessions per key, most recently parked last. */
  readonly #idle = new Map<string, Parked[]>();
  /** Every idle session, oldest first (evicted first when the cache is full). */
  readonly #order = new Set<Parked>();
  readonly #closing = new Set<Promise<void>>();
  #closed = false;
  readonly stats: ConnectionCacheStats = { opened: 0, reused: 0, stale: 0 };

  constructor(o: ConnectionCacheOptions = {}) {
    this.#idleMs = o.idleMs ?? 2000;
    this.#maxTransactions = o.maxTransactions ?? 100;
    this.#perKey = o.perKey ?? 20;
    this.#total = o.total ?? 100;
    this.#quitMs = o.quitMs ?? 2000;
  }

  /** Idle sessions kept now. */
  get size(): number {
    return this.#order.size;
  }

  /** One delivery attempt, on a kept session when one fits, else on a new connection. */
  async deliver(req: DeliveryRequest): Promise<DeliveryResult> {
    const key = sessionKey(req);
    const kept = this.#take(key);
    let note: string | null = null;
    if (kept !== null) {
      const { result, stale } = await kept.transact(req);
      if (!stale) {
        this.stats.reused++;
        this.#put(key, kept);
        return result;
      }
      this.stats.stale++;
      this.#retire(kept);
      note = `* the kept connection was gone (${problemText(result)}); a new connection`;
    }
    this.stats.opened++;
    const { result, session } = await deliverAndKeep(req, !this.#closed);
    if (session !== null) this.#put(key, session);
    if (note !== null) result.transcript?.unshift(note);
    return result;
  }

  /** Ends every idle session with QUIT and keeps none from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const p of [...this.#order]) this.#drop(p);
    await Promise.allSettled([...this.#closing]);
  }

  #take(key: string): SmtpSession | null {
    const list = this.#idle.get(key);
    while (list !== undefined && list.length > 0) {
      const p = list.pop() as Parked;
      this.#order.delete(p);
      clearTimeout(p.timer);
      if (p.session.reusable) {
        if (list.length === 0) this.#idle.delete(key);
        return p.session;
      }
      this.#retire(p.session); // the server closed it, or said something (a 421) while it waited
    }
    this.#idle.delete(key);
    return null;
  }

  #put(key: string, session: SmtpSession): void {
    const list = this.#idle.get(key) ?? [];
    if (this.#closed || !session.reusable || session.transactions >= this.#maxTransactions || list.length >= this.#perKey) {
      this.#retire(session);
      return;
    }
    const oldest = this.#order.values().next();
    if (!oldest.done && this.#order.size >= this.#total) this.#drop(oldest.value);
    session.park();
    const p: Parked = { key, session, timer: setTimeout(() => this.#drop(p), this.#idleMs) };
    p.timer.unref();
    list.push(p);
    this.#idle.set(key, list);
    this.#order.add(p);
  }

  /** Takes a parked session out of the cache and ends it. */
  #drop(p: Parked): void {
    clearTimeout(p.timer);
    this.#order.delete(p);
    const list = this.#idle.get(p.key);
    const i = list?.indexOf(p) ?? -1;
    if (list !== undefined && i >= 0) list.splice(i, 1);
    if (list?.length === 0) this.#idle.delete(p.key);
    this.#retire(p.session);
  }

  /** QUIT (or just close, when the server is already gone), tracked so `close` can wait for it. */
  #retire(session: SmtpSession): void {
    const done = session.close(this.#quitMs).finally(() => this.#closing.delete(done));
    this.#closing.add(done);
  }
}

function problemText(r: DeliveryResult): string {
  const p = r.problem;
  if (p === null) return "no problem";
  if (p.kind === "rejected") return p.reply;
  return "detail" in p ? p.detail : p.kind;
}
