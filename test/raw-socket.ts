/**
 * The socket plumbing shared by the raw SMTP, POP3 and IMAP test clients: connect (plain or
 * implicit TLS), a receive buffer, reads that wait until something complete has arrived, TLS on
 * the same socket (STARTTLS/STLS), raw sends, and waiting for the peer to close.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

/** Rejected when the peer closes before something complete arrived. */
export class ClosedError extends Error {
  override name = "ClosedError";
}

/** Looks at the receive buffer: the value found and how many bytes it used, or null if nothing is complete yet. */
export type Take<T> = (buf: Buffer) => [T, number] | null;

export interface StartTlsOptions {
  servername?: string;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

export class RawSocket {
  socket: Socket | TLSSocket;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  protected constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.#attach(socket);
  }

  /**
   * Connects to host:port (loopback by default), with implicit TLS if asked; resolves once connected (and, for TLS,
   * handshaken). `localAddress` picks the client's address (Linux routes all of 127.0.0.0/8 to lo).
   */
  static dial(port: number, opts: { tls?: boolean; host?: string; localAddress?: string } = {}): Promise<Socket | TLSSocket> {
    const host = opts.host ?? "127.0.0.1";
    const local = opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {};
    return new Promise((resolve, reject) => {
      const s = opts.tls === true ? tlsConnect({ host, port, rejectUnauthorized: false, ...local }) : netConnect({ host, port, ...local });
      s.once("error", reject);
      s.once(opts.tls === true ? "secureConnect" : "connect", () => {
        s.off("error", reject);
        resolve(s);
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes received and not yet consumed. */
  get pending(): Buffer {
    return this.#buf;
  }

  /** Runs after new bytes were added to the buffer, before waiting reads wake (for clients that parse eagerly). */
  protected received(): void {
    // nothing by default
  }

  #onData = (chunk: Buffer): void => {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    this.received();
    this.#wake();
  };
  #onClose = (): void => {
    this.#closed = true;
    this.#wake();
  };

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #attach(s: Socket | TLSSocket): void {
    s.on("data", this.#onData);
    s.on("close", this.#onClose);
    s.on("end", this.#onClose);
    s.on("error", this.#onClose);
  }

  #detach(s: Socket | TLSSocket): void {
    s.off("data", this.#onData);
    s.off("close", this.#onClose);
    s.off("end", this.#onClose);
    s.off("error", this.#onClose);
  }

  /** Waits for new input, close, or `ms`; resolves false on timeout. */
  #wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(false);
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(done);
    });
  }

  /** The buffer as a JSON string for error messages, cut to `max` characters. */
  protected preview(max = Infinity): string {
    return JSON.stringify(this.#buf.toString("latin1").slice(0, max));
  }

  /** What read() throws when the peer closed before `take` found something. */
  protected closedError(): Error {
    return new ClosedError(`connection closed; pending: ${this.preview()}`);
  }

  /** What read() throws when nothing complete arrived within `timeoutMs`. */
  protected timeoutError(timeoutMs: number): Error {
    return new Error(`nothing complete within ${timeoutMs} ms; pending: ${this.preview()}`);
  }

  /** Applies `take` to the buffer once; consumes and returns what it found, or null. */
  protected consume<T>(take: Take<T>): T | null {
    const r = take(this.#buf);
    if (r === null) return null;
    this.#buf = this.#buf.subarray(r[1]);
    return r[0];
  }

  /** Waits until `take` finds what it needs in the buffer; throws closedError() or timeoutError() otherwise. */
  protected async read<T>(take: Take<T>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = take(this.#buf);
      if (r !== null) {
        this.#buf = this.#buf.subarray(r[1]);
        return r[0];
      }
      if (this.#closed) throw this.closedError();
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.#wait(left))) throw this.timeoutError(timeoutMs);
    }
  }

  /** Empties the buffer; returns what it held. */
  protected discard(): Buffer {
    const out = this.#buf;
    this.#buf = Buffer.alloc(0);
    return out;
  }

  /** Collects whatever arrives within `ms` (stops early on close); consumes it. */
  async readFor(ms: number): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.#wait(left);
    }
    return this.discard();
  }

  /** Resolves once the peer has closed the connection; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeoutMs} ms`);
      await this.#wait(left);
    }
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Runs the TLS client handshake over the same TCP socket (after the server agreed to STARTTLS/STLS). */
  async startTls(opts: StartTlsOptions = {}): Promise<TLSSocket> {
    const raw = this.socket;
    this.#detach(raw);
    const s = await new Promise<TLSSocket>((resolve, reject) => {
      const t = tlsConnect({ socket: raw, rejectUnauthorized: false, ...opts });
      const fail = (e: Error): void => {
        // A failed handshake ends the connection: nothing more can be read from it.
        this.#closed = true;
        t.destroy();
        raw.destroy();
        reject(e);
      };
      t.once("secureConnect", () => {
        t.off("error", fail);
        resolve(t);
      });
      t.once("error", fail);
    });
    this.socket = s;
    this.#attach(s);
    return s;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
