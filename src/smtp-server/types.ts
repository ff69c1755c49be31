/** What commands, roles and the session share. */
import type { Authenticator } from "../auth/index.ts";
import type { TlsRequired } from "../queue/index.ts";
import type { Connection } from "../tls/index.ts";
import type { State } from "./state.ts";

export interface SmtpLimits {
  maxMessageSize: number;
  maxRecipients: number;
  /** Deadline for each command line, from the previous reply. */
  commandTimeoutMs: number;
  /** Deadline for the DATA body, extended by what arrives at the minimum data rate. */
  dataTimeoutMs: number;
  /** From connecting to AUTH (submission) or to MAIL (MX). */
  signInTimeoutMs: number;
  /** Bytes per second that extend a deadline (Postfix's smtpd_min_data_rate). */
  minDataRate: number;
  maxErrors: number;
  /** NOOP, RSET, VRFY, HELP allowed between accepted messages before each counts as an error. */
  junkCommandLimit: number;
  /** Longest command line in octets (RFC 5321 §4.5.3.1.4 says 512; like Postfix we allow 2048). */
  maxLineLength: number;
}

export interface Recipient {
  /** As given in RCPT TO. */
  address: string;
  domain: string;
  /** The hosted account for local delivery, or null for a remote recipient (outbound queue). */
  accountId: number | null;
  /** A hosted domain's TLS-RPT address (tls-report-address.ts): the report is kept, not delivered. */
  tlsReport?: true;
}

export interface MailTransaction {
  from: string;
  /** BODY=8BITMIME (RFC 6152) or 7BIT. */
  body: "7BIT" | "8BITMIME";
  smtputf8: boolean;
  declaredSize: number | undefined;
  recipients: Recipient[];
  /**
   * RFC 8689 §4.1: "requiretls" from the MAIL parameter REQUIRETLS, or "no" from the header field
   * "TLS-Required: No" (tagged at the end of DATA); absent: neither. Queued with the message.
   */
  tlsRequired?: TlsRequired;
}

/**
 * What roles and the audit read of the client's connection: an SMTP session's, or (for a message
 * written in the webmail, submit-message.ts) the web request's.
 */
type ClientConnection = Pick<Connection, "remoteAddress" | "tls" | "localPort">;

export interface SessionInfo {
  readonly id: string;
  readonly conn: ClientConnection;
  readonly hostname: string;
  readonly protocol: string;
  readonly helo: { name: string; extended: boolean } | null;
  readonly tx: MailTransaction | null;
  readonly messages: number;
  /** The authenticated account (submission, RFC 4954), or null. */
  readonly authenticated: { accountId: number; address: string } | null;
}

/** Rejected recipients are recorded as they happen; accepted ones with the DATA outcome. */
interface RecipientOutcome {
  address: string;
  domain: string;
  code: number;
  status: string;
  text: string;
  delivered: boolean;
}

/** A role gives an SMTP listener its meaning: the MX for hosted domains (later: submission). */
export interface SmtpRole {
  readonly protocol: string;
  /** SMTP AUTH (RFC 4954): offered only after TLS and required before MAIL when set; null on the MX. */
  readonly auth: Authenticator | null;
  /** MAIL FROM: accept, or throw an SmtpError (submission: the sender must be the account's own). */
  checkSender(session: SessionInfo, address: string): Promise<void>;
  /** MAIL: resolves when the store has `bytes` to spare above its free-space floor, else throws StorageFullError. */
  checkStorage(bytes: number): Promise<void>;
  /** RCPT: accept (returning the recipient) or throw an SmtpError. */
  checkRecipient(session: SessionInfo, address: string): Promise<Recipient>;
  /**
   * DATA complete: store durably under `id` — the message's one id, named in its Received header,
   * in the 250 reply and (for remote recipients) as its queue id. `message` already carries the
   * Received header. Recipient outcomes are recorded in the same commit. A message the role
   * refuses (the MX's sender checks, submission's header From check) throws an SmtpError.
   */
  deliver(session: SessionInfo, tx: MailTransaction, id: string, message: Buffer[], size: number): Promise<void>;
}

export interface SmtpAuditSink {
  recipientRejected(session: SessionInfo, tx: MailTransaction | null, outcome: RecipientOutcome): void;
  sessionEnded(session: SessionInfo, startedAt: number, endReason: string): void;
}

export type { State };
