/**
 * One SMTP server session (RFC 5321): reads commands, dispatches them by verb to handlers that
 * declare their allowed states, and maps every typed error to a reply in one place (`#fail`).
 * PIPELINING (RFC 2920), back-pressure, timers and draining come from the shared LineSession.
 */
import { LineSession, splitVerb, type EvictionRank } from "../net/index.ts";
import { Code, Status, SmtpError, SmtpReader, domainOf, formatReply, type ReaderEvent } from "../smtp/index.ts";
import type { AuthContext } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import type { Connection } from "../tls/index.ts";
import type { CommandApi, SmtpCommand } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { finishData } from "./data-phase.ts";
import { replyFor } from "./error-table.ts";
import type { MailTransaction, Recipient, SmtpAuditSink, SmtpLimits, SmtpRole, State } from "./types.ts";

/** Non-SMTP protocols aimed at mail ports (Postfix: smtpd_forbidden_commands). */
const FORBIDDEN_VERBS = new Set(["GET", "POST", "CONNECT", "PUT", "HEAD", "USER"]);

interface SessionOptions {
  conn: Connection;
  hostname: string;
  role: SmtpRole;
  limits: SmtpLimits;
  audit: SmtpAuditSink;
  tlsAvailable: boolean;
  /** The connection's logger (src/net/listener.ts binds its session id, protocol and client). */
  log: Logger;
  onClosed: () => void;
}

export class Session extends LineSession<ReaderEvent> implements CommandApi {
  /** The connection's id: its log lines, TLS events, login rows and smtp_sessions row share it. */
  readonly id: string;
  readonly hostname: string;
  readonly role: SmtpRole;
  readonly limits: SmtpLimits;
  protected readonly reader: SmtpReader;
  #state: State = "greeting";
  #helo: { name: string; extended: boolean } | null = null;
  #tx: MailTransaction | null = null;
  #messages = 0;
  #errors = 0;
  /** NOOP, RSET, VRFY, HELP since the last accepted message (Postfix's junk command count). */
  #junk = 0;
  #authenticated: { accountId: number; address: string } | null = null;
  #sasl: ((line: string) => Promise<State | undefined>) | null = null;
  readonly #opts: SessionOptions;

