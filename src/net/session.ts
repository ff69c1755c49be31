/**
 * The skeleton every line-based protocol session shares (SMTP, POP3, IMAP): input is queued in
 * the protocol's reader and processed strictly in order, one event at a time (RFC 2920, RFC 2449
 * and RFC 9051 §5.5 pipelining); reading pauses while too much input is queued; SIGTERM drains;
 * the connection's end is reported once. Subclasses supply the protocol: how input is framed, how
 * an event is handled, and what is said on timeout, eviction and shutdown.
 *
 * Two deadlines, never idle timers (a client trickling a byte at a time gains nothing):
 * - the wait for each input event (a command line, a DATA body, a literal) runs from the moment
 *   the session is ready for it; bytes received extend it only by what they are worth at the
 *   minimum data rate (Postfix's smtpd_per_request_deadline with smtpd_min_data_rate);
 * - the sign-in deadline runs from the connection's start until the protocol says the client has
 *   signed in (IMAP/POP3/submission) or, on the MX, has started a transaction.
 */
import type { Logger } from "../log/index.ts";
import type { Connection } from "../tls/index.ts";
import type { ProtocolSession } from "./listener.ts";

/** Stop reading from the socket while this much unprocessed input is queued. */
const MAX_QUEUED_INPUT = 256 * 1024;
/** The reason a session's sign-in signal aborts with: one object, not an AbortError (and its stack) per session. */
const SESSION_ENDED = new Error("the session ended");

interface InputReader {
  push(chunk: Buffer): void;
  discard(): void;
  readonly buffered: number;
}

interface SessionHooks {
  onClosed: () => void;
  /** The connection's logger (bound to its session id, protocol and client address). */
  log: Logger;
  /** Bytes per second a client must average for its input to extend a deadline (0: no extension). */
  minDataRate: number;
}

/**
 * How cheaply a session can be closed to make room for a new client when its listener is full:
 * "idle" ones wait for a command without having signed in and hold no transaction; "transaction"
 * ones (MX, MAIL given) wait for their next command; null: never (signed in, or busy).
 */
export type EvictionRank = "idle" | "transaction" | null;

export abstract class LineSession<Event> implements ProtocolSession {
  readonly conn: Connection;
  readonly startedAt = Date.now();
  protected readonly hooks: SessionHooks;
  /** Every line this connection logs; the account is bound to it once the client signs in. */
  readonly log: Logger;
  /** Set by a handler to close the connection once its reply is written. */
  protected closeReason: string | null = null;
  #busy = false;
  #upgrading = false;
  /** Busy only waiting on a sign-in (the limiter's line, a password check, the failure delay). */
  #signingIn = false;
  /**
   * Aborted when the session ends: work done for it (a sign-in waiting its turn) stops. Made by the
   * first sign-in: most sessions (the MX's) never sign in.
   */
  #ending: AbortController | null = null;
  #draining = false;
  #ended = false;
  #halted = false;
  /** The current wait: when it began, its limit, and the input received since. */
  #wait = { since: 0, limitMs: 0, bytes: 0 };
  #timer: NodeJS.Timeout | null = null;
  #signInTimer: NodeJS.Timeout | null = null;

  constructor(conn: Connection, hooks: SessionHooks) {
    this.conn = conn;
    this.hooks = hooks;
    this.log = hooks.log;
  }

  protected abstract readonly reader: InputReader;
  /** The next complete input event, or null when more input is needed. */
  protected abstract nextEvent(): Event | null;
  protected abstract handleEvent(ev: Event): Promise<void>;
  /** Sent on connect. */
  protected abstract greet(): void;
  /** How long the client may take for the next input event, from when the session is ready for it. */
  protected abstract timeoutMs(): number;
  /** How long the client may take from connecting to signing in (see `signedIn`). */
  protected abstract signInDeadlineMs(): number;
  /** Says goodbye when a deadline passes (the base closes afterwards). */
  protected abstract sayTimeout(): void;
  /** Says goodbye on shutdown (the base closes afterwards). */
  protected abstract sayShutdown(): void;
  /** Says goodbye when the session gives way to a new client (the base closes afterwards). */
  protected abstract sayEvicted(): void;
  /** How cheap the session is to evict while it waits for the client (signed in: null). */
  protected abstract idleEvictionRank(): EvictionRank;
  /** True while the session holds work that shutdown should wait for (beyond a running command). */
  protected abstract holdsWork(): boolean;
  /** Called once when the session ends, with why. */
  protected abstract ended(reason: string): void;

  /** How many of `bytes` just received extend the current deadline (all, unless the protocol says they are worthless). */
  protected inputCredit(bytes: number): number {
    return bytes;
  }

  /** True while a command runs or the session holds work: SIGTERM waits for these. */
  get inFlight(): boolean {
    return this.#busy || this.holdsWork();
  }

  /** The session no longer reads input (closing, or a TLS handshake in progress). */
  protected get halted(): boolean {
    return this.#halted;
  }

