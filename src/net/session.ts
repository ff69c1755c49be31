/**
 * The skeleton every line-based protocol session shares (SMTP, POP3, IMAP): input is queued in
 * the protocol's reader and processed strictly in order, one event at a time (RFC 2920, RFC 2449
 * and RFC 9051 §5.5 pipelining); reading pauses while too much input is queued; one idle timer;
 * SIGTERM drains; the connection's end is reported once. Subclasses supply the protocol: how
 * input is framed, how an event is handled, and what is said on timeout and shutdown.
 */
import type { Connection } from "../tls/index.ts";
import type { ProtocolSession } from "./listener.ts";

/** Stop reading from the socket while this much unprocessed input is queued. */
const MAX_QUEUED_INPUT = 256 * 1024;

export interface InputReader {
  push(chunk: Buffer): void;
  discard(): void;
  readonly buffered: number;
}

export interface SessionHooks {
  onClosed: () => void;
  onLog: (msg: string, err?: unknown) => void;
}

export abstract class LineSession<Event> implements ProtocolSession {
  readonly conn: Connection;
  readonly startedAt = Date.now();
  protected readonly hooks: SessionHooks;
  /** Set by a handler to close the connection once its reply is written. */
  protected closeReason: string | null = null;
  #busy = false;
  #draining = false;
  #ended = false;
  #halted = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(conn: Connection, hooks: SessionHooks) {
    this.conn = conn;
    this.hooks = hooks;
  }

  protected abstract readonly reader: InputReader;
  /** The next complete input event, or null when more input is needed. */
  protected abstract nextEvent(): Event | null;
  protected abstract handleEvent(ev: Event): Promise<void>;
  /** Sent on connect. */
  protected abstract greet(): void;
  /** The current idle limit. */
  protected abstract timeoutMs(): number;
  /** Says goodbye on an idle timeout (the base closes afterwards). */
  protected abstract sayTimeout(): void;
  /** Says goodbye on shutdown (the base closes afterwards). */
  protected abstract sayShutdown(): void;
  /** True while the session holds work that shutdown should wait for (beyond a running command). */
  protected abstract holdsWork(): boolean;
  /** Called once when the session ends, with why. */
  protected abstract ended(reason: string): void;

  /** True while a command runs or the session holds work: SIGTERM waits for these. */
  get inFlight(): boolean {
    return this.#busy || this.holdsWork();
  }

  /** The session no longer reads input (closing, or a TLS handshake in progress). */
  protected get halted(): boolean {
    return this.#halted;
  }

  start(): void {
    this.conn.start({ data: (chunk) => this.#onData(chunk), close: () => this.#finish(this.closeReason ?? "closed") });
    this.greet();
    this.armTimer();
  }

  drain(): void {
    this.#draining = true;
    if (!this.inFlight) this.#shutdownNow();
  }

  protected write(data: string | Buffer): void {
    this.conn.write(data);
  }

  /** Restarts the idle timer (call when the limit changes, e.g. entering DATA). */
  protected armTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#ended) return;
    this.#timer = setTimeout(() => this.#onTimeout(), this.timeoutMs());
    this.#timer.unref();
  }

  /**
   * STARTTLS, after the protocol's "go ahead" reply and in the same tick: buffered input is
   * discarded (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1) and the handshake runs on the
   * raw socket through the shared transport.
   */
  protected async upgradeTls(protocol: string): Promise<boolean> {
    this.reader.discard();
    this.#halted = true;
    this.closeReason = "tls-failed"; // if the handshake fails, the connection closes under us
    const info = await this.conn.upgrade({ protocol });
    if (info === null) return false;
    this.closeReason = null;
    this.#halted = false;
    this.armTimer();
    return true;
  }

  #onData(chunk: Buffer): void {
    if (this.#halted || this.#ended) return;
    this.reader.push(chunk);
    this.armTimer();
    if (this.reader.buffered > MAX_QUEUED_INPUT) this.conn.pause();
    this.#pump();
  }

  #pump(): void {
    if (this.#busy) return;
    this.#busy = true;
    this.#drainInput()
      .catch((e: unknown) => this.hooks.onLog("session loop failed", e))
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
      await this.handleEvent(ev);
      if (this.closeReason !== null && !this.#halted) {
        this.close(this.closeReason);
        return;
      }
    }
  }

  #onTimeout(): void {
    if (this.#ended || this.#halted) return;
    this.sayTimeout();
    this.close("timeout");
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
    if (this.#ended) return;
    this.#ended = true;
    this.ended(reason);
    this.hooks.onClosed();
  }
}
