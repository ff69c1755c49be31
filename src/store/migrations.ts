/** Schema migrations, applied in order by Kysely's Migrator when the store opens. */
import { sql, type Kysely } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";
import { campaign } from "./migrations-campaign.ts";
import { imapConformance } from "./migrations-imap.ts";
import { quota } from "./migrations-quota.ts";
import { counters } from "./migrations-counters.ts";
import { consoleAccounts, historyIndexes, webSessions } from "./migrations-console.ts";
import { syncTombstones } from "./migrations-sync.ts";
import { dkimKeys, signAtHandOff } from "./migrations-dkim.ts";
import { mtaStsHosting } from "./migrations-mta-sts.ts";
import { authResults } from "./migrations-auth-results.ts";
import { requireTls } from "./migrations-requiretls.ts";
import { tlsReports } from "./migrations-tls-reports.ts";
import { nodes, queueLeases } from "./migrations-cluster.ts";

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("domains")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("mandatory_tls", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("accounts")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("address", "text", (c) => c.notNull().unique())
      .addColumn("domain_id", "integer", (c) => c.notNull().references("domains.id"))
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("mailboxes")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("special_use", "text")
      .addColumn("subscribed", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("uidvalidity", "integer", (c) => c.notNull())
      .addColumn("uidnext", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("highest_modseq", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addUniqueConstraint("mailboxes_account_name", ["account_id", "name"])
      .execute();
    await db.schema
      .createTable("messages")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("mailbox_id", "integer", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
      .addColumn("uid", "integer", (c) => c.notNull())
      .addColumn("blob", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("internal_date", "integer", (c) => c.notNull())
      .addColumn("flags", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("modseq", "integer", (c) => c.notNull().defaultTo(1))
      .addUniqueConstraint("messages_mailbox_uid", ["mailbox_id", "uid"])
      .execute();
    await db.schema.createIndex("messages_blob").on("messages").column("blob").execute();
    await db.schema
      .createTable("tls_events")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("time", "integer", (c) => c.notNull())
      .addColumn("protocol", "text", (c) => c.notNull())
      .addColumn("port", "integer", (c) => c.notNull())
      .addColumn("client_ip", "text", (c) => c.notNull())
      .addColumn("mode", "text", (c) => c.notNull())
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("version", "text")
      .addColumn("cipher", "text")
      .addColumn("offered_versions", "text")
      .addColumn("offered_max", "text")
      .addColumn("offered_suites", "text")
      .addColumn("weak_suites", "text")
      .addColumn("sni", "text")
      .addColumn("alpn", "text")
      .execute();
    await db.schema.createIndex("tls_events_time").on("tls_events").column("time").execute();
    await db.schema
      .createTable("smtp_sessions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("started_at", "integer", (c) => c.notNull())
      .addColumn("ended_at", "integer", (c) => c.notNull())
      .addColumn("protocol", "text", (c) => c.notNull())
      .addColumn("port", "integer", (c) => c.notNull())
      .addColumn("client_ip", "text", (c) => c.notNull())
      .addColumn("ehlo", "text")
      .addColumn("tls_version", "text")
      .addColumn("tls_cipher", "text")
      .addColumn("offered_versions", "text")
      .addColumn("messages", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("end_reason", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("smtp_sessions_started").on("smtp_sessions").column("started_at").execute();
    await db.schema
      .createTable("smtp_recipients")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("session_id", "text", (c) => c.notNull())
      .addColumn("time", "integer", (c) => c.notNull())
      .addColumn("client_ip", "text", (c) => c.notNull())
      .addColumn("ehlo", "text")
      .addColumn("tls_version", "text")
      .addColumn("mail_from", "text", (c) => c.notNull())
      .addColumn("rcpt", "text", (c) => c.notNull())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("code", "integer", (c) => c.notNull())
      .addColumn("enhanced", "text", (c) => c.notNull())
      .addColumn("text", "text", (c) => c.notNull())
      .addColumn("delivered", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("smtp_recipients_time").on("smtp_recipients").columns(["domain", "time"]).execute();
  },
};

const logins: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("logins")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("time", "integer", (c) => c.notNull())
      .addColumn("username", "text", (c) => c.notNull())
      .addColumn("account_id", "integer")
      .addColumn("protocol", "text", (c) => c.notNull())
      .addColumn("port", "integer", (c) => c.notNull())
      .addColumn("client_ip", "text", (c) => c.notNull())
      .addColumn("tls_version", "text")
      .addColumn("tls_cipher", "text")
      .addColumn("client_name", "text")
      .addColumn("mechanism", "text", (c) => c.notNull())
      .addColumn("result", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .execute();
    await db.schema.createIndex("logins_account_time").on("logins").columns(["account_id", "time"]).execute();
    await db.schema.createIndex("logins_ip_time").on("logins").columns(["client_ip", "time"]).execute();
  },
};

const queue: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("queue")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addColumn("mail_from", "text", (c) => c.notNull())
      .addColumn("recipients", "text", (c) => c.notNull())
      .addColumn("blob", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("next_attempt_at", "integer", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("last_error", "text")
      .addColumn("source", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("queue_due").on("queue").columns(["status", "next_attempt_at"]).execute();
  },
};

/** Outbound delivery: per-recipient queue state, attempts, TLS policies, relay domains, MTA-STS cache. */
const outbound: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("queue").addColumn("owns_blob", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("queue").addColumn("bounce_requested", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable("queue_recipients")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("queue_id", "text", (c) => c.notNull().references("queue.id").onDelete("cascade"))
      .addColumn("recipient", "text", (c) => c.notNull())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_attempt_at", "integer", (c) => c.notNull())
      .addColumn("problem", "text")
      .addColumn("last_reply", "text")
      .addColumn("remote_mta", "text")
      .addColumn("updated_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("queue_recipients_due").on("queue_recipients").columns(["status", "next_attempt_at"]).execute();
    await db.schema.createIndex("queue_recipients_queue").on("queue_recipients").columns(["queue_id"]).execute();
    await db.schema.createIndex("queue_recipients_domain_due").on("queue_recipients").columns(["domain", "status", "next_attempt_at"]).execute();
    // Messages queued before this migration: one pending row per recipient.
    const old = await sql<{ id: string; recipients: string; next_attempt_at: number }>`select id, recipients, next_attempt_at from queue`.execute(db);
    for (const q of old.rows) {
      for (const r of JSON.parse(q.recipients) as string[]) {
        const domain = (r.slice(r.lastIndexOf("@") + 1) || r).toLowerCase();
        await sql`insert into queue_recipients (queue_id, recipient, domain, status, attempts, next_attempt_at, updated_at)
                  values (${q.id}, ${r}, ${domain}, 'pending', 0, ${q.next_attempt_at}, ${q.next_attempt_at})`.execute(db);
      }
    }
    await db.schema
      .createTable("delivery_attempts")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("time", "integer", (c) => c.notNull())
      .addColumn("queue_id", "text", (c) => c.notNull())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("mx_host", "text")
      .addColumn("address", "text")
      .addColumn("port", "integer")
      .addColumn("policy_level", "text", (c) => c.notNull())
      .addColumn("policy_source", "text", (c) => c.notNull())
      .addColumn("starttls_offered", "integer")
      .addColumn("tls_version", "text")
      .addColumn("tls_cipher", "text")
      .addColumn("cert_verdict", "text")
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("recipients", "integer", (c) => c.notNull())
      .addColumn("reply", "text")
      .addColumn("problem", "text")
      .execute();
    await db.schema.createIndex("delivery_attempts_time").on("delivery_attempts").columns(["time"]).execute();
    await db.schema.createIndex("delivery_attempts_queue").on("delivery_attempts").columns(["queue_id"]).execute();
    await db.schema
      .createTable("tls_policies")
      .addColumn("domain", "text", (c) => c.primaryKey())
      .addColumn("level", "text", (c) => c.notNull())
      .addColumn("updated_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("relay_domains")
      .addColumn("domain", "text", (c) => c.primaryKey())
      .addColumn("next_hop", "text", (c) => c.notNull())
      .addColumn("level", "text")
      .addColumn("local_parts", "text")
      .addColumn("created_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("mta_sts_policies")
      .addColumn("domain", "text", (c) => c.primaryKey())
      .addColumn("policy_id", "text", (c) => c.notNull())
      .addColumn("mode", "text", (c) => c.notNull())
      .addColumn("mx", "text", (c) => c.notNull())
      .addColumn("max_age", "integer", (c) => c.notNull())
      .addColumn("fetched_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("settings")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .execute();
  },
};

/** One login-history row may stand for many throttled attempts (the sign-in limits, src/auth/limiter.ts). */
const loginAttempts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("logins").addColumn("attempts", "integer", (c) => c.notNull().defaultTo(1)).execute();
  },
};

/** The blob sweep asks, per batch of files, which ones a queue entry names (messages.blob has its index). */
const blobRefs: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex("queue_blob").on("queue").column("blob").execute();
  },
};

/** The connection id on audit rows, as in the log lines (src/log): a complaint leads to the lines. */
const sessionIds: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of ["logins", "tls_events", "delivery_attempts"]) {
      await db.schema.alterTable(table).addColumn("session_id", "text").execute();
    }
  },
};

/**
 * The queue row's first schedule columns (status, next_attempt_at, attempts, last_error and the
 * recipient list) were written once and never updated after 0004 gave every recipient its own row
 * and schedule in queue_recipients: they go, with their index, so nothing reads a stale copy.
 */
const queueColumns: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("queue_due").ifExists().execute();
    for (const column of ["status", "next_attempt_at", "attempts", "last_error", "recipients"]) {
      await db.schema.alterTable("queue").dropColumn(column).execute();
    }
  },
};

/** The retention prune (retention.ts) deletes by time: logins and SMTP recipients need an index on it alone. */
const retention: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex("logins_time").on("logins").column("time").execute();
    await db.schema.createIndex("smtp_recipients_at").on("smtp_recipients").column("time").execute();
  },
};

/** An account's role: user, domain-admin (its own domain and any it is given) or admin. */
const roles: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("accounts").addColumn("role", "text", (c) => c.notNull().defaultTo("user")).execute();
  },
};