  get evictionRank(): EvictionRank {
    // A STARTTLS handshake waits on the client, as a command line does, and a sign-in on the
    // limiter and the failure delay (else a client repeating wrong LOGINs could never be evicted);
    // any other running command does not.
    if (this.#ended || (this.#busy && !this.#upgrading && !this.#signingIn)) return null;
    return this.idleEvictionRank();
  }

  /** Runs a sign-in: the session stays evictable meanwhile, and the sign-in is told when the session ends. */
  protected async signingIn<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.#signingIn = true;
    try {
      if (this.#ending === null) {
        this.#ending = new AbortController();
        if (this.#ended) this.#ending.abort(SESSION_ENDED);
      }
      return await work(this.#ending.signal);
    } finally {
      this.#signingIn = false;
    }
  }

  start(): void {
    this.log.info("connection opened", { port: this.conn.localPort, tls: this.conn.tls?.version ?? null });
    this.conn.start({ data: (chunk) => this.#onData(chunk), close: () => this.#finish(this.closeReason ?? "closed") });
    this.greet();
    this.armTimer();
    this.#signInTimer = setTimeout(() => this.#onSignInTimeout(), this.signInDeadlineMs());
    this.#signInTimer.unref();
  }

  /** The client has signed in (or, on the MX, started a transaction): the sign-in deadline is off. */
  protected signedIn(): void {
    if (this.#signInTimer !== null) clearTimeout(this.#signInTimer);
    this.#signInTimer = null;
  }

  /** Closes the session to make room for another client. */
  evict(): void {
    if (this.#ended) return;
    // During a STARTTLS handshake there is no protocol to say goodbye in.
    if (!this.#halted) this.sayEvicted();
    this.close("evicted");
  }

  drain(): void {
    this.#draining = true;
    if (!this.inFlight) this.#shutdownNow();
  }

  protected write(data: string | Buffer): void {
    this.conn.write(data);
  }

  /** Starts the deadline for the next input event (the base calls it after each event). */
  protected armTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#ended) return;
    this.#wait = { since: Date.now(), limitMs: this.timeoutMs(), bytes: 0 };
    this.#schedule(this.#wait.limitMs);
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => this.#onWaitTimer(), Math.max(ms, 1));
    this.#timer.unref();
  }

  /** The deadline: the limit, plus what the input received since counts for at the minimum rate. */
  #onWaitTimer(): void {
    const rate = this.hooks.minDataRate;
    const earned = rate > 0 ? (this.#wait.bytes * 1000) / rate : 0;
    const left = this.#wait.since + this.#wait.limitMs + earned - Date.now();
    if (left > 0) this.#schedule(left);
    else this.#onTimeout();
  }

  /**
   * STARTTLS, after the protocol's "go ahead" reply and in the same tick: buffered input is
   * discarded (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1) and the handshake runs on the
   * raw socket through the shared transport.
   */
  protected async upgradeTls(protocol: string): Promise<boolean> {
    this.reader.discard();
    this.#halted = true;
    this.#upgrading = true;
    this.closeReason = "tls-failed"; // if the handshake fails, the connection closes under us
    const info = await this.conn.upgrade({ protocol }).finally(() => (this.#upgrading = false));
    if (info === null) return false;
    this.log.debug("TLS started", { tls: info.version, cipher: info.cipher });
    this.closeReason = null;
    this.#halted = false;
    this.armTimer();
    return true;
  }

  #onData(chunk: Buffer): void {
    if (this.#halted || this.#ended) return;
    // Judged by what the input before it was (framing is lazy): the wait they extend is the current one.
    this.#wait.bytes += this.inputCredit(chunk.length);
    this.reader.push(chunk);
    if (this.reader.buffered > MAX_QUEUED_INPUT) this.conn.pause();
    this.#pump();
  }

  #pump(): void {
    if (this.#busy) return;
    this.#busy = true;
    this.#drainInput()
      .catch((e: unknown) => this.log.error("session loop failed", e))
      .finally(() => {
        this.#busy = false;
        if (this.#draining && !this.inFlight && !this.#ended) this.#shutdownNow();
      });
  }

  async #drainInput(): Promise<void> {
    for (;;) {
      if (this.#halted || this.#ended) return;
      const ev = this.nextEvent();
      if (ev === null) {
        this.conn.resume();
        return;
      }
      // Handling the event (and writing its answer to a slow reader) has a deadline of its own.
      this.armTimer();
      await this.handleEvent(ev);
      if (this.closeReason !== null && !this.#halted) {
        this.close(this.closeReason);
        return;
      }
      // The client's next input has its own deadline, from now.
      if (!this.#halted) this.armTimer();
    }
  }

  #onTimeout(): void {
    if (this.#ended || this.#halted) return;
    this.sayTimeout();
    this.close("timeout");
  }

  #onSignInTimeout(): void {
    this.#signInTimer = null;
    if (this.#ended) return;
    // During a STARTTLS handshake there is no protocol to say goodbye in.
    if (!this.#halted) this.sayTimeout();
    this.close("sign-in-timeout");
  }

  #shutdownNow(): void {
    if (this.#ended) return;
    this.sayShutdown();
    this.close("shutdown");
  }

  /** Ends the connection after what was written so far. */
  protected close(reason: string): void {
    if (this.#ended) return;
    this.#halted = true;
    this.conn.end();
    this.#finish(reason);
  }

  #finish(reason: string): void {
    this.#halted = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.signedIn();
    if (this.#ended) return;
    this.#ended = true;
    this.#ending?.abort(SESSION_ENDED);
    this.log.info("connection closed", { reason, seconds: Math.round((Date.now() - this.startedAt) / 1000) });
    this.ended(reason);
    this.hooks.onClosed();
  }
}
