/** The shape of one SMTP command: the states it may run in, and its handler. */
import type { MailTransaction, Recipient, SessionInfo, SmtpLimits, SmtpRole, State } from "./types.ts";
import type { SmtpError } from "../smtp/index.ts";
import type { AuthContext } from "../auth/index.ts";
import type { Connection } from "../tls/index.ts";

/** What a handler may do to its session. State changes only through the handler's return value. */
export interface CommandApi extends SessionInfo {
  /** A session's own connection (STARTTLS, AUTH and EHLO look at more than the roles do). */
  readonly conn: Connection;
  readonly state: State;
  readonly limits: SmtpLimits;
  readonly role: SmtpRole;
  /** STARTTLS can be offered: not yet on TLS and a certificate is loaded. */
  readonly canStartTls: boolean;
  reply(code: number, status: string | null, text: string): void;
  /** A multi-line reply without enhanced codes (EHLO, RFC 5321 §4.1.1.1). */
  replyLines(code: number, lines: readonly string[]): void;
  setHelo(name: string, extended: boolean): void;
  beginTransaction(tx: MailTransaction): void;
  /** Drops the current transaction (RSET, EHLO, STARTTLS); unfinished recipients are recorded. */
  resetTransaction(reason: string): void;
  addRecipient(r: Recipient): void;
  /**
   * Records a refused recipient with its reply. `tx`: the transaction it belonged to, when the
   * session has already let go of it (the end of DATA); else the current one.
   */
  recordRejectedRecipient(address: string, error: SmtpError, tx?: MailTransaction): void;
  /** After "354": the reader now collects the body; the session finishes the transaction. */
  expectData(): void;
  /** Reply has been written; close the connection after it. */
  closeAfterReply(reason: string): void;
  /** RFC 4954: the session is now authenticated as this account. */
  setAuthenticated(user: { accountId: number; address: string }): void;
  /** The next client line goes to `handler` (a SASL continuation); its result is the next state. */
  expectSaslResponse(handler: (line: string) => Promise<State | undefined>): void;
  /** Who is connecting, for the login history. */
  authContext(): AuthContext;
  /** Runs a sign-in: the session stays evictable meanwhile, and the sign-in is told (aborted) when the session ends. */
  signingIn<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface SmtpCommand {
  readonly verb: string;
  readonly states: readonly State[];
  /** The error for this command in a state it is not allowed in (RFC 5321 §4.1.4: 503). */
  outOfSequence(state: State): SmtpError;
  /** Returns the next state, or undefined to stay. Returning "tls" starts the STARTTLS handshake. */
  handle(s: CommandApi, arg: string): Promise<State | undefined> | State | undefined;
  /** A command that moves no mail (NOOP, RSET, VRFY, HELP): past `junkCommandLimit` each counts as an error. */
  readonly junk?: true;
}
