/**
 * A raw IMAP client for the end-to-end tests: implicit TLS (or STARTTLS), byte-exact reads with
 * literals inlined, tagged commands, and waits for untagged lines (IDLE). Lines are latin1
 * strings, so a literal's `{n}` is its length in characters.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { RawSocket } from "./raw-socket.ts";

export interface Reply {
  status: "OK" | "NO" | "BAD";
  /** The tagged line after the status, e.g. "[APPENDUID 1 2] APPEND completed." */
  text: string;
  untagged: string[];
}

/** One response line with its literals inlined (their CRLFs kept) and its length with the final CRLF, or null until complete. */
function takeLine(b: Buffer): [string, number] | null {
  let off = 0;
  for (;;) {
    const nl = b.indexOf("\r\n", off);
    if (nl < 0) return null;
    const m = /~?\{(\d+)\}$/.exec(b.toString("latin1", off, nl));
    if (m === null) return [b.toString("latin1", 0, nl), nl + 2];
    off = nl + 2 + Number(m[1]);
    if (off > b.length) return null;
  }
}

export class RawImap extends RawSocket {
  readonly lines: string[] = [];
  #seen = 0;
  #tag = 0;

  private constructor(socket: TLSSocket | Socket) {
    super(socket);
  }

  /** Connects with implicit TLS (to `host`, 127.0.0.1 unless given; from `localAddress` if given) and waits for the greeting. */
  static async open(port: number, opts: { localAddress?: string; host?: string } = {}): Promise<RawImap> {
    const c = new RawImap(await RawSocket.dial(port, { tls: true, ...opts }));
    await c.waitFor((l) => l.startsWith("* "), 5000);
    return c;
  }

  /** Plaintext connection to the STARTTLS port (for input that must reach the server before TLS). */
  static async openPlain(port: number): Promise<RawImap> {
    const c = new RawImap(await RawSocket.dial(port));
    await c.waitFor((l) => l.startsWith("* "), 5000);
    return c;
  }

  /** Splits complete lines off the buffer as they arrive. */
  protected override received(): void {
    for (let l = this.consume(takeLine); l !== null; l = this.consume(takeLine)) this.lines.push(l);
  }

  protected override closedError(): Error {
    return new Error(`connection closed; last lines: ${this.lines.slice(-5).join(" | ")}`);
  }

  protected override timeoutError(): Error {
    return new Error(`timed out; last lines: ${this.lines.slice(-5).join(" | ")}`);
  }

  /** Lines received since the last call (or since connecting). */
  take(): string[] {
    const out = this.lines.slice(this.#seen);
    this.#seen = this.lines.length;
    return out;
  }

  /** Waits for a new line matching `pred` (among those not yet taken); returns it. */
  waitFor(pred: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return this.read(() => {
      for (let i = this.#seen; i < this.lines.length; i++) {
        const l = this.lines[i] ?? "";
        if (pred(l)) {
          this.#seen = i + 1;
          return [l, 0];
        }
      }
      return null;
    }, timeoutMs);
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

  /** SELECTs `mailbox` and enters IDLE (tag `tag`) once the server has said `+`; resolves with the EXISTS count SELECT gave. */
  async idleIn(mailbox: string, tag: string): Promise<number> {
    const selected = await this.ok(`SELECT ${mailbox}`);
    const exists = Number(/\* (\d+) EXISTS/.exec(selected.untagged.join("\n"))?.[1] ?? "0");
    this.send(`${tag} IDLE\r\n`);
    await this.waitFor((l) => l.startsWith("+ "));
    return exists;
  }

  close(): void {
    this.socket.destroy();
  }
}