  constructor(opts: SessionOptions) {
    super(opts.conn, { onClosed: opts.onClosed, log: opts.log, minDataRate: opts.limits.minDataRate });
    this.#opts = opts;
    this.id = opts.conn.id;
    this.hostname = opts.hostname;
    this.role = opts.role;
    this.limits = opts.limits;
    this.reader = new SmtpReader({ maxLine: opts.limits.maxLineLength });
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
  get authenticated(): { accountId: number; address: string } | null {
    return this.#authenticated;
  }
  get canStartTls(): boolean {
    return this.#opts.tlsAvailable && this.conn.tls === null;
  }

  // ---- LineSession hooks ------------------------------------------------------------------

  protected greet(): void {
    // RFC 5321 §4.2: 220 greeting; product name only, no version.
    this.reply(Code.SERVICE_READY, null, `${this.hostname} ESMTP Sealpost`);
  }
  protected nextEvent(): ReaderEvent | null {
    return this.reader.next();
  }
  protected timeoutMs(): number {
    return this.#state === "data" ? this.limits.dataTimeoutMs : this.limits.commandTimeoutMs;
  }
  protected signInDeadlineMs(): number {
    return this.limits.signInTimeoutMs;
  }
  protected override inputCredit(bytes: number): number {
    // A body past max_message_size will get 552 anyway: its bytes buy no time (from the chunk after
    // the one that crossed it), so a client streaming an endless DATA is closed at the DATA deadline.
    return this.reader.dataOversize ? 0 : bytes;
  }
  protected sayTimeout(): void {
    // RFC 5321 §4.5.3.2: the server may close after a timeout; Postfix sends 421 4.4.2.
    this.reply(Code.SERVICE_UNAVAILABLE, Status.BAD_CONNECTION, `${this.hostname} Error: timeout exceeded`);
  }
  protected sayShutdown(): void {
    this.reply(Code.SERVICE_UNAVAILABLE, Status.SYSTEM_NOT_ACCEPTING, `${this.hostname} Service shutting down, closing transmission channel`);
  }
  protected sayEvicted(): void {
    // RFC 5321 §3.8: 421 and close when the service must shut the channel; nothing was accepted.
    this.reply(Code.SERVICE_UNAVAILABLE, Status.SYSTEM_NOT_ACCEPTING, `${this.hostname} Error: too many connections; closing the oldest idle one`);
  }
  protected idleEvictionRank(): EvictionRank {
    if (this.#authenticated !== null || this.#state === "data" || this.#state === "closing") return null;
    return this.#state === "mail" || this.#state === "rcpt" ? "transaction" : "idle";
  }
  protected holdsWork(): boolean {
    return this.#state === "mail" || this.#state === "rcpt" || this.#state === "data";
  }
  protected ended(reason: string): void {
    this.#transition("closing");
    this.#opts.audit.sessionEnded(this, this.startedAt, reason);
  }

  // ---- CommandApi -------------------------------------------------------------------------

  reply(code: number, status: string | null, text: string): void {
    this.write(formatReply({ code, status, text }));
  }
  replyLines(code: number, lines: readonly string[]): void {
    this.write(formatReply({ code, status: null, text: "" }, lines));
  }
  setHelo(name: string, extended: boolean): void {
    this.#helo = { name, extended };
  }
  beginTransaction(tx: MailTransaction): void {
    this.#tx = tx;
    this.signedIn(); // on the MX, MAIL is as far as the sign-in deadline reaches
  }
  resetTransaction(_reason: string): void {
    this.#tx = null;
  }
  addRecipient(r: Recipient): void {
    this.#tx?.recipients.push(r);
  }
  recordRejectedRecipient(address: string, error: SmtpError, tx?: MailTransaction): void {
    this.#opts.audit.recipientRejected(this, tx ?? this.#tx, {
      address,
      domain: domainOf(address),
      code: error.code,
      status: error.status ?? "",
      text: error.text,
      delivered: false,
    });
  }
  expectData(): void {
    this.reader.startData(this.limits.maxMessageSize);
  }
  closeAfterReply(reason: string): void {
    this.closeReason = reason;
  }
  setAuthenticated(user: { accountId: number; address: string }): void {
    this.#authenticated = user;
    this.signedIn();
  }
  expectSaslResponse(handler: (line: string) => Promise<State | undefined>): void {
    this.#sasl = handler;
  }
  override signingIn<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return super.signingIn(work);
  }
  authContext(): AuthContext {
    return {
      protocol: "submission",
      port: this.conn.localPort,
      clientIp: this.conn.remoteAddress,
      tls: this.conn.tls,
      clientName: this.#helo?.name ?? null,
      session: this.id,
      log: this.log,
      legacy: this.conn.legacy,
    };
  }

  // ---- dispatch ---------------------------------------------------------------------------

  protected async handleEvent(ev: ReaderEvent): Promise<void> {
    try {
      if (ev.kind === "data") {
        const tx = this.#tx;
        this.#tx = null;
        this.#transition("ready");
        if (tx === null) return;
        const id = await finishData(this, tx, ev);
        // Postfix's "queued as" line: the id leads to the message's Received header and its audit rows.
        this.log.info("message accepted", { id, size: ev.size, recipients: tx.recipients.length, ...(tx.tlsRequired !== undefined ? { tlsRequired: tx.tlsRequired } : {}) });
        this.#messages++;
        this.#junk = 0;
        return;
      }
      const sasl = this.#sasl;
      if (this.#state === "auth" && sasl !== null) {
        // RFC 4954 §4: an error reply ends the exchange, so the state goes back first.
        this.#sasl = null;
        this.#transition("ready");
        if (ev.kind === "line-too-long") throw new SmtpError(Code.SYNTAX_ERROR, Status.SYNTAX_ERROR, "Error: line too long");
        const next = await sasl(ev.line);
        if (next !== undefined) this.#transition(next);
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
    const { verb, arg } = splitVerb(line);
    const cmd: SmtpCommand | undefined = COMMANDS.get(verb);
    if (cmd === undefined) {
      if (FORBIDDEN_VERBS.has(verb)) {
        throw new SmtpError(Code.SERVICE_UNAVAILABLE, Status.POLICY_TEMP, `${this.hostname} Error: non-SMTP command`, { close: true });
      }
      // RFC 5321 §4.2.4: 500 for an unrecognized command.
      throw new SmtpError(Code.SYNTAX_ERROR, Status.SYNTAX_ERROR, "Error: command not recognized");
    }
    if (!cmd.states.includes(this.#state)) throw cmd.outOfSequence(this.#state);
    const next = await cmd.handle(this, arg);
    if (next !== undefined) this.#transition(next);
    if (next === "tls") await this.#runTls();
    // Answered as usual, but a client that only keeps the connection busy runs into max_errors.
    if (cmd.junk === true && ++this.#junk > this.limits.junkCommandLimit) this.#countError();
  }

  /**
   * Entered from STARTTLS after its 220, in the same tick. RFC 3207 §4.2: input pipelined after
   * the command is discarded (CVE-2011-0411), and after the handshake the session starts over
   * (no EHLO, no transaction).
   */
  async #runTls(): Promise<void> {
    const ok = await this.upgradeTls(this.role.protocol);
    this.#helo = null;
    this.#tx = null;
    this.#authenticated = null;
    this.#transition(ok ? "greeting" : "closing");
  }

  /** The one place where the session's state changes (the base arms the next deadline after each command). */
  #transition(next: State): void {
    if (next === "closing") this.closeReason ??= "quit";
    this.#state = next;
  }

  /** The one place where errors become replies (design principle 5): the table (error-table.ts) says which. */
  #fail(e: unknown): void {
    const { reply: err, internal } = replyFor(e);
    if (internal) this.log.error("smtp session: internal error", e, { state: this.#state });
    this.reply(err.code, err.status, err.text);
    if (err.close) {
      this.closeReason ??= "error";
      return;
    }
    if (err.countsAsError) this.#countError();
  }

  /** One more error; at max_errors the session ends (Postfix: smtpd_hard_error_limit → "421 4.7.0 host Error: too many errors"). */
  #countError(): void {
    if (++this.#errors < this.limits.maxErrors) return;
    this.reply(Code.SERVICE_UNAVAILABLE, Status.POLICY_TEMP, `${this.hostname} Error: too many errors`);
    this.closeReason = "errors";
  }
}
