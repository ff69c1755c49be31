/**
 * One SMTP server session (RFC 5321): reads commands, dispatches them by verb to handlers that
 * declare their allowed states, and maps every typed error to a reply in one place (`#fail`).
 * PIPELINING (RFC 2920): commands are processed strictly in order; input that arrives while a
 * command is in flight waits in the reader (with back-pressure past a bound).
 */
import { randomBytes } from "node:crypto";
import { Code, Status, SmtpError, SmtpReader, formatReply, type ReaderEvent } from "../smtp/index.ts";
import type { Connection } from "../tls/index.ts";
import type { CommandApi, SmtpCommand } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { finishData } from "./data-phase.ts";
import type { MailTransaction, Recipient, SmtpAuditSink, SmtpLimits, SmtpRole, State } from "./types.ts";

/** Stop reading from the socket while this much unprocessed input is queued. */
const MAX_QUEUED_INPUT = 256 * 1024;

/** Non-SMTP protocols aimed at mail ports (Postfix: smtpd_forbidden_commands). */
const FORBIDDEN_VERBS = new Set(["GET", "POST", "CONNECT", "PUT", "HEAD", "USER"]);

export interface SessionOptions {
  conn: Connection;
  hostname: string;
  role: SmtpRole;
  limits: SmtpLimits;
  audit: SmtpAuditSink;
  tlsAvailable: boolean;
  /** Starts a STARTTLS handshake on the connection (bound to the listener's TLS transport). */
  upgrade: (conn: Connection) => Promise<boolean>;
  onLog: (msg: string, err?: unknown) => void;
  onClosed: (session: Session) => void;
}

