/** The tables of mail on its way out and of the policies it goes under: the queue, its attempts, TLS policies, relay routes, MTA-STS, DKIM keys and TLS reports (part of Database, schema.ts). Times are milliseconds since the epoch. */
import type { Generated } from "kysely";

/** A queued message; its recipients, their schedule and state are rows of queue_recipients. */
export interface QueueTable {
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
  /** 1: stored unsigned before signing moved to the hand-off, so DKIM-signed as it leaves (migration 0028); 0: stored as it leaves. */
  sign_on_delivery: Generated<number>;
}

/** One recipient of a queued message: delivered per destination domain, retried on its own schedule. */
export interface QueueRecipientTable {
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
  /** The node delivering it now (its `nodes` id), or null (migration 0030, src/outbound/leases.ts). */
  lease_owner: string | null;
  /** Until when that node's claim holds, ms; renewed while it delivers. */
  lease_until: number | null;
}

/** Every delivery attempt to one host: what TLS it offered, what policy applied, what came of it. */
export interface DeliveryAttemptTable {
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
export interface TlsPolicyTable {
  domain: string;
  level: string;
  updated_at: number;
}

/** Gateway mode: mail for `domain` is accepted by the MX and forwarded to `next_hop`. */
export interface RelayDomainTable {
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

/** Cached MTA-STS policies (RFC 8461 §5.1). */
export interface MtaStsPolicyTable {
  domain: string;
  policy_id: string;
  mode: string;
  mx: string;
  max_age: number;
  fetched_at: number;
}

/** A DKIM signing key of a hosted domain (src/dkim, migrations-dkim.ts): one selector, one algorithm. */
export interface DkimKeyTable {
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
export interface TlsReportSentTable {
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
export interface TlsReportReceivedTable {
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
