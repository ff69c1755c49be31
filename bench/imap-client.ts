/**
 * A lean promise-based IMAP client for the benchmarks: implicit TLS, one command at a time (no
 * pipelining), each answered with every untagged line up to its tagged completion.
 *
 * Responses are read as bytes: a line that ends in a literal announcement `{n}` (or `{n+}`) is
 * followed by exactly n bytes, whatever they contain (CRLFs, text that looks like a tagged reply,
 * 8-bit data), and the line goes on after them. Each response line is kept as a latin1 string with
 * its literals inlined, so that its length in characters is its length in bytes.
 */
import { connect as tlsConnect, type TLSSocket } from "node:tls";

export interface ImapConnectOptions {
  host: string;
  port: number;
  /** SNI sent in the ClientHello (default: none). */
  servername?: string;
  /** Longest wait for the handshake + greeting and for each command's completion (default 30 s). */
  timeoutMs?: number;
}

export type ImapStatus = "OK" | "NO" | "BAD";

export interface ImapResponse {
  status: ImapStatus;
  /** The tagged line after the status word, e.g. "[READ-WRITE] SELECT completed". */
  text: string;
  /** Untagged ("* …") and continuation lines before the completion, literals inlined. */
  untagged: string[];
  /** Literal bytes received for this command (e.g. message bodies). */
  literalBytes: number;
}

/** A server reply that makes the connection unusable (BYE, close, timeout, a malformed line). */
export class ImapConnectionError extends Error {}

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** `{123}` or `{123+}` at the end of a line (before CR LF): the literal's byte count, else -1. */
function literalAtEnd(buf: Buffer, start: number, end: number): number {
  let i = end - 1;
  if (i < start || buf[i] !== 0x7d) return -1; // "}"
  i--;
  if (i >= start && buf[i] === 0x2b) i--; // "+" (LITERAL+ in a response is not allowed, but harmless)
  let n = 0;
  let mul = 1;
  let digits = 0;
  for (; i >= start && (buf[i] ?? 0) >= 0x30 && (buf[i] ?? 0) <= 0x39; i--, digits++) {
    n += ((buf[i] ?? 0) - 0x30) * mul;
    mul *= 10;
  }
  if (digits === 0 || digits > 12 || i < start || buf[i] !== 0x7b) return -1; // "{"
  return n;
}

interface Waiter {
  tag: string;
  untagged: string[];
  literalBytes: number;
  resolve: (r: ImapResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  /** For IDLE: resolve as soon as a continuation request ("+ …") arrives. */
  onContinuation: (() => void) | null;
}

export class ImapClient {
  readonly socket: TLSSocket;
  readonly #timeoutMs: number;
  #buf: Buffer = EMPTY;
  /** The response line being assembled (parts before and between literals). */
  #parts: string[] = [];
  /** Literal bytes still to read for the current line. */
  #literalLeft = 0;
  #lineLiteralBytes = 0;
  #waiter: Waiter | null = null;
  #failed: Error | null = null;
  #tagSeq = 0;
  /** The server's BYE line, if one came: the reason given when it then closes. */
  #bye: string | null = null;
  /** Untagged lines that arrived with no command in progress (e.g. during IDLE). */
  unsolicited = 0;
  greeting = "";

