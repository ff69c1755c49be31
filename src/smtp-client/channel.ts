/**
 * One client connection: TCP connect, replies read with a time limit per stage, writes with
 * back-pressure, the STARTTLS upgrade (RFC 3207) and abort. Every failure becomes a ChannelError
 * with a plain-English detail; after one, the channel is broken and only `destroy()` is left.
 * Between transactions of a kept session (session.ts) the channel can be parked: no abort
 * signal, the socket unref'd, and `idle` says whether it is still fit for another transaction.
 */
import net from "node:net";
import tls from "node:tls";
import { ReplyParser, ReplySyntaxError, replyText, type SmtpReply } from "./reply.ts";

type ChannelErrorReason = "connect" | "timeout" | "closed" | "protocol" | "aborted" | "tls";

export class ChannelError extends Error {
  readonly reason: ChannelErrorReason;
  /** The Node/OpenSSL error code, if any ("ECONNREFUSED", "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"). */
  readonly code: string | undefined;
  constructor(reason: ChannelErrorReason, detail: string, code?: string) {
    super(detail);
    this.reason = reason;
    this.code = code;
  }
}

/** "30 s", "250 ms", "5 min". */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function connectDetail(e: unknown): string {
  switch (errorCode(e)) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "EHOSTUNREACH":
      return "host unreachable";
    case "ENETUNREACH":
      return "network unreachable";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

interface Waiter {
  resolve: (r: SmtpReply) => void;
  reject: (e: ChannelError) => void;
  timer: NodeJS.Timeout;
}

export class Channel {
  #socket: net.Socket;
  /** The TCP socket under a TLS one (for ref/unref). */
  readonly #tcp: net.Socket;
  #parser = new ReplyParser();
  #replies: SmtpReply[] = [];
  #waiter: Waiter | null = null;
  #failure: ChannelError | null = null;
  #drainWaiters = new Set<() => void>();
  #signal: AbortSignal | undefined;
  /** Where commands and replies are logged; a kept session gives each transaction its own. */
  transcript: string[];

  private constructor(socket: net.Socket, transcript: string[], signal: AbortSignal | undefined) {
    this.#socket = socket;
    this.#tcp = socket;
    this.transcript = transcript;
    this.#signal = signal;
    this.#attach(socket);
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Connects, or throws ChannelError("connect" | "aborted"). */
  static connect(opts: { address: string; port: number; timeoutMs: number; signal?: AbortSignal; transcript: string[] }): Promise<Channel> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted === true) {
        reject(new ChannelError("aborted", "aborted by the caller"));
        return;
      }
      const socket = net.connect({ host: opts.address, port: opts.port });
      socket.setNoDelay(true);
      const done = (): void => {
        clearTimeout(timer);
        socket.off("connect", onConnect);
        socket.off("error", onError);
        opts.signal?.removeEventListener("abort", onAbort);
      };
      const onConnect = (): void => {
        done();
        resolve(new Channel(socket, opts.transcript, opts.signal));
      };
      const onError = (e: Error): void => {
        done();
        socket.destroy();
        reject(new ChannelError("connect", connectDetail(e), errorCode(e)));
      };
      const onAbort = (): void => {
        done();
        socket.destroy();
        reject(new ChannelError("aborted", "aborted by the caller"));
      };
      const timer = setTimeout(() => {
        done();
        socket.destroy();
        reject(new ChannelError("connect", `timed out after ${duration(opts.timeoutMs)}`));
      }, opts.timeoutMs);
      socket.once("connect", onConnect);
      socket.once("error", onError);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The next reply; `what` names the awaited reply in errors ("the reply to MAIL FROM"). */
  readReply(timeoutMs: number, what: string): Promise<SmtpReply> {
    const ready = this.#replies.shift();
    if (ready !== undefined) {
      this.#log(ready);
      return Promise.resolve(ready);
    }
    if (this.#failure !== null) return Promise.reject(this.#withContext(this.#failure, what));
    if (this.#waiter !== null) return Promise.reject(new ChannelError("protocol", "two replies awaited at once"));
    return new Promise<SmtpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        this.#fail(new ChannelError("timeout", `timed out after ${duration(timeoutMs)} waiting for ${what}`));
        reject(this.#failure ?? new ChannelError("timeout", "timed out"));
      }, timeoutMs);
      this.#waiter = {
        timer,
        resolve: (r) => {
          this.#log(r);
          resolve(r);
        },
        reject: (e) => reject(this.#withContext(e, what)),
      };
    });
  }

  /** Writes command lines (CRLF added) in one write, without waiting for replies (RFC 2920 §3.1). */
  send(...lines: string[]): void {
    if (this.#failure !== null) return;
    for (const line of lines) this.transcript.push(`C: ${line}`);
    this.#socket.write(lines.map((l) => `${l}\r\n`).join(""));
  }

  /**
   * Writes chunks in order, waiting for 'drain' whenever the socket's buffer is full. Corked
   * between waits, so a small message and its terminator leave in one write (one TLS record).
   */
  async sendData(chunks: Iterable<Buffer>, blockTimeoutMs: number): Promise<void> {
    const socket = this.#socket;
    socket.cork();
    try {
      for (const chunk of chunks) {
        if (this.#failure !== null) throw this.#failure;
        if (!socket.write(chunk)) {
          socket.uncork();
          await this.#drain(blockTimeoutMs);
          socket.cork();
        }
      }
    } finally {
      socket.uncork();
    }
    if (this.#failure !== null) throw this.#failure;
  }

  /**
   * Fit for another command: not broken, nothing awaited, and the server has sent nothing
   * since its last reply (an unsolicited 421 or a close while parked ends reuse).
   */
  get idle(): boolean {
    const s = this.#socket;
    return this.#failure === null && this.#waiter === null && this.#replies.length === 0 && !this.#parser.partial && !s.destroyed && s.writable && !s.readableEnded;
  }

  /** Why the channel broke, or null. */
  get failure(): ChannelError | null {
    return this.#failure;
  }

  /** Aborts on this signal from now on instead of the one before (undefined: none, while parked). */
  useSignal(signal: AbortSignal | undefined): void {
    if (signal === this.#signal) return;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#signal = signal;
    if (signal === undefined) return;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether the socket keeps the process alive (a parked session does not). */
  ref(on: boolean): void {
    for (const s of new Set([this.#socket, this.#tcp])) {
      if (on) s.ref();
      else s.unref();
    }
  }

  /** After a 220 to STARTTLS: the handshake on the same socket; resolves when it completes. */
  async startTls(options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
    // RFC 3207 §4.2: anything the server sent after its 220 is discarded.
    this.#replies = [];
    this.#parser.reset();
    const plain = this.#socket;
    this.#detach(plain);
    plain.on("error", () => undefined);
    const secure = tls.connect({ ...options, socket: plain });
    secure.on("error", () => undefined); // reported through onError / #onError; never unhandled
    this.#socket = secure;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        secure.off("secureConnect", onSecure);
        secure.off("error", onError);
        secure.off("close", onClose);
        this.#signal?.removeEventListener("abort", onAbort);
      };
      const failWith = (e: ChannelError): void => {
        done();
        this.#fail(e);
        reject(this.#failure ?? e); // an abort that came first stays the reason
      };
      const onSecure = (): void => {
        done();
        this.#attach(secure);
        resolve(secure);
      };
      const onError = (e: Error): void => failWith(new ChannelError("tls", handshakeDetail(e), errorCode(e)));
      const onClose = (): void => failWith(new ChannelError("tls", "the server closed the connection during the TLS handshake"));
      const onAbort = (): void => failWith(new ChannelError("aborted", "aborted by the caller"));
      const timer = setTimeout(() => failWith(new ChannelError("tls", `TLS handshake timed out after ${duration(timeoutMs)}`)), timeoutMs);
      secure.once("secureConnect", onSecure);
      secure.on("error", onError);
      secure.once("close", onClose);
      this.#signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** QUIT (RFC 5321 §4.1.1.10) if the session is in a clean state, then close. Never throws. */
  async quit(timeoutMs: number): Promise<void> {
    if (this.#failure === null && !this.#socket.destroyed && this.#socket.writable) {
      this.send("QUIT");
      await this.readReply(timeoutMs, "the reply to QUIT").catch(() => undefined);
    }
    this.destroy();
  }

  destroy(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#failure === null) this.#failure = new ChannelError("closed", "the connection was closed");
    this.#socket.destroy();
    for (const wake of this.#drainWaiters) wake();
  }

  note(line: string): void {
    this.transcript.push(`* ${line}`);
  }

  #log(r: SmtpReply): void {
    for (const line of replyText(r).split("\n")) this.transcript.push(`S: ${line}`);
  }

  #withContext(e: ChannelError, what: string): ChannelError {
    if (e.reason !== "closed") return e;
    return new ChannelError("closed", `the server closed the connection while we waited for ${what}`);
  }

  #drain(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#socket.off("drain", wake);
        this.#drainWaiters.delete(wake);
        if (this.#failure !== null) reject(this.#failure);
        else resolve();
      };
      const timer = setTimeout(() => {
        this.#fail(new ChannelError("timeout", `timed out after ${duration(timeoutMs)} sending the message`));
        wake();
      }, timeoutMs);
      this.#drainWaiters.add(wake);
      this.#socket.once("drain", wake);
    });
  }

  readonly #onData = (chunk: Buffer): void => {
    let replies: SmtpReply[];
    try {
      replies = this.#parser.feed(chunk);
    } catch (e) {
      const detail = e instanceof ReplySyntaxError ? e.message : String(e);
      this.#fail(new ChannelError("protocol", detail));
      return;
    }
    for (const r of replies) {
      const w = this.#waiter;
      if (w !== null) {
        this.#waiter = null;
        clearTimeout(w.timer);
        w.resolve(r);
      } else {
        this.#replies.push(r); // logged when read, so the transcript keeps command/reply order
      }
    }
  };

  readonly #onClose = (): void => {
    this.#fail(new ChannelError("closed", "the server closed the connection"));
  };

  readonly #onError = (e: Error): void => {
    this.#fail(new ChannelError("closed", `connection error: ${connectDetail(e)}`, errorCode(e)));
  };

  readonly #onAbort = (): void => {
    this.#fail(new ChannelError("aborted", "aborted by the caller"));
  };

  #attach(s: net.Socket): void {
    s.on("data", this.#onData);
    s.on("close", this.#onClose);
    s.on("error", this.#onError);
  }

  #detach(s: net.Socket): void {
    s.off("data", this.#onData);
    s.off("close", this.#onClose);
    s.off("error", this.#onError);
  }

  #fail(e: ChannelError): void {
    if (this.#failure === null) this.#failure = e;
    this.#socket.destroy();
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      clearTimeout(w.timer);
      w.reject(this.#failure);
    }
    for (const wake of this.#drainWaiters) wake();
  }
}

/** A handshake error in plain words; OpenSSL's reason string, never key material. */
function handshakeDetail(e: Error): string {
  // OpenSSL's "error:0A000410:SSL routines:[function]:reason:file:line…".
  const m = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/i.exec(e.message);
  const reason = m?.[1]?.trim();
  return reason !== undefined && reason !== "" ? reason : e.message;
}
