/**
 * A small promise-based raw SMTP client for byte-level end-to-end tests: connect, read replies
 * (multi-line aware, RFC 5321 §4.2.1), send bytes, and upgrade the same socket to TLS.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { ClosedError, RawSocket } from "./raw-socket.ts";

/** Rejected when the peer closes before a complete reply arrived. */
export { ClosedError };

export interface SmtpReply {
  code: number;
  /** Every line of the reply without the "NNN-"/"NNN " prefix. */
  lines: string[];
  /** The reply as received, CRLFs included. */
  raw: string;
}

/** One complete reply at the start of `buf` and its length, or null if none is complete yet. */
function takeReply(buf: Buffer): [SmtpReply, number] | null {
  let off = 0;
  const lines: string[] = [];
  for (;;) {
    const nl = buf.indexOf("\r\n", off);
    if (nl < 0) return null;
    const line = buf.toString("utf8", off, nl);
    off = nl + 2;
    if (!/^\d{3}[ -]/.test(line) && !/^\d{3}$/.test(line)) throw new Error(`malformed reply line: ${JSON.stringify(line)}`);
    lines.push(line.slice(4));
    if (line[3] !== "-") return [{ code: Number(line.slice(0, 3)), lines, raw: buf.toString("utf8", 0, off) }, off];
  }
}

export class RawSmtp extends RawSocket {
  private constructor(socket: Socket | TLSSocket) {
    super(socket);
  }

  /** Connects to 127.0.0.1:port (loopback only; from `localAddress` if given) and waits for the TCP connection. */
  static async connect(port: number, host = "127.0.0.1", localAddress?: string): Promise<RawSmtp> {
    return new RawSmtp(await RawSocket.dial(port, { host, ...(localAddress !== undefined ? { localAddress } : {}) }));
  }

  /** Connects and reads the 220 greeting. */
  static async open(port: number, opts: { localAddress?: string; host?: string } = {}): Promise<RawSmtp> {
    const c = await RawSmtp.connect(port, opts.host ?? "127.0.0.1", opts.localAddress);
    const greeting = await c.readReply();
    if (greeting.code !== 220) throw new Error(`unexpected greeting: ${greeting.raw}`);
    return c;
  }

  protected override timeoutError(timeoutMs: number): Error {
    return new Error(`no reply within ${timeoutMs} ms; pending: ${this.preview()}`);
  }

  /** Reads one (possibly multi-line) reply. Throws ClosedError if the peer closes first. */
  readReply(timeoutMs = 10_000): Promise<SmtpReply> {
    return this.read(takeReply, timeoutMs);
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

  /** Sends one command line (CRLF added) and reads its reply. */
  async command(line: string, timeoutMs?: number): Promise<SmtpReply> {
    this.send(`${line}\r\n`);
    return this.readReply(timeoutMs);
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
    if (!this.closed) {
      this.send("QUIT\r\n");
      await this.readReply(2000).catch(() => undefined);
    }
    this.destroy();
  }
}
