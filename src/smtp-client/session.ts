/**
 * A kept SMTP session (RFC 5321 §3.3: a session may carry several mail transactions): the
 * connection, EHLO and TLS of a finished attempt, ready for the next MAIL FROM. A transaction
 * that ended cleanly leaves it ready; one refused midway (a 4xx/5xx to MAIL, every RCPT, DATA or
 * the end of data) is followed by RSET before the next (§4.1.1.5); a timeout, a protocol error,
 * a 421 (§3.8) or a lost connection ends it. QUIT (§4.1.1.10) closes it.
 */
import { ChannelError, type Channel } from "./channel.ts";
import { Failure, localRefusal, toFailure } from "./failure.ts";
import { transaction, envelopeAddressOk, type TransactionProgress } from "./transaction.ts";
import type { DeliveryRequest, DeliveryResult, DeliveryTimeouts, TlsSummary } from "./types.ts";

/** A result with nothing decided yet: every recipient untried. */
export function newResult(req: DeliveryRequest, transcript: string[]): DeliveryResult {
  return {
    host: req.host,
    address: req.address,
    port: req.port,
    starttlsOffered: null,
    tls: null,
    problem: null,
    permanent: false,
    mailStarted: false,
    recipients: req.recipients.map((address) => ({ address, code: 0, reply: "", accepted: false, delivered: false, permanent: false })),
    transcript,
  };
}

/** Local checks before anything is sent: nothing we send may split a command line. */
export function checkRequest(req: DeliveryRequest, result: DeliveryResult): void {
  if (!/^[\x21-\x7e]{1,255}$/.test(req.heloName)) {
    throw new Failure({ kind: "protocol", host: req.host, detail: "our HELO name is not a valid host name" }, false);
  }
  if (!envelopeAddressOk(req.from, true)) throw localRefusal(req.host, 553, "5.1.7", "the sender address is not valid");
  for (const r of result.recipients) {
    if (envelopeAddressOk(r.address, false)) continue;
    r.code = 553;
    r.reply = "553 5.1.3 the recipient address is not valid (local: not sent to the server)";
    r.permanent = true;
  }
  if (result.recipients.every((r) => r.code !== 0)) throw localRefusal(req.host, 553, "5.1.3", "no valid recipient address");
}

/** Puts a failed attempt's problem into the result: the attempt, and every recipient it decided. */
export function applyFailure(e: unknown, host: string, connected: boolean, result: DeliveryResult): Failure {
  const f = toFailure(e, host, connected);
  result.problem = f.problem;
  result.permanent = f.permanent;
  for (const r of result.recipients) {
    if (r.delivered || (r.code !== 0 && !r.accepted)) continue; // decided by its own RCPT reply
    r.code = f.code;
    r.reply = f.reply;
    r.permanent = f.permanent;
  }
  return f;
}

/** The server refused RSET: the session cannot go on, but it took nothing of the message. */
class ResetRefused extends Error {}

interface TransactionOutcome {
  result: DeliveryResult;
  /**
   * The session was gone before the server answered MAIL FROM (closed, reset, a 421, a refused
   * RSET): no part of this message was accepted, so it can go again on a new connection.
   */
  stale: boolean;
}

type State = "idle" | "busy" | "broken" | "closed";

export class SmtpSession {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly starttlsOffered: boolean | null;
  /** The handshake's TLS (null: plaintext), reported with every transaction. */
  readonly tls: TlsSummary | null;
  /** The connection's id, reported with every transaction on it. */
  readonly session: string | undefined;
  readonly #ch: Channel;
  readonly #t: DeliveryTimeouts;
  readonly #ext: ReadonlyMap<string, string>;
  #transactions = 1;
  #needsReset = false;
  #state: State = "busy";
  /** The server said 421: no QUIT. */
  #closing = false;

  /** After the first transaction on `ch`, which ended with `failure` (or none). */
  constructor(ch: Channel, t: DeliveryTimeouts, ext: ReadonlyMap<string, string>, first: DeliveryResult, failure: Failure | null) {
    this.host = first.host;
    this.address = first.address;
    this.port = first.port;
    this.starttlsOffered = first.starttlsOffered;
    this.tls = first.tls;
    this.session = first.session;
    this.#ch = ch;
    this.#t = t;
    this.#ext = ext;
    this.#settle(failure, false);
  }

  /** Transactions started on this connection, the first included. */
  get transactions(): number {
    return this.#transactions;
  }

  /** Idle, in a clean state, and the server has neither closed nor said anything since. */
  get reusable(): boolean {
    return this.#state === "idle" && this.#ch.idle;
  }

  /** Between transactions: no abort signal, no hold on the process, no transcript. */
  park(): void {
    this.#ch.useSignal(undefined);
    this.#ch.ref(false);
    this.#ch.transcript = [];
  }

  /** The next mail transaction; `req`'s host, address, port and TLS are the session's. */
  async transact(req: DeliveryRequest): Promise<TransactionOutcome> {
    if (this.#state !== "idle") throw new Error(`transaction on a session that is ${this.#state}`);
    this.#state = "busy";
    const ch = this.#ch;
    const result: DeliveryResult = { ...newResult(req, []), starttlsOffered: this.starttlsOffered, tls: this.tls, reused: true };
    if (this.session !== undefined) result.session = this.session;
    ch.transcript = result.transcript ?? [];
    ch.ref(true);
    ch.useSignal(req.signal);
    ch.note(`connection reused (transaction ${this.#transactions + 1} on it)`);
    const progress: TransactionProgress = { mailReply: 0 };
    let failure: Failure | null = null;
    let stale = false;
    try {
      checkRequest(req, result);
      if (this.#needsReset) await this.#reset();
      result.mailStarted = true;
      this.#transactions++;
      await transaction(ch, req, this.#t, this.#ext, result, progress);
    } catch (e) {
      failure = applyFailure(e, this.host, true, result);
      const gone = e instanceof ResetRefused || (e instanceof ChannelError && e.reason === "closed") || failure.closing;
      stale = gone && (progress.mailReply === 0 || progress.mailReply === 421);
    }
    this.#settle(failure, stale);
    return { result, stale };
  }

  /** QUIT and close (no QUIT after a 421 or a broken connection). Never throws. */
  async close(timeoutMs: number = Math.min(this.#t.commandMs, 10_000)): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    if (this.#closing) this.#ch.destroy();
    else await this.#ch.quit(timeoutMs);
  }

  destroy(): void {
    this.#state = "closed";
    this.#ch.destroy();
  }

  /** RFC 5321 §4.1.1.5: RSET clears what a transaction that failed midway left behind. */
  async #reset(): Promise<void> {
    this.#ch.send("RSET");
    const r = await this.#ch.readReply(this.#t.commandMs, "the reply to RSET");
    if (r.code !== 250) throw new ResetRefused(`RSET got ${r.code}`);
    this.#needsReset = false;
  }

  #settle(failure: Failure | null, stale: boolean): void {
    if (failure === null) {
      this.#state = "idle";
      return;
    }
    this.#closing = failure.closing;
    // A refusal in words leaves the session usable after RSET; anything else ends it.
    const clean = !stale && this.#ch.failure === null && !failure.closing && failure.problem.kind === "rejected";
    this.#state = clean ? "idle" : "broken";
    this.#needsReset = clean;
  }
}