export class Session implements CommandApi {
  readonly id = randomBytes(6).toString("hex").toUpperCase();
  readonly conn: Connection;
  readonly hostname: string;
  readonly role: SmtpRole;
  readonly limits: SmtpLimits;
  readonly startedAt = Date.now();
  #state: State = "greeting";
  #helo: { name: string; extended: boolean } | null = null;
  #tx: MailTransaction | null = null;
  #messages = 0;
  #errors = 0;
  #busy = false;
  #closeReason: string | null = null;
  #draining = false;
  #timer: NodeJS.Timeout | null = null;
  #ended = false;
  readonly #reader: SmtpReader;
  readonly #opts: SessionOptions;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.conn = opts.conn;
    this.hostname = opts.hostname;
    this.role = opts.role;
    this.limits = opts.limits;
    this.#reader = new SmtpReader({ maxLine: opts.limits.maxLineLength });
  }

  get protocol(): string {
    return this.role.protocol;
  }
  get state(): State {
    return this.#state;
  }
  get helo(): { name: string; extended: boolean } | null {
    return this.#helo;
  }
  get tx(): MailTransaction | null {
    return this.#tx;
  }
  get messages(): number {
    return this.#messages;
  }
  get canStartTls(): boolean {
    return this.#opts.tlsAvailable && this.conn.tls === null;
  }
  /** True while a transaction is open or a command is running: SIGTERM waits for these. */
  get inFlight(): boolean {
    return this.#busy || this.#state === "mail" || this.#state === "rcpt" || this.#state === "data";
  }

  start(): void {
    this.conn.start({ data: (chunk) => this.#onData(chunk), close: () => this.#onPeerClosed() });
    // RFC 5321 §4.2: 220 greeting; RFC 3848-style product name only, no version.
    this.reply(Code.SERVICE_READY, null, `${this.hostname} ESMTP Sealpost`);
    this.#armTimer();
  }

  // ---- CommandApi -------------------------------------------------------------------------

  reply(code: number, status: string | null, text: string): void {
    this.conn.write(formatReply({ code, status, text }));
  }
  replyLines(code: number, lines: readonly string[]): void {
    this.conn.write(formatReply({ code, status: null, text: "" }, lines));
  }
  setHelo(name: string, extended: boolean): void {
    this.#helo = { name, extended };
  }
  beginTransaction(tx: MailTransaction): void {
    this.#tx = tx;
  }
  resetTransaction(_reason: string): void {
    this.#tx = null;
  }
  addRecipient(r: Recipient): void {
    this.#tx?.recipients.push(r);
  }
  recordRejectedRecipient(address: string, error: SmtpError): void {
    const at = address.lastIndexOf("@");
    this.#opts.audit.recipientRejected(this, this.#tx, {
      address,
      domain: address.slice(at + 1).toLowerCase(),
      code: error.code,
      status: error.status ?? "",
      text: error.text,
      delivered: false,
    });
  }
  expectData(): void {
    this.#reader.startData(this.limits.maxMessageSize);
  }
  closeAfterReply(reason: string): void {
    this.#closeReason = reason;
  }

  /** SIGTERM: idle sessions get 421 now; busy ones after their transaction. */
  drain(): void {
    this.#draining = true;
    if (!this.inFlight) this.#shutdownNow();
  }

  // ---- input and dispatch -----------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#state === "closing") return;
    this.#reader.push(chunk);
    this.#armTimer();
    if (this.#reader.buffered > MAX_QUEUED_INPUT) this.conn.pause();
    this.#pump();
  }

  #pump(): void {
    if (this.#busy) return;
    this.#busy = true;
    this.#drainInput()
      .catch((e: unknown) => this.#opts.onLog("session loop failed", e))
      .finally(() => {
        this.#busy = false;
        if (this.#draining && !this.inFlight && this.#state !== "closing") this.#shutdownNow();
      });
  }

  async #drainInput(): Promise<void> {
    for (;;) {
      if (this.#state === "closing" || this.#state === "tls") return;
      const ev = this.#reader.next();
      if (ev === null) {
        this.conn.resume();
        return;
      }
      await this.#handle(ev);
      if (this.#closeReason !== null) {
        this.#close(this.#closeReason);
        return;
      }
    }
  }

  async #handle(ev: ReaderEvent): Promise<void> {
    try {
      if (ev.kind === "data") {
        const tx = this.#tx;
        this.#tx = null;
        this.#transition("ready");
        if (tx === null) return;
        await finishData(this, tx, ev);
        this.#messages++;
        return;
      }
      if (ev.kind === "line-too-long") {
        // RFC 5321 §4.5.3.1.4 / §4.2.2: 500 for a line too long.
        throw new SmtpError(Code.SYNTAX_ERROR, Status.SYNTAX_ERROR, "Error: line too long");
      }
      await this.#dispatch(ev.line);
    } catch (e) {
      this.#fail(e);
    }
  }

  async #dispatch(line: string): Promise<void> {
    const sp = line.indexOf(" ");
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? "" : line.slice(sp + 1);
    const cmd: SmtpCommand | undefined = COMMANDS.get(verb);
    if (cmd === undefined) {
      if (FORBIDDEN_VERBS.has(verb)) {
        this.#closeReason = "non-SMTP command";
        throw new SmtpError(Code.SERVICE_UNAVAILABLE, Status.POLICY_TEMP, `${this.hostname} Error: non-SMTP command`, { close: true });
      }
      // RFC 5321 §4.2.4: 500 for an unrecognized command.
      throw new SmtpError(Code.SYNTAX_ERROR, Status.SYNTAX_ERROR, "Error: command not recognized");
    }
    if (!cmd.states.includes(this.#state)) throw cmd.outOfSequence(this.#state);
    const next = await cmd.handle(this, arg);
    if (next !== undefined) this.#transition(next);
    if (next === "tls") await this.#runTls();
  }

  /**
   * Entered from STARTTLS after its 220, in the same tick. RFC 3207 §4.2: input pipelined after
   * the command is discarded (CVE-2011-0411), and after the handshake the session starts over
   * (no EHLO, no transaction).
   */
  async #runTls(): Promise<void> {
    this.#reader.discard();
    this.#closeReason = "tls-failed"; // if the handshake fails, the connection closes under us
    const ok = await this.#opts.upgrade(this.conn);
    this.#helo = null;
    this.#tx = null;
    if (ok) this.#closeReason = null;
    this.#transition(ok ? "greeting" : "closing");
    this.#armTimer();
  }

  /** The one place where the session's state changes. */
  #transition(next: State): void {
    if (next === "closing" && this.#closeReason === null) this.#closeReason = "quit";
    const timeoutChanges = (next === "data") !== (this.#state === "data");
    this.#state = next;
    if (timeoutChanges) this.#armTimer();
  }

  /** The one place where errors become replies (design principle 5). */
  #fail(e: unknown): void {
    if (!(e instanceof SmtpError)) {
      this.#opts.onLog(`session ${this.id}: internal error`, e);
      e = new SmtpError(Code.LOCAL_ERROR, Status.SYSTEM_ERROR_TEMP, "Error: internal error, try again later");
    }
    const err = e as SmtpError;
    this.reply(err.code, err.status, err.text);
    if (err.close) {
      this.#closeReason ??= "error";
      return;
    }
    if (err.countsAsError && ++this.#errors >= this.limits.maxErrors) {
      // Postfix: smtpd_hard_error_limit → "421 4.7.0 host Error: too many errors".
      this.reply(Code.SERVICE_UNAVAILABLE, Status.POLICY_TEMP, `${this.hostname} Error: too many errors`);
      this.#closeReason = "errors";
    }
  }

  // ---- timers and closing -----------------------------------------------------------------

  #armTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    const ms = this.#state === "data" ? this.limits.dataTimeoutMs : this.limits.commandTimeoutMs;
    this.#timer = setTimeout(() => this.#onTimeout(), ms);
    this.#timer.unref();
  }

  #onTimeout(): void {
    if (this.#state === "closing" || this.#state === "tls") return;
    // RFC 5321 §4.5.3.2: the server may close after a timeout; Postfix sends 421 4.4.2.
    this.reply(Code.SERVICE_UNAVAILABLE, Status.BAD_CONNECTION, `${this.hostname} Error: timeout exceeded`);
    this.#close("timeout");
  }

  #shutdownNow(): void {
    this.reply(Code.SERVICE_UNAVAILABLE, Status.SYSTEM_NOT_ACCEPTING, `${this.hostname} Service shutting down, closing transmission channel`);
    this.#close("shutdown");
  }

  #close(reason: string): void {
    if (this.#ended) return;
    this.#state = "closing";
    this.conn.end();
    this.#finish(reason);
  }

  #onPeerClosed(): void {
    this.#state = "closing";
    this.#finish(this.#closeReason ?? "closed");
  }

  #finish(reason: string): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#ended) return;
    this.#ended = true;
    this.#opts.audit.sessionEnded(this, this.startedAt, reason);
    this.#opts.onClosed(this);
  }
}
