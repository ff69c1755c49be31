/**
 * A raw IMAP client for the end-to-end tests: implicit TLS (or STARTTLS), byte-exact reads with
 * literals inlined, tagged commands, and waits for untagged lines (IDLE). Lines are latin1
 * strings, so a literal's `{n}` is its length in characters.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

export interface Reply {
  status: "OK" | "NO" | "BAD";
  /** The tagged line after the status, e.g. "[APPENDUID 1 2] APPEND completed." */
  text: string;
  untagged: string[];
}

export class RawImap {
  readonly lines: string[] = [];
  #buf = Buffer.alloc(0);
  #pending = "";
  #literal = -1;
  #waiters: Array<() => void> = [];
  #seen = 0;
  #tag = 0;
  closed = false;
  socket: TLSSocket | Socket;

  private constructor(socket: TLSSocket | Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  #attach(s: TLSSocket | Socket): void {
    s.on("data", (b: Buffer) => this.#onData(b));
    s.on("close", () => {
      this.closed = true;
      this.#wake();
    });
    s.on("error", () => undefined);
  }

  /** Connects with implicit TLS and waits for the greeting. */
  static async open(port: number): Promise<RawImap> {
    const s = await new Promise<TLSSocket>((resolve, reject) => {
      const t = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => resolve(t));
      t.once("error", reject);
    });
    const c = new RawImap(s);
    await c.waitFor((l) => l.startsWith("* "), 5000);
    return c;
  }

  /** Plaintext connection to the STARTTLS port (for input that must reach the server before TLS). */
  static async openPlain(port: number): Promise<RawImap> {
    const s = await new Promise<Socket>((resolve, reject) => {
      const t = netConnect({ host: "127.0.0.1", port }, () => resolve(t));
      t.once("error", reject);
    });
    const c = new RawImap(s);
    await c.waitFor((l) => l.startsWith("* "), 5000);
    return c;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #onData(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#literal >= 0) {
        if (this.#buf.length < this.#literal) break;
        this.#pending += this.#buf.toString("latin1", 0, this.#literal);
        this.#buf = this.#buf.subarray(this.#literal);
        this.#literal = -1;
        continue;
      }
      const nl = this.#buf.indexOf("\r\n");
      if (nl < 0) break;
      const line = this.#buf.toString("latin1", 0, nl);
      this.#buf = this.#buf.subarray(nl + 2);
      const m = /~?\{(\d+)\}$/.exec(line);
      if (m !== null) {
        this.#pending += `${line}\r\n`;
        this.#literal = Number(m[1]);
        continue;
      }
      this.lines.push(this.#pending + line);
      this.#pending = "";
    }
    this.#wake();
  }

  /** Lines received since the last call (or since connecting). */
  take(): string[] {
    const out = this.lines.slice(this.#seen);
    this.#seen = this.lines.length;
    return out;
  }

  /** Waits for a new line matching `pred` (among those not yet taken); returns it. */
  async waitFor(pred: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.#seen; i < this.lines.length; i++) {
        const l = this.lines[i] ?? "";
        if (pred(l)) {
          this.#seen = i + 1;
          return l;
        }
      }
      if (this.closed) throw new Error(`connection closed; last lines: ${this.lines.slice(-5).join(" | ")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; last lines: ${this.lines.slice(-5).join(" | ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends `tag text` (text may hold literals already) and returns the completion. */
  async command(text: string | Buffer, timeoutMs = 10_000): Promise<Reply> {
    const tag = `t${++this.#tag}`;
    this.take();
    this.send(Buffer.concat([Buffer.from(`${tag} `), Buffer.isBuffer(text) ? text : Buffer.from(text, "latin1"), Buffer.from("\r\n")]));
    const start = this.lines.length;
    const done = await this.waitFor((l) => l.startsWith(`${tag} `), timeoutMs);
    const untagged = this.lines.slice(start, this.lines.lastIndexOf(done)).filter((l) => !l.startsWith(`${tag} `));
    const m = /^\S+ (OK|NO|BAD) ?(.*)$/.exec(done);
    if (m === null) throw new Error(`bad completion: ${done}`);
    return { status: m[1] as Reply["status"], text: m[2] ?? "", untagged };
  }

  /** Like command(), but throws unless OK. */
  async ok(text: string | Buffer): Promise<Reply> {
    const r = await this.command(text);
    if (r.status !== "OK") throw new Error(`${String(text).slice(0, 80)} → ${r.status} ${r.text}`);
    return r;
  }

  async login(user: string, pass: string): Promise<void> {
    await this.ok(`LOGIN "${user}" "${pass}"`);
  }

  close(): void {
    this.socket.destroy();
  }
}
