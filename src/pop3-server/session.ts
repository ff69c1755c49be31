/**
 * One POP3 session (RFC 1939, RFC 2449, RFC 2595, RFC 5034): the state machine, dispatch by verb
 * to handlers that declare their states, and the one place where errors become "-ERR" replies.
 */
import type { AuthContext, Authenticator } from "../auth/index.ts";
import { LineReader, LineSession, splitVerb, type EvictionRank, type LineEvent } from "../net/index.ts";
import { expungeMessages, inboxSnapshot, type Store } from "../store/index.ts";
import type { Logger } from "../log/index.ts";
import type { Connection } from "../tls/index.ts";
import type { Pop3Api, Pop3Command, State } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { replyFor } from "./error-table.ts";
import { Maildrop } from "./maildrop.ts";
import { Pop3Error, RespCode, errLine, okLine } from "./replies.ts";

export interface Pop3Limits {
  idleTimeoutMs: number;
  /** From connecting to a successful USER/PASS or AUTH. */
  loginTimeoutMs: number;
  maxBadCommands: number;
  /** Bytes per second that extend a deadline. */
  minDataRate: number;
}

interface Pop3SessionOptions {
  conn: Connection;
  store: Store;
  auth: Authenticator;
  limits: Pop3Limits;
  tlsAvailable: boolean;
  /** The connection's logger (src/net/listener.ts binds its session id, protocol and client). */
  log: Logger;
  onClosed: () => void;
}

/** RFC 2449 §4: commands up to 255 octets; SASL responses may be longer. */
const MAX_LINE = 8192;

export class Pop3Session extends LineSession<LineEvent> implements Pop3Api {
  protected readonly reader = new LineReader({ maxLine: MAX_LINE });
  pendingUser: string | null = null;
  #state: State = "authorization";
  #maildrop: Maildrop | null = null;
  #sasl: ((line: string) => Promise<State | undefined>) | null = null;
  #bad = 0;
  readonly #opts: Pop3SessionOptions;

  constructor(opts: Pop3SessionOptions) {
    super(opts.conn, { onClosed: opts.onClosed, log: opts.log, minDataRate: opts.limits.minDataRate });
    this.#opts = opts;
  }

  get state(): State {
    return this.#state;
  }
  get maildrop(): Maildrop | null {
    return this.#maildrop;
  }
  get canStartTls(): boolean {
    return this.#opts.tlsAvailable && this.conn.tls === null;
  }

  // ---- LineSession hooks ------------------------------------------------------------------
  protected greet(): void {
    this.ok("Sealpost POP3 ready.");
  }
  protected nextEvent(): LineEvent | null {
    return this.reader.nextLine();
  }
  protected timeoutMs(): number {
    return this.#opts.limits.idleTimeoutMs;
  }
  protected signInDeadlineMs(): number {
    return this.#opts.limits.loginTimeoutMs;
  }
  protected sayTimeout(): void {
    this.write(errLine("Disconnected for inactivity.", RespCode.SYS_TEMP));
  }
  protected sayShutdown(): void {
    this.write(errLine("Server shutting down.", RespCode.SYS_TEMP));
  }
  protected sayEvicted(): void {
    // RFC 3206 §4: SYS/TEMP, a temporary problem on the server's side.
    this.write(errLine("Too many connections; closing the oldest one not logged in.", RespCode.SYS_TEMP));
  }
  protected idleEvictionRank(): EvictionRank {
    // "tls": a STARTTLS handshake waits on the client, as a command line does.
    return this.#state === "authorization" || this.#state === "sasl" || this.#state === "tls" ? "idle" : null;
  }
  protected holdsWork(): boolean {
    return false;
  }
  protected ended(): void {
    this.#transition("closing");
  }