/** Domains an account administers besides its own (a domain-admin's own domain needs no row); hosted or relay. */
const domainAdmins: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("domain_admins")
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("granted_at", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("domain_admins_pk", ["domain", "account_id"])
      .execute();
  },
};

/** Mandatory TLS for relay (gateway) domains as for hosted ones, and who changed a domain's switch when. */
const domainPolicyTrail: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("relay_domains").addColumn("mandatory_tls", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable("domain_changes")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("time", "integer", (c) => c.notNull())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("setting", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("changed_by", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("domain_changes_domain").on("domain_changes").columns(["domain", "time"]).execute();
  },
};

export const migrations: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      "0001_initial": initial,
      "0002_logins": logins,
      "0003_queue": queue,
      "0004_outbound": outbound,
      "0005_login_attempts": loginAttempts,
      "0006_blob_refs": blobRefs,
      "0007_session_ids": sessionIds,
      "0008_retention": retention,
      "0009_queue_columns": queueColumns,
      "0010_roles": roles,
      "0011_domain_admins": domainAdmins,
      "0012_domain_policy_trail": domainPolicyTrail,
      "0013_history_indexes": historyIndexes,
      "0014_web_sessions": webSessions,
      "0015_console_accounts": consoleAccounts,
      "0016_campaign": campaign,
      "0017_imap_conformance": imapConformance,
      "0019_quota": quota,
      "0018_sync_tombstones": syncTombstones,
      "0020_counters": counters,
      "0021_dkim_keys": dkimKeys,
      "0022_mta_sts": mtaStsHosting,
      "0023_auth_results": authResults,
      "0026_tls_reports": tlsReports,
      "0027_requiretls": requireTls,
      "0028_sign_at_hand_off": signAtHandOff,
      "0029_nodes": nodes,
      "0030_queue_leases": queueLeases,
    };
  },
};
