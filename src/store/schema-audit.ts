/** The tables of what happened and of the server's own state: TLS events, SMTP sessions, logins, sender checks, domain changes, web sessions, settings, the legacy cut-off and maintenance windows (part of Database, schema.ts). Times are milliseconds since the epoch. */
import type { Generated } from "kysely";

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
  /** The connection's id (src/log), as in its log lines; null for rows before migration 0007. */
  session_id: string | null;
  /** 1: the handshake was on a legacy endpoint (a listener that still speaks TLS 1.0/1.1). */
  legacy: Generated<number>;
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
  /** How many attempts the row stands for: 1, or all the throttled attempts of one user name from one address in one window. */
  attempts: Generated<number>;
  /** The connection's id (src/log), as in its log lines; null for rows before migration 0007. */
  session_id: string | null;
  /** 1: the sign-in came through a legacy endpoint (issue 12: a listener that still speaks TLS 1.0/1.1). */
  legacy: Generated<number>;
}

/** One message the MX checked (SPF, DKIM, DMARC, ARC) and what it did with it (migration 0023). */
export interface AuthResultTable {
  id: Generated<number>;
  time: number;
  session_id: string;
  /** The message's queue id when it was accepted; null when it was rejected. */
  queue_id: string | null;
  client_ip: string;
  helo: string | null;
  /** null: plaintext. */
  tls_version: string | null;
  /** The envelope sender's domain, lower-case; "" for the null sender. */
  mail_from_domain: string;
  /** The From header's domain, lower-case; "" when there is no single one. */
  from_domain: string;
  /** RFC 8601 result words: pass, fail, softfail, neutral, none, temperror, permerror, policy. */
  spf: string;
  /** pass when any signature verified, else the first one's result; none when unsigned. */
  dkim: string;
  /** Every signature's domain (d=), space-separated; "" when unsigned. */
  dkim_domains: string;
  dmarc: string;
  arc: string;
  /** accepted, quarantined (delivered to Junk) or rejected (550 5.7.1). */
  action: string;
  /** What refused or quarantined it: dmarc, hosted-domain; null when accepted as usual. */
  rule: string | null;
}

/** Who changed a domain's policy when (`sealpost domain log`): the audit trail of the mandatory-TLS switch. */
export interface DomainChangeTable {
  id: Generated<number>;
  time: number;
  domain: string;
  /** "mandatory_tls". */
  setting: string;
  /** "on" or "off". */
  value: string;
  /** Who: "cli:USER" or, later, the web console's signed-in account. */
  changed_by: string;
}

/** A signed-in web console session (src/auth/web-sessions.ts); the cookie's id is kept only as its SHA-256. */
export interface WebSessionTable {
  id_hash: string;
  account_id: number;
  created_at: number;
  /** Updated at most once a minute: the idle expiry counts from it. */
  last_seen: number;
  client_ip: string;
  /** The browser, in words ("Chrome 131 on Linux"). */
  client_name: string | null;
}

/** Small persistent switches: "queue.paused" = "1". */
export interface SettingTable {
  key: string;
  value: string;
}

/**
 * A legacy grant: an account (IMAP, POP3, submission) or a sending host's address (the MX) may use
 * the legacy endpoint, which still speaks TLS 1.0/1.1, until `until` (or the cut-off, if sooner).
 */
export interface LegacyGrantTable {
  id: Generated<number>;
  account_id: number | null;
  client_ip: string | null;
  /** Comma-separated: "imap,pop3,submission" for an account, "smtp" for a host. */
  protocols: string;
  until: number;
  created_at: number;
}

/** The announced cut-off of TLS 1.0/1.1: at most one is "scheduled" at a time. */
export interface CutoffTable {
  id: Generated<number>;
  date: number;
  /** Comma-separated days before the date on which the affected accounts get a notice: "30,7,1". */
  notify_days: string;
  /** "scheduled", "done" (the date came: grants ended, legacy listeners refuse below TLS 1.2) or "cancelled". */
  state: string;
  created_at: number;
  ended_at: number | null;
}

/** One notice sent to one account for one notify day of one cut-off: the row that makes it once only. */
export interface CutoffNoticeTable {
  cutoff_id: number;
  account_id: number;
  notify_day: number;
  sent_at: number;
  /** How many devices the notice named. */
  devices: number;
}

/** An announced maintenance window (the hoster's early-morning windows, `000_…`). */
export interface MaintenanceWindowTable {
  id: Generated<number>;
  starts_at: number;
  ends_at: number;
  /** Comma-separated: imap, pop3, submission, mx, web. */
  services: string;
  message: string | null;
  /** 1: the outbound queue is paused while the window is open, and resumes by itself at its end. */
  pause_delivery: Generated<number>;
  created_at: number;
}

/**
 * A Sealpost node: one `sealpost serve` (its primary and workers) on the database, as it announced
 * itself at start and in its heartbeat (src/cluster). `id` is the data directory's own, kept in
 * its `node-id` file, so a node that restarts keeps its row.
 */
export interface NodeTable {
  id: string;
  hostname: string;
  data_dir: string;
  pid: number;
  /** What it serves, comma-separated: its enabled listeners, and "queue". */
  roles: string;
  version: string;
  started_at: number;
  last_seen: number;
  /** When it stopped cleanly; null while it runs (or after it died). */
  stopped_at: number | null;
}
