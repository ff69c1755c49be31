/**
 * A small promise-based raw SMTP client for byte-level end-to-end tests: connect, read replies
 * (multi-line aware, RFC 5321 §4.2.1), send bytes, and upgrade the same socket to TLS.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

export interface SmtpReply {
  code: number;
  /** Every line of the reply without the "NNN-"/"NNN " prefix. */
  lines: string[];
  /** The reply as received, CRLFs included. */
  raw: string;
}

/** Rejected when the peer closes before a complete reply arrived. */
export class ClosedError extends Error {
  override name = "ClosedError";
}

export class RawSmtp {
  socket: Socket | TLSSocket;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  /** Connects to 127.0.0.1:port (loopback only) and waits for the TCP connection. */
  static connect(port: number, host = "127.0.0.1"): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ host, port });
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        resolve(new RawSmtp(s));
      });
    });
  }

  /** Connects and reads the 220 greeting. */
  static async open(port: number): Promise<RawSmtp> {
    const c = await RawSmtp.connect(port);
    const greeting = await c.readReply();
    if (greeting.code !== 220) throw new Error(`unexpected greeting: ${greeting.raw}`);
    return c;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes received and not yet consumed by readReply/readFor. */
  get pending(): Buffer {
    return this.#buf;
  }

  #onData = (chunk: Buffer): void => {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
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

  /** Takes one complete reply off the buffer, or returns null if none is complete yet. */
  #takeReply(): SmtpReply | null {
    let off = 0;
    const lines: string[] = [];
    for (;;) {
      const nl = this.#buf.indexOf("\r\n", off);
      if (nl < 0) return null;
      const line = this.#buf.toString("utf8", off, nl);
      off = nl + 2;
      if (!/^\d{3}[ -]/.test(line) && !/^\d{3}$/.test(line)) throw new Error(`malformed reply line: ${JSON.stringify(line)}`);
      lines.push(line.slice(4));
      if (line[3] !== "-") {
        const raw = this.#buf.toString("utf8", 0, off);
        this.#buf = this.#buf.subarray(off);
        return { code: Number(line.slice(0, 3)), lines, raw };
      }
    }
  }

  /** Reads one (possibly multi-line) reply. Throws ClosedError if the peer closes first. */
  async readReply(timeoutMs = 10_000): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.#takeReply();
      if (r !== null) return r;
      if (this.#closed) throw new ClosedError(`connection closed; pending: ${JSON.stringify(this.#buf.toString("latin1"))}`);
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.#wait(left))) {
        throw new Error(`no reply within ${timeoutMs} ms; pending: ${JSON.stringify(this.#buf.toString("latin1"))}`);
      }
    }
  }

  /** Reads `n` replies (for pipelined commands). */
  async readReplies(n: number, timeoutMs = 10_000): Promise<SmtpReply[]> {
    const out: SmtpReply[] = [];
    for (let i = 0; i < n; i++) out.push(await this.readReply(timeoutMs));
    return out;
  }

  /** Reads replies until the connection closes; returns them all. */
  async readUntilClosed(timeoutMs = 10_000): Promise<SmtpReply[]> {
    const out: SmtpReply[] = [];
    for (;;) {
      try {
        out.push(await this.readReply(timeoutMs));
      } catch (e) {
        if (e instanceof ClosedError) return out;
        throw e;
      }
    }
  }

  /** Collects whatever arrives within `ms` (stops early on close); consumes it. */
  async readFor(ms: number): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.#wait(left);
    }
    const out = this.#buf;
    this.#buf = Buffer.alloc(0);
    return out;
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

  /** Sends one command line (CRLF added) and reads its reply. */
  async command(line: string, timeoutMs?: number): Promise<SmtpReply> {
    this.send(`${line}\r\n`);
    return this.readReply(timeoutMs);
  }

  /** Runs the TLS client handshake over the same TCP socket (after the server's 220 to STARTTLS). */
  async startTls(opts: { servername?: string; minVersion?: "TLSv1.2" | "TLSv1.3"; maxVersion?: "TLSv1.2" | "TLSv1.3" } = {}): Promise<TLSSocket> {
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

  /** Runs a whole plaintext-or-TLS delivery; returns the final DATA reply. */
  async deliver(opts: { from: string; to: readonly string[]; body: string | Buffer; ehlo?: string; tls?: boolean }): Promise<SmtpReply> {
    await this.expect(`EHLO ${opts.ehlo ?? "client.test"}`, 250);
    if (opts.tls === true) {
      await this.expect("STARTTLS", 220);
      await this.startTls();
      await this.expect(`EHLO ${opts.ehlo ?? "client.test"}`, 250);
    }
    await this.expect(`MAIL FROM:<${opts.from}>`, 250);
    for (const r of opts.to) await this.expect(`RCPT TO:<${r}>`, 250);
    await this.expect("DATA", 354);
    this.send(opts.body);
    this.send(".\r\n");
    return this.readReply();
  }

  /** Sends a command and checks the reply code; returns the reply. */
  async expect(line: string, code: number): Promise<SmtpReply> {
    const r = await this.command(line);
    if (r.code !== code) throw new Error(`${line.slice(0, 60)} → expected ${code}, got ${r.raw.trim()}`);
    return r;
  }

  /** Sends QUIT (best effort) and destroys the socket. */
  async quit(): Promise<void> {
    if (!this.#closed) {
      this.send("QUIT\r\n");
      await this.readReply(2000).catch(() => undefined);
    }
    this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
