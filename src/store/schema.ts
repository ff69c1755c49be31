/**
 * The tables of `sealpost.db`, as Kysely sees them. Times are milliseconds since the epoch.
 * The mailbox model follows IMAP (RFC 3501 §2.3.1, RFC 9051 §2.3.1): per-mailbox UIDs that only
 * grow, a UIDVALIDITY fixed at creation, flags, internal date and size per message; POP3's UIDL
 * is derived from the same (mailbox UIDVALIDITY, UID) pair.
 */
import type { Generated } from "kysely";

interface DomainTable {
  id: Generated<number>;
  name: string;
  /** 1: recipients in this domain are accepted only over TLS (RCPT → 450 4.7.0 in plaintext). */
  mandatory_tls: number;
  created_at: number;
  /** The MTA-STS policy's mode ("none", "testing", "enforce"), or null: none published (RFC 8461). */
  mta_sts_mode: string | null;
  /** The policy's id, as published in the _mta-sts TXT record (§3.1); kept when the policy is withdrawn. */
  mta_sts_id: string | null;
  /** When the policy's mode last changed (ms). */
  mta_sts_changed_at: number | null;
}

interface AccountTable {
  id: Generated<number>;
  address: string;
  /** The hosted domain its mailboxes are in; null for a console-only account (a relay domain's administrator: no mail here). */
  domain_id: number | null;
  password_hash: string;
  disabled: Generated<number>;
  /** "user", "domain-admin" or "admin" (src/directory ROLES): what the account may administer. */
  role: Generated<string>;
  created_at: number;
  /** "en" or "de": the language of the notices Sealpost sends it (and its pages once chosen); null: the config's `[notices] language`. */
  language: string | null;
  /** Storage quota in bytes (RFC 9208 STORAGE, `sealpost user set --quota`); null: no limit. */
  quota_bytes: number | null;
}

/** A domain (hosted or relay) an account administers besides its own. */
interface DomainAdminTable {
  domain: string;
  account_id: number;
  granted_at: number;
}

interface MailboxTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  /** RFC 6154 attribute, e.g. "\\Sent", or null. */
  special_use: string | null;
  uidvalidity: number;
  uidnext: number;
  highest_modseq: number;
  created_at: number;
  /** The first UID not yet claimed as \Recent by a read-write SELECT (RFC 3501 §2.3.2); migration 0017. */
  recent_uid: Generated<number>;
  /** Sum of its messages' sizes, kept by triggers on messages (migrations-quota.ts). */
  used_bytes: Generated<number>;
  /** RFC 7162: expunges with a modseq up to this one may have no `expunged` row (migrations-sync.ts). */
  expunged_floor: Generated<number>;
  /** How many `expunged` rows the mailbox has. */
  expunged_count: Generated<number>;
  /** Its messages, those without \Seen, those with \Deleted: kept by triggers on messages (migrations-counters.ts). */
  message_count: Generated<number>;
  unseen_count: Generated<number>;
  deleted_count: Generated<number>;
}

/** A subscribed mailbox name (RFC 9051 §6.3.7): it outlives its mailbox; migration 0017. */
interface SubscriptionTable {
  account_id: number;
  name: string;
}

