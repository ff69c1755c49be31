/**
 * The tables of `sealpost.db`, as Kysely sees them. Times are milliseconds since the epoch.
 * The mailbox model follows IMAP (RFC 3501 §2.3.1, RFC 9051 §2.3.1): per-mailbox UIDs that only
 * grow, a UIDVALIDITY fixed at creation, flags, internal date and size per message; POP3's UIDL
 * is derived from the same (mailbox UIDVALIDITY, UID) pair.
 */
import type { Generated } from "kysely";

export interface DomainTable {
  id: Generated<number>;
  name: string;
  /** 1: recipients in this domain are accepted only over TLS (RCPT → 450 4.7.0 in plaintext). */
  mandatory_tls: number;
  created_at: number;
}

export interface AccountTable {
  id: Generated<number>;
  address: string;
  domain_id: number;
  password_hash: string;
  disabled: Generated<number>;
  created_at: number;
}

export interface MailboxTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  /** RFC 6154 attribute, e.g. "\\Sent", or null. */
  special_use: string | null;
  subscribed: number;
  uidvalidity: number;
  uidnext: number;
  highest_modseq: number;
  created_at: number;
}

export interface MessageTable {
  id: Generated<number>;
  mailbox_id: number;
  uid: number;
  /** Name of the blob file under `blobs/` holding the message bytes. */
  blob: string;
  size: number;
  internal_date: number;
  /** System and keyword flags, space-separated (e.g. "\\Seen \\Flagged"). */
  flags: string;
  modseq: number;
}

export interface TlsEventTable {
  id: Generated<number>;
  time: number;
  protocol: string;
  port: number;
  client_ip: string;
  /** "implicit" or "starttls". */
  mode: string;
  /** "ok", "refused" (our policy said no, before the TLS library saw the hello) or "failed". */
  outcome: string;
  reason: string | null;
  version: string | null;
  cipher: string | null;
  offered_versions: string | null;
  offered_max: string | null;
  offered_suites: string | null;
  weak_suites: string | null;
  sni: string | null;
  alpn: string | null;
}

export interface SmtpSessionTable {
  id: string;
  started_at: number;
  ended_at: number;
  protocol: string;
  port: number;
  client_ip: string;
  ehlo: string | null;
  tls_version: string | null;
  tls_cipher: string | null;
  offered_versions: string | null;
  messages: number;
  /** How the session ended: "quit", "timeout", "errors", "closed", "shutdown", "limit". */
  end_reason: string;
}

export interface SmtpRecipientTable {
  id: Generated<number>;
  session_id: string;
  time: number;
  client_ip: string;
  ehlo: string | null;
  tls_version: string | null;
  mail_from: string;
  rcpt: string;
  domain: string;
  code: number;
  enhanced: string;
  text: string;
  /** 1 once the message was stored for this recipient. */
  delivered: number;
}

export interface LoginTable {
  id: Generated<number>;
  time: number;
  /** The user name as the client typed it. */
  username: string;
  /** The account it resolved to, or null (unknown account, or refused before lookup). */
  account_id: number | null;
  protocol: string;
  port: number;
  client_ip: string;
  tls_version: string | null;
  tls_cipher: string | null;
  /** IMAP ID name/version, EHLO name, or POP3 client hint. */
  client_name: string | null;
  mechanism: string;
  /** "ok", "failed" (bad credentials), "refused" (policy: plaintext, rate limit, disabled). */
  result: string;
  reason: string | null;
}

export interface QueueTable {
  id: string;
  created_at: number;
  /** Envelope sender ("" for the null sender). */
  mail_from: string;
  /** JSON array of recipient addresses still to deliver. */
  recipients: string;
  blob: string;
  size: number;
  /** "queued" (due at next_attempt_at), "held" (paused by the operator). */
  status: string;
  next_attempt_at: number;
  attempts: number;
  last_error: string | null;
  /** Who handed it over: "submission:alice@example.test", "relay". */
  source: string;
}

export interface Database {
  domains: DomainTable;
  accounts: AccountTable;
  mailboxes: MailboxTable;
  messages: MessageTable;
  tls_events: TlsEventTable;
  smtp_sessions: SmtpSessionTable;
  smtp_recipients: SmtpRecipientTable;
  logins: LoginTable;
  queue: QueueTable;
}
