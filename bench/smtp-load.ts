/**
 * A reusable SMTP load generator: N concurrent clients, each looping over whole sessions
 * (connect, 220, EHLO, STARTTLS, full TLS handshake, EHLO, MAIL, RCPT, DATA, body, ".", 250,
 * QUIT, close) until the time is up. One message per connection and no TLS session reuse, so
 * every message pays a TCP set-up and a full handshake, as a sending MTA without a session cache
 * would. Latency per message is connect → the 250 after DATA.
 *
 * The client is kept lean so that it is not what limits the figure: replies are parsed by
 * scanning for LF and looking at the fourth character, the message is built once and written as
 * one Buffer, and there is one timer per session. The result includes the CPU the client used.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { performance } from "node:perf_hooks";

export interface SmtpLoadOptions {
  host: string;
  port: number;
  clients: number;
  durationMs: number;
  messageBytes: number;
  rcpt: string;
  from: string;
  ehloName: string;
  /** SNI sent in the ClientHello (default: none). */
  servername?: string;
  /**
   * Start sessions at this many per second in total (an offered load), each client taking the
   * next slot when it is free; default: back to back (a closed loop, as fast as the server goes).
   */
  ratePerSecond?: number;
  /** Longest a single session may take before it counts as an error (default 30 s). */
  sessionTimeoutMs?: number;
  /** Sign in with AUTH PLAIN after STARTTLS (the submission port), as a mail program does per connection. */
  auth?: { user: string; password: string };
  /** Start at most this many sessions in all (a batch), even before `durationMs` is up. */
  maxSessions?: number;
}

export interface SmtpLoadResult {
  messages: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  firstErrors: string[];
  /** CPU (user + system) the load generator's process used, as % of one core over elapsedMs. */
  clientCpuPercent: number;
  /** Mean ms per step of the acknowledged sessions (connect+220, EHLO, …, body→250). */
  phaseMs: Record<string, number>;
  /** Every acknowledged message's latency, sorted (for merging runs; left out of JSON output). */
  latenciesMs: Float64Array;
  /** What the first successful handshake negotiated, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384 X25519MLKEM768". */
  tls: string | null;
}

const MAX_ERROR_TEXTS = 8;

/** The steps of a session up to the 250, timed separately (the reply that ends each one); AUTH only with `auth`. */
const PHASES = ["connect+220", "EHLO", "STARTTLS", "handshake", "EHLO/TLS", "MAIL", "RCPT", "DATA", "body+250"] as const;
const PHASES_WITH_AUTH = ["connect+220", "EHLO", "STARTTLS", "handshake", "EHLO/TLS", "AUTH", "MAIL", "RCPT", "DATA", "body+250"] as const;

/** A complete (possibly multi-line) SMTP reply: its code and its last line. */
interface Reply {
  code: number;
  text: string;
}