interface MessageTable {
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

interface TlsEventTable {
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

interface SmtpSessionTable {
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

interface SmtpRecipientTable {
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

interface LoginTable {
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

/** A queued message; its recipients, their schedule and state are rows of queue_recipients. */
interface QueueTable {
  id: string;
  created_at: number;
  /** Envelope sender ("" for the null sender). */
  mail_from: string;
  blob: string;
  size: number;
  /** Who handed it over: "submission:alice@example.test", "relay", "bounce". */
  source: string;
  /** 1 when no mailbox shares the blob, so the queue deletes it when done. */
  owns_blob: Generated<number>;
  /** 1 once an operator asked for a bounce (`sealpost queue bounce`): the runner returns it. */
  bounce_requested: Generated<number>;
  /** RFC 8689: "requiretls" (the MAIL parameter), "no" (the header "TLS-Required: No"), or null (migration 0027). */
  tls_required: string | null;
}

/** One recipient of a queued message: delivered per destination domain, retried on its own schedule. */
interface QueueRecipientTable {
  id: Generated<number>;
  queue_id: string;
  recipient: string;
  /** The recipient's domain (lower case): messages are delivered per destination. */
  domain: string;
  /** "pending", "delivered" or "failed" (bounced). */
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** JSON of the last `DeliveryProblem`, or null. */
  problem: string | null;
  /** The remote reply (or our explanation) of the last attempt. */
  last_reply: string | null;
  /** The MX host of the last attempt. */
  remote_mta: string | null;
  updated_at: number;
}

/** Every delivery attempt to one host: what TLS it offered, what policy applied, what came of it. */
interface DeliveryAttemptTable {
  id: Generated<number>;
  time: number;
  queue_id: string;
  domain: string;
  mx_host: string | null;
  address: string | null;
  port: number | null;
  /** "may", "encrypt", "verify", "verify-once", "none" (a relay hop may say so). */
  policy_level: string;
  /** Where the level came from: "default", "config", "policy" (sealpost policy set), "relay", "mta-sts". */
  policy_source: string;
  starttls_offered: number | null;
  tls_version: string | null;
  tls_cipher: string | null;
  /** "ok", "not checked", or the certificate problem ("expired: expired on …"). */
  cert_verdict: string | null;
  /** "delivered", "deferred", "bounced", "tls-fallback" (TLS failed, retried in plaintext under may). */
  outcome: string;
  recipients: number;
  reply: string | null;
  /** JSON of the `DeliveryProblem`, or null. */
  problem: string | null;
  /** The outbound connection's id (src/log), as in its log lines; null when none was made, or before migration 0007. */
  session_id: string | null;
}

/** TLS level per destination domain, set with `sealpost policy set`. */
interface TlsPolicyTable {
  domain: string;
  level: string;
  updated_at: number;
}

/** Gateway mode: mail for `domain` is accepted by the MX and forwarded to `next_hop`. */
interface RelayDomainTable {
  domain: string;
  /** "host:port" or "[ip]:port". */
  next_hop: string;
  /** TLS level toward the next hop, or null for the destination policy / default. */
  level: string | null;
  /** JSON array of accepted local parts, or null for any. */
  local_parts: string | null;
  /** 1: the MX takes this domain's mail only over TLS (450 4.7.0 to a plaintext RCPT), as for a hosted domain. */
  mandatory_tls: Generated<number>;
  created_at: number;
}

/** Who changed a domain's policy when (`sealpost domain log`): the audit trail of the mandatory-TLS switch. */
interface DomainChangeTable {
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
interface WebSessionTable {
  id_hash: string;
  account_id: number;
  created_at: number;
  /** Updated at most once a minute: the idle expiry counts from it. */
  last_seen: number;
  client_ip: string;
  /** The browser, in words ("Chrome 131 on Linux"). */
  client_name: string | null;
}

/** Cached MTA-STS policies (RFC 8461 §5.1). */
interface MtaStsPolicyTable {
  domain: string;
  policy_id: string;
  mode: string;
  mx: string;
  max_age: number;
  fetched_at: number;
}

/** Small persistent switches: "queue.paused" = "1". */
interface SettingTable {
  key: string;
  value: string;
}

/**
 * A legacy grant: an account (IMAP, POP3, submission) or a sending host's address (the MX) may use
 * the legacy endpoint, which still speaks TLS 1.0/1.1, until `until` (or the cut-off, if sooner).
 */
interface LegacyGrantTable {
  id: Generated<number>;
  account_id: number | null;
  client_ip: string | null;
  /** Comma-separated: "imap,pop3,submission" for an account, "smtp" for a host. */
  protocols: string;
  until: number;
  created_at: number;
}

/** The announced cut-off of TLS 1.0/1.1: at most one is "scheduled" at a time. */
interface CutoffTable {
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
interface CutoffNoticeTable {
  cutoff_id: number;
  account_id: number;
  notify_day: number;
  sent_at: number;
  /** How many devices the notice named. */
  devices: number;
}

/** An announced maintenance window (the hoster's early-morning windows, `000_…`). */
interface MaintenanceWindowTable {
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
  queue_recipients: QueueRecipientTable;
  delivery_attempts: DeliveryAttemptTable;
  tls_policies: TlsPolicyTable;
  relay_domains: RelayDomainTable;
  domain_admins: DomainAdminTable;
  domain_changes: DomainChangeTable;
  mta_sts_policies: MtaStsPolicyTable;
  settings: SettingTable;
  web_sessions: WebSessionTable;
  legacy_grants: LegacyGrantTable;
  cutoffs: CutoffTable;
  cutoff_notices: CutoffNoticeTable;
  maintenance_windows: MaintenanceWindowTable;
  subscriptions: SubscriptionTable;
  expunged: ExpungedTable;
  auth_results: AuthResultTable;
  dkim_keys: DkimKeyTable;
  tls_reports_sent: TlsReportSentTable;
  tls_reports_received: TlsReportReceivedTable;
}

/** One message the MX checked (SPF, DKIM, DMARC, ARC) and what it did with it (migration 0023). */
interface AuthResultTable {
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

/** One expunged message, remembered for QRESYNC's VANISHED (EARLIER) (RFC 7162 §3.2.5). */
interface ExpungedTable {
  mailbox_id: number;
  /** The modification sequence the expunge took. */
  modseq: number;
  uid: number;
}

/** A DKIM signing key of a hosted domain (src/dkim, migrations-dkim.ts): one selector, one algorithm. */
interface DkimKeyTable {
  id: Generated<number>;
  domain: string;
  /** The s= tag and the DNS name's first label: e.g. "sp2026a-ed" (src/dkim/keys.ts). */
  selector: string;
  /** "ed25519" (RFC 8463) or "rsa" (RFC 6376, 2048 bits). */
  algorithm: string;
  /** PKCS #8 PEM; null once retired (a retired key never signs again). Never printed or logged. */
  private_key: string | null;
  /** The p= value: base64 of the raw Ed25519 key (RFC 8463 §4.2) or of the RSA SubjectPublicKeyInfo. */
  public_key: string;
  /** "pending" (waits for its DNS record), "active" (signs) or "retired". */
  state: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
}

/**
 * Our TLS report (RFC 8460) for one UTC day and destination domain: the row that makes it go out
 * once. `state`: "sent" (every destination handled), "sending" (an HTTPS destination to try again),
 * "no-record" (the domain publishes no TLS-RPT record), "no-sessions" (no attempt came to TLS),
 * "dns-retry" (the record's lookup failed; tried again at next_try_at), "dns-failed" (given up).
 */
interface TlsReportSentTable {
  /** "2026-12-06" (UTC). */
  day: string;
  domain: string;
  state: string;
  report_id: string | null;
  /** The report's JSON as sent (an HTTPS upload tried again sends the same bytes). */
  report: string | null;
  successful: Generated<number>;
  failed: Generated<number>;
  /** JSON: each rua destination ({ kind, target, outcome, detail, tries }). */
  destinations: Generated<string>;
  /** What the last step found, in words (a DNS error). */
  detail: string | null;
  tries: Generated<number>;
  next_try_at: number | null;
  updated_at: number;
}

/** A TLS report (RFC 8460) another server sent to a hosted domain's `tls-reports@` address, checked field by field. */
interface TlsReportReceivedTable {
  id: Generated<number>;
  received_at: number;
  /** The hosted domain whose address received it. */
  recipient_domain: string;
  organization: string;
  report_id: string;
  starts_at: number;
  ends_at: number;
  /** The first policy's domain (a report normally covers one). */
  policy_domain: string;
  successful: number;
  failed: number;
  /** The report's JSON as checked (parse.ts), not as received. */
  report: string;
  client_ip: string | null;
  session_id: string | null;
}