  // ---- Pop3Api ----------------------------------------------------------------------------
  ok(text: string): void {
    this.write(okLine(text));
  }
  override write(data: string | Buffer): void {
    super.write(data);
  }
  closeAfterReply(reason: string): void {
    this.closeReason = reason;
  }
  expectSaslResponse(handler: (line: string) => Promise<State | undefined>): void {
    this.#sasl = handler;
  }
  #authContext(): AuthContext {
    return { protocol: "pop3", port: this.conn.localPort, clientIp: this.conn.remoteAddress, tls: this.conn.tls, clientName: null, session: this.conn.id, log: this.log, legacy: this.conn.legacy };
  }
  async login(username: string, password: string, mechanism: string): Promise<"ok" | "credentials" | "rate-limited" | "legacy"> {
    const outcome = await this.signingIn((signal) => this.#opts.auth.login(this.#authContext(), username, password, mechanism, signal));
    // "gone": the session has ended; the -ERR that follows is written nowhere.
    if (!outcome.ok) return outcome.refusal === "gone" ? "credentials" : outcome.refusal;
    const snapshot = await inboxSnapshot(this.#opts.store.db, outcome.accountId);
    if (snapshot === undefined) throw new Pop3Error("Mailbox unavailable.", { code: RespCode.SYS_TEMP });
    this.#maildrop = new Maildrop(snapshot);
    this.signedIn();
    return "ok";
  }
  refuseLogin(username: string, mechanism: string, reason: string): void {
    this.#opts.auth.refused(this.#authContext(), username, mechanism, reason);
  }
  /** BlobGoneError when another session deleted it meanwhile (the error table answers it). */
  async readMessage(blob: string): Promise<Buffer> {
    return await this.#opts.store.blobs.read(blob);
  }
  async commitDeletions(): Promise<number> {
    const d = this.#maildrop;
    return d !== null ? await expungeMessages(this.#opts.store, d.mailboxId, d.deletedUids()) : 0;
  }

  // ---- dispatch ---------------------------------------------------------------------------
  protected async handleEvent(ev: LineEvent): Promise<void> {
    try {
      const sasl = this.#sasl;
      if (this.#state === "sasl" && sasl !== null) {
        // RFC 5034 §4: any -ERR ends the exchange, so the state goes back first.
        this.#sasl = null;
        this.#transition("authorization");
        if (ev.kind === "line-too-long") throw new Pop3Error("Line too long.");
        const next = await sasl(ev.line);
        if (next !== undefined) this.#transition(next);
        return;
      }
      if (ev.kind === "line-too-long") throw new Pop3Error("Line too long.");
      await this.#dispatch(ev.line);
    } catch (e) {
      this.#fail(e);
    }
  }

  async #dispatch(line: string): Promise<void> {
    const { verb, arg: rawArg } = splitVerb(line);
    const cmd: Pop3Command | undefined = COMMANDS.get(verb);
    if (cmd === undefined) throw new Pop3Error(`Unknown command: ${verb.replace(/[^\x21-\x7e]/g, "?").slice(0, 20)}`);
    if (!cmd.states.includes(this.#state)) throw new Pop3Error(`${verb} is not allowed in the ${this.#state.toUpperCase()} state.`);
    const next = await cmd.handle(this, rawArg.split(" ").filter((a) => a !== ""), rawArg);
    if (next !== undefined) this.#transition(next);
    if (next === "tls") {
      const ok = await this.upgradeTls("pop3");
      this.pendingUser = null;
      this.#transition(ok ? "authorization" : "closing");
    }
  }

  /** The one place where the state changes. */
  #transition(next: State): void {
    this.#state = next;
  }

  /** The one place where errors become replies: the table (error-table.ts) says which. */
  #fail(e: unknown): void {
    const { reply: err, internal } = replyFor(e);
    if (internal) this.log.error("pop3 session: internal error", e, { state: this.#state });
    this.write(errLine(err.text, err.code));
    if (err.close) this.closeReason ??= "error";
    else if (++this.#bad >= this.#opts.limits.maxBadCommands) {
      this.write(errLine("Too many bad commands, disconnecting."));
      this.closeReason = "errors";
    }
  }
}