/** Builds the message once: headers, body lines to `bytes` in total, dot-stuffed, CRLF, ".". */
export function buildMessage(bytes: number, from: string, rcpt: string): Buffer {
  const head = [
    `From: <${from}>`,
    `To: <${rcpt}>`,
    "Subject: Sealpost SMTP benchmark",
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    "Message-ID: <bench.0@sealpost.test>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "",
  ].join("\r\n");
  const lines: string[] = [head];
  let size = head.length + 2;
  const filler = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmno";
  for (let i = 0; size < bytes; i++) {
    // Every 16th line starts with a dot, to exercise dot-stuffing on both sides.
    let line = i % 16 === 15 ? `.${filler}` : `${String(i).padStart(5, "0")} ${filler}`;
    line = line.slice(0, Math.max(1, Math.min(line.length, bytes - size - 2)));
    lines.push(line.startsWith(".") ? `.${line}` : line);
    size += line.length + 2;
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n.\r\n`, "latin1");
}

/**
 * One SMTP session's reply reader over a socket that may be swapped for TLS. Replies that arrive
 * with nobody waiting are queued; a close or error fails the waiter.
 */
class ReplyReader {
  #buf = "";
  #queue: Reply[] = [];
  #waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  #failed: Error | null = null;

  readonly onData = (chunk: Buffer): void => {
    this.#buf = this.#buf.length === 0 ? chunk.toString("latin1") : this.#buf + chunk.toString("latin1");
    let start = 0;
    for (;;) {
      const nl = this.#buf.indexOf("\n", start);
      if (nl < 0) break;
      // "250-..." continues; "250 ..." or a bare "250" ends the reply.
      if (nl - start < 4 || this.#buf.charCodeAt(start + 3) !== 0x2d) {
        const code = Number(this.#buf.slice(start, start + 3));
        const end = nl > start && this.#buf.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
        this.#deliver({ code: Number.isInteger(code) ? code : 0, text: this.#buf.slice(start, end) });
        this.#buf = this.#buf.slice(nl + 1);
        start = 0;
      } else {
        start = nl + 1;
      }
    }
  };

  readonly onError = (e: Error): void => this.fail(e);
  readonly onClose = (): void => this.fail(new Error("connection closed by server"));

  fail(e: Error): void {
    if (this.#failed !== null) return;
    this.#failed = e;
    const w = this.#waiter;
    this.#waiter = null;
    w?.reject(e);
  }

  #deliver(r: Reply): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.resolve(r);
    } else this.#queue.push(r);
  }

  get hasPending(): boolean {
    return this.#buf.length > 0 || this.#queue.length > 0;
  }

  next(): Promise<Reply> {
    const r = this.#queue.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.#failed !== null) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }
}

class ProtocolError extends Error {}

function attach(sock: Socket, r: ReplyReader): void {
  sock.on("data", r.onData);
  sock.on("error", r.onError);
  sock.on("close", r.onClose);
}

function detach(sock: Socket, r: ReplyReader): void {
  sock.off("data", r.onData);
  sock.off("error", r.onError);
  sock.off("close", r.onClose);
}

/** Ends a socket politely, destroying it if the peer does not close within a second. */
function closeSoon(sock: Socket): void {
  sock.on("error", () => undefined);
  const t = setTimeout(() => sock.destroy(), 1000);
  sock.once("close", () => clearTimeout(t));
  sock.end();
}

/** One whole session; `onAck` gets the connect → 250 latency in ms as soon as the 250 arrives. */
async function session(
  o: SmtpLoadOptions,
  message: Buffer,
  cmds: { ehlo: string; auth: string | null; mail: string; rcpt: string },
  onAck: (latencyMs: number, marks: number[]) => void,
  onTls: ((s: TLSSocket) => void) | null,
  context: SecureContext,
): Promise<void> {
  const t0 = performance.now();
  const marks: number[] = [t0];
  const reader = new ReplyReader();
  const raw = netConnect({ host: o.host, port: o.port, noDelay: true });
  let sock: Socket | TLSSocket = raw;
  attach(raw, reader);
  const timer = setTimeout(() => {
    reader.fail(new Error(`session timed out after ${o.sessionTimeoutMs ?? 30_000} ms`));
    sock.destroy();
    raw.destroy();
  }, o.sessionTimeoutMs ?? 30_000);
  const expect = async (code: number, what: string): Promise<void> => {
    const r = await reader.next();
    marks.push(performance.now());
    if (r.code !== code) throw new ProtocolError(`${what}: expected ${code}, got "${r.text.slice(0, 160)}"`);
  };
  try {
    await expect(220, "greeting");
    raw.write(cmds.ehlo);
    await expect(250, "EHLO");
    raw.write("STARTTLS\r\n");
    await expect(220, "STARTTLS");
    if (reader.hasPending) throw new ProtocolError("STARTTLS: server sent more after its 220");
    detach(raw, reader);
    const secure = tlsConnect({
      socket: raw,
      secureContext: context,
      rejectUnauthorized: false,
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
    });
    sock = secure;
    attach(secure, reader);
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error): void => reject(new Error(`TLS handshake: ${e.message}`));
      secure.once("secureConnect", () => {
        marks.push(performance.now());
        secure.off("error", onErr);
        resolve();
      });
      secure.once("error", onErr);
    });
    onTls?.(secure);
    secure.write(cmds.ehlo);
    await expect(250, "EHLO after STARTTLS");
    if (cmds.auth !== null) {
      secure.write(cmds.auth);
      await expect(235, "AUTH PLAIN");
    }
    secure.write(cmds.mail);
    await expect(250, "MAIL FROM");
    secure.write(cmds.rcpt);
    await expect(250, "RCPT TO");
    secure.write("DATA\r\n");
    await expect(354, "DATA");
    secure.write(message);
    await expect(250, "end of DATA");
    onAck(performance.now() - t0, marks);
    secure.write("QUIT\r\n");
    await expect(221, "QUIT");
  } finally {
    clearTimeout(timer);
    detach(sock, reader);
    closeSoon(sock);
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

/** Runs `clients` concurrent session loops for `durationMs`; sessions in flight at the end finish. */
export async function runSmtpLoad(o: SmtpLoadOptions): Promise<SmtpLoadResult> {
  const message = buildMessage(o.messageBytes, o.from, o.rcpt);
  const phases: readonly string[] = o.auth !== undefined ? PHASES_WITH_AUTH : PHASES;
  const cmds = {
    ehlo: `EHLO ${o.ehloName}\r\n`,
    // RFC 4616: [authzid] NUL authcid NUL passwd.
    auth: o.auth !== undefined ? `AUTH PLAIN ${Buffer.from(`\0${o.auth.user}\0${o.auth.password}`).toString("base64")}\r\n` : null,
    mail: `MAIL FROM:<${o.from}> SIZE=${message.length}\r\n`,
    rcpt: `RCPT TO:<${o.rcpt}>\r\n`,
  };
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + o.durationMs;

  const phaseSums = new Float64Array(phases.length);
  const onAck = (ms: number, marks: number[]): void => {
    latencies.push(ms);
    for (let i = 0; i < phases.length; i++) phaseSums[i] = (phaseSums[i] ?? 0) + ((marks[i + 1] ?? 0) - (marks[i] ?? 0));
  };
  let tls: string | null = null;
  const onTls = (s: TLSSocket): void => {
    const e = s.getEphemeralKeyInfo();
    const group = e !== null && "name" in e && typeof e.name === "string" ? ` ${e.name}` : "";
    tls = `${s.getProtocol() ?? "?"} ${s.getCipher().standardName}${group}`;
  };
  // One client context for every session, as an MTA keeps one: a context per connection (tls.connect's
  // default) costs the load generator more CPU per message than some servers do, on the same cores.
  const context = createSecureContext({ minVersion: "TLSv1.2" });
  let slot = 0;
  let started = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline && started++ < (o.maxSessions ?? Infinity)) {
      if (o.ratePerSecond !== undefined) {
        const at = start + (slot++ * 1000) / o.ratePerSecond;
        if (at >= deadline) break;
        const wait = at - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        await session(o, message, cmds, onAck, tls === null ? onTls : null, context);
      } catch (e) {
        // A failure after the 250 (QUIT) still counts the message, which was acknowledged.
        errors++;
        if (firstErrors.length < MAX_ERROR_TEXTS) firstErrors.push(e instanceof Error ? e.message : String(e));
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, loop));

  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  return {
    messages: latencies.length,
    errors,
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
    firstErrors,
    clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    phaseMs: Object.fromEntries(phases.map((p, i) => [p, latencies.length > 0 ? (phaseSums[i] ?? 0) / latencies.length : 0])),
    latenciesMs: sorted,
    tls,
  };
}

/** One result for several runs against the same server (e.g. interleaved rounds). */
export function mergeLoadResults(runs: readonly SmtpLoadResult[]): SmtpLoadResult {
  const messages = runs.reduce((n, r) => n + r.messages, 0);
  const elapsedMs = runs.reduce((n, r) => n + r.elapsedMs, 0);
  const all = new Float64Array(messages);
  let at = 0;
  for (const r of runs) {
    all.set(r.latenciesMs, at);
    at += r.latenciesMs.length;
  }
  all.sort();
  const phaseMs: Record<string, number> = {};
  for (const p of PHASES) phaseMs[p] = messages > 0 ? runs.reduce((n, r) => n + (r.phaseMs[p] ?? 0) * r.messages, 0) / messages : 0;
  return {
    messages,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    elapsedMs,
    perSecond: messages / (elapsedMs / 1000),
    p50Ms: percentile(all, 50),
    p90Ms: percentile(all, 90),
    p99Ms: percentile(all, 99),
    maxMs: all.length > 0 ? (all[all.length - 1] ?? 0) : 0,
    firstErrors: runs.flatMap((r) => r.firstErrors).slice(0, MAX_ERROR_TEXTS),
    clientCpuPercent: elapsedMs > 0 ? runs.reduce((n, r) => n + r.clientCpuPercent * r.elapsedMs, 0) / elapsedMs : 0,
    phaseMs,
    latenciesMs: all,
    tls: runs.find((r) => r.tls !== null)?.tls ?? null,
  };
}
