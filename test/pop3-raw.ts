/**
 * A small promise-based raw POP3 client for byte-level end-to-end tests: status lines, multi-line
 * responses as received (still byte-stuffed), STLS on the same socket, and implicit TLS.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { ClosedError, RawSocket } from "./raw-socket.ts";

export class Pop3ClosedError extends ClosedError {
  override name = "Pop3ClosedError";
}

export class RawPop3 extends RawSocket {
  private constructor(socket: Socket | TLSSocket) {
    super(socket);
  }

  /** Connects to 127.0.0.1:port (from `localAddress` if given), with implicit TLS if asked, and reads the greeting. */
  static async open(port: number, opts: { tls?: boolean; localAddress?: string } = {}): Promise<{ c: RawPop3; greeting: string }> {
    const c = new RawPop3(await RawSocket.dial(port, opts));
    return { c, greeting: await c.readLine() };
  }

  get tls(): TLSSocket | null {
    return "encrypted" in this.socket ? this.socket : null;
  }

  protected override closedError(): Error {
    return new Pop3ClosedError(`connection closed; pending: ${this.preview(200)}`);
  }

  protected override timeoutError(timeoutMs: number): Error {
    return new Error(`nothing complete within ${timeoutMs} ms; pending: ${this.preview(200)}`);
  }

  /** One line without its CRLF. */
  readLine(timeoutMs = 10_000): Promise<string> {
    return this.read((b) => {
      const nl = b.indexOf("\r\n");
      return nl < 0 ? null : [b.toString("latin1", 0, nl), nl + 2];
    }, timeoutMs);
  }

  /** The body of a multi-line response after its status line, as received: stuffed, up to and including CRLF "." CRLF. */
  readMultiRaw(timeoutMs = 10_000): Promise<Buffer> {
    return this.read((b) => {
      if (b.subarray(0, 3).toString("latin1") === ".\r\n") return [b.subarray(0, 3), 3];
      const end = b.indexOf("\r\n.\r\n");
      return end < 0 ? null : [b.subarray(0, end + 5), end + 5];
    }, timeoutMs);
  }

  /** Sends a line (CRLF added) and reads the status line. */
  async command(line: string, timeoutMs?: number): Promise<string> {
    this.send(`${line}\r\n`);
    return this.readLine(timeoutMs);
  }

  /** Sends a command expecting a multi-line response; returns the status line and the body lines (unstuffed). */
  async multi(line: string): Promise<{ status: string; lines: string[] }> {
    const status = await this.command(line);
    if (!status.startsWith("+OK")) return { status, lines: [] };
    const lines = unstuff(await this.readMultiRaw()).toString("latin1").split("\r\n");
    lines.pop(); // after the last CRLF
    return { status, lines };
  }

  /** STLS and the TLS handshake on the same socket. */
  async stls(): Promise<TLSSocket> {
    const r = await this.command("STLS");
    if (!r.startsWith("+OK")) throw new Error(`STLS refused: ${r}`);
    return this.stlsHandshake();
  }

  /** The TLS handshake after the server's +OK to STLS; input buffered in the clear is dropped. */
  async stlsHandshake(): Promise<TLSSocket> {
    this.discard();
    return this.startTls();
  }

  /** USER/PASS; returns the reply to PASS (or to USER if that failed). */
  async login(user: string, password: string): Promise<string> {
    const r = await this.command(`USER ${user}`);
    if (!r.startsWith("+OK")) return r;
    return this.command(`PASS ${password}`);
  }

  /** Waits for the server to close; drops whatever it sent before closing. */
  override async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.read((b) => (this.closed ? [b, b.length] : null), timeoutMs);
  }

  /** Every line until the server closes the connection. */
  async readAllLines(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      try {
        lines.push(await this.readLine());
      } catch (e) {
        if (e instanceof Pop3ClosedError) return lines;
        throw e;
      }
    }
  }

  async quit(): Promise<void> {
    if (!this.closed) await this.command("QUIT", 3000).catch(() => undefined);
    this.socket.destroy();
  }
}

/** Undoes POP3 byte-stuffing (RFC 1939 §3) and drops the terminating ".": the data as the client sees it. */
export function unstuff(body: Buffer): Buffer {
  const text = body.toString("latin1");
  if (!text.endsWith(".\r\n")) throw new Error("not a terminated multi-line body");
  const lines = text.slice(0, -3).split("\r\n");
  lines.pop();
  return Buffer.from(lines.map((l) => (l.startsWith(".") ? l.slice(1) : l)).join("\r\n") + (lines.length > 0 ? "\r\n" : ""), "latin1");
}

export function plainB64(user: string, password: string, authzid = ""): string {
  return Buffer.from(`${authzid}\0${user}\0${password}`).toString("base64");
}

/** Deterministic pseudo-random bytes (mulberry32). */
export function randomBytes(seed: number, n: number): Buffer {
  let a = seed;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) % 256;
  }
  return out;
}