  private constructor(socket: TLSSocket, timeoutMs: number) {
    this.socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  /** Connects, completes the TLS handshake and reads the greeting ("* OK …"). */
  static connect(o: ImapConnectOptions): Promise<ImapClient> {
    const socket = tlsConnect({
      host: o.host,
      port: o.port,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
    });
    socket.setNoDelay(true);
    const c = new ImapClient(socket, o.timeoutMs ?? 30_000);
    socket.on("data", c.#onData);
    socket.on("error", (e: Error) => c.#fail(new ImapConnectionError(e.message)));
    socket.on("close", () => c.#fail(new ImapConnectionError(`connection closed by server${c.#bye !== null ? `: ${c.#bye}` : ""}`)));
    return new Promise<ImapClient>((resolve, reject) => {
      // The greeting is an untagged line: wait for it as for a command with no tag.
      const timer = setTimeout(() => {
        c.#fail(new ImapConnectionError(`no greeting within ${c.#timeoutMs} ms`));
        socket.destroy();
      }, c.#timeoutMs);
      c.#waiter = {
        tag: "",
        untagged: [],
        literalBytes: 0,
        timer,
        onContinuation: null,
        resolve: (r) => {
          clearTimeout(timer);
          c.greeting = r.text;
          if (r.status === "OK") resolve(c);
          else {
            socket.destroy();
            reject(new ImapConnectionError(`greeting: ${r.text}`));
          }
        },
        reject: (e) => {
          clearTimeout(timer);
          socket.destroy();
          reject(e);
        },
      };
    });
  }

  get protocol(): string {
    const e = this.socket.getEphemeralKeyInfo();
    const group = e !== null && "name" in e && typeof e.name === "string" ? ` ${e.name}` : "";
    return `${this.socket.getProtocol() ?? "?"} ${this.socket.getCipher().standardName}${group}`;
  }

  /** Sends `TAG command` and resolves with the response at its tagged completion (OK, NO or BAD). */
  command(cmd: string): Promise<ImapResponse> {
    return this.#send(cmd, null);
  }

  /** Quotes a string for a command (RFC 9051 quoted: backslash and DQUOTE escaped). */
  static quote(s: string): string {
    return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }

  /**
   * APPEND with a non-synchronizing literal (RFC 7888 LITERAL+, which Sealpost and Dovecot both
   * announce): the command and the message in one write, one round trip.
   */
  append(mailbox: string, flags: string, message: Buffer): Promise<ImapResponse> {
    return this.#send(`APPEND ${ImapClient.quote(mailbox)} (${flags}) {${message.length}+}`, null, message);
  }

  login(user: string, password: string): Promise<ImapResponse> {
    return this.command(`LOGIN ${ImapClient.quote(user)} ${ImapClient.quote(password)}`);
  }

  /**
   * Starts IDLE: resolves once the server's continuation request arrives, with a function that
   * sends DONE and resolves at the tagged completion.
   */
  idle(): Promise<() => Promise<ImapResponse>> {
    return new Promise((resolve, reject) => {
      const done = this.#send("IDLE", () => {
        resolve(() => {
          const w = this.#waiter;
          if (w !== null) w.timer = this.#armTimer("DONE");
          this.socket.write("DONE\r\n");
          return done;
        });
      });
      done.catch(reject);
      done.then((r) => reject(new ImapConnectionError(`IDLE ended without a continuation: ${r.status} ${r.text}`)), () => undefined);
    });
  }

  /** LOGOUT if the connection is up, then close (destroyed if the server does not close within 1 s). */
  async close(): Promise<void> {
    if (this.#failed === null && this.#waiter === null) {
      await Promise.race([this.command("LOGOUT").catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.destroy();
  }

  destroy(): void {
    this.#fail(new ImapConnectionError("closed by client"));
    this.socket.destroy();
  }

  #send(cmd: string, onContinuation: (() => void) | null, literal?: Buffer): Promise<ImapResponse> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    if (this.#waiter !== null) return Promise.reject(new Error("ImapClient: one command at a time"));
    const tag = `A${++this.#tagSeq}`;
    return new Promise<ImapResponse>((resolve, reject) => {
      const timer = this.#armTimer(cmd.split(" ", 2).join(" "));
      this.#waiter = { tag, untagged: [], literalBytes: 0, resolve, reject, timer, onContinuation };
      if (literal === undefined) this.socket.write(`${tag} ${cmd}\r\n`);
      else this.socket.write(Buffer.concat([Buffer.from(`${tag} ${cmd}\r\n`, "latin1"), literal, Buffer.from("\r\n", "latin1")]));
    });
  }

  #armTimer(what: string): NodeJS.Timeout {
    return setTimeout(() => {
      this.#fail(new ImapConnectionError(`${what}: no completion within ${this.#timeoutMs} ms`));
      this.socket.destroy();
    }, this.#timeoutMs);
  }

  #fail(e: Error): void {
    if (this.#failed !== null) return;
    this.#failed = e;
    const w = this.#waiter;
    this.#waiter = null;
    if (w !== null) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    let buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let pos = 0;
    while (pos < buf.length && this.#failed === null) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, buf.length - pos);
        this.#parts.push(buf.toString("latin1", pos, pos + take));
        this.#literalLeft -= take;
        this.#lineLiteralBytes += take;
        pos += take;
        continue;
      }
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) break;
      const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      const n = literalAtEnd(buf, pos, end);
      if (n >= 0) {
        this.#parts.push(buf.toString("latin1", pos, nl + 1));
        this.#literalLeft = n;
        pos = nl + 1;
        continue;
      }
      const last = buf.toString("latin1", pos, end);
      pos = nl + 1;
      let line: string;
      if (this.#parts.length === 0) line = last;
      else {
        this.#parts.push(last);
        line = this.#parts.join("");
        this.#parts = [];
      }
      const lit = this.#lineLiteralBytes;
      this.#lineLiteralBytes = 0;
      this.#onLine(line, lit);
    }
    // Keep what is left (a partial line) as a copy, so that the socket's chunk can be freed.
    this.#buf = pos >= buf.length ? EMPTY : Buffer.from(buf.subarray(pos));
    buf = EMPTY;
  };

  #onLine(line: string, literalBytes: number): void {
    const w = this.#waiter;
    if (w !== null && w.tag === "") {
      // Waiting for the greeting.
      const m = /^\* (OK|PREAUTH|BYE)\b ?(.*)$/.exec(line);
      this.#waiter = null;
      w.resolve({ status: m?.[1] === "OK" ? "OK" : "BAD", text: m?.[2] ?? line, untagged: [], literalBytes: 0 });
      return;
    }
    if (line.startsWith("* BYE")) this.#bye = line; // before LOGOUT's OK, or before the server closes
    if (w === null) {
      this.unsolicited++;
      return;
    }
    w.literalBytes += literalBytes;
    if (line.startsWith("+")) {
      const k = w.onContinuation;
      w.onContinuation = null;
      if (k !== null) {
        clearTimeout(w.timer); // IDLE lasts as long as the caller wants; DONE re-arms the timer
        k();
      }
      else w.untagged.push(line);
      return;
    }
    if (line.startsWith("* ")) {
      w.untagged.push(line);
      return;
    }
    const sp = line.indexOf(" ");
    if (sp > 0 && line.slice(0, sp) === w.tag) {
      const rest = line.slice(sp + 1);
      const sp2 = rest.indexOf(" ");
      const word = (sp2 < 0 ? rest : rest.slice(0, sp2)).toUpperCase();
      const status: ImapStatus | null = word === "OK" || word === "NO" || word === "BAD" ? word : null;
      this.#waiter = null;
      clearTimeout(w.timer);
      if (status === null) w.reject(new ImapConnectionError(`malformed completion: ${line.slice(0, 200)}`));
      else w.resolve({ status, text: sp2 < 0 ? "" : rest.slice(sp2 + 1), untagged: w.untagged, literalBytes: w.literalBytes });
      return;
    }
    this.#fail(new ImapConnectionError(`unexpected line: ${line.slice(0, 200)}`));
  }
}
