/** Schema migrations, applied in order by Kysely's Migrator when the store opens. */
import type { Kysely } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";

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

export const migrations: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { "0001_initial": initial, "0002_logins": logins, "0003_queue": queue };
  },
};
