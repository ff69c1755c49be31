/**
 * Inbound sender authentication (issue 15): one row per message the MX checked — accepted,
 * quarantined or rejected — with who sent it (address, HELO name, TLS or plaintext), the domains it
 * claimed (MAIL FROM, From), each check's result and what was done with it. `tls-report` reads it per
 * domain ("who sends as DOMAIN"); the retention prune removes it by time like the other audit rows.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const authResults: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("auth_results")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("time", "integer", (c) => c.notNull())
      .addColumn("session_id", "text", (c) => c.notNull())
      .addColumn("queue_id", "text")
      .addColumn("client_ip", "text", (c) => c.notNull())
      .addColumn("helo", "text")
      .addColumn("tls_version", "text")
      .addColumn("mail_from_domain", "text", (c) => c.notNull())
      .addColumn("from_domain", "text", (c) => c.notNull())
      .addColumn("spf", "text", (c) => c.notNull())
      .addColumn("dkim", "text", (c) => c.notNull())
      .addColumn("dkim_domains", "text", (c) => c.notNull())
      .addColumn("dmarc", "text", (c) => c.notNull())
      .addColumn("arc", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("rule", "text")
      .execute();
    await db.schema.createIndex("auth_results_time").on("auth_results").column("time").execute();
    await db.schema.createIndex("auth_results_from").on("auth_results").columns(["from_domain", "time"]).execute();
    await db.schema.createIndex("auth_results_mail_from").on("auth_results").columns(["mail_from_domain", "time"]).execute();
  },
};
