/** The tables of accounts, domains and mail: who has which mailboxes and what is in them (part of Database, schema.ts). Times are milliseconds since the epoch. */
import type { Generated } from "kysely";

export interface DomainTable {
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

export interface AccountTable {
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
export interface DomainAdminTable {
  domain: string;
  account_id: number;
  granted_at: number;
}

export interface MailboxTable {
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
export interface SubscriptionTable {
  account_id: number;
  name: string;
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

/** One expunged message, remembered for QRESYNC's VANISHED (EARLIER) (RFC 7162 §3.2.5). */
export interface ExpungedTable {
  mailbox_id: number;
  /** The modification sequence the expunge took. */
  modseq: number;
  uid: number;
}
