/**
 * TLS reporting's migration (RFC 8460; issue 15): the reports we send — one row per UTC day and
 * destination domain, the row that makes a report go out once, across restarts and crashes — and
 * the reports other servers send to our domains' `tls-reports@` address, each kept once per
 * reporting organisation and report id.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const tlsReports: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("tls_reports_sent")
      .addColumn("day", "text", (c) => c.notNull())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("report_id", "text")
      .addColumn("report", "text")
      .addColumn("successful", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("destinations", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("detail", "text")
      .addColumn("tries", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_try_at", "integer")
      .addColumn("updated_at", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("tls_reports_sent_pk", ["day", "domain"])
      .execute();
    await db.schema
      .createTable("tls_reports_received")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("received_at", "integer", (c) => c.notNull())
      .addColumn("recipient_domain", "text", (c) => c.notNull())
      .addColumn("organization", "text", (c) => c.notNull())
      .addColumn("report_id", "text", (c) => c.notNull())
      .addColumn("starts_at", "integer", (c) => c.notNull())
      .addColumn("ends_at", "integer", (c) => c.notNull())
      .addColumn("policy_domain", "text", (c) => c.notNull())
      .addColumn("successful", "integer", (c) => c.notNull())
      .addColumn("failed", "integer", (c) => c.notNull())
      .addColumn("report", "text", (c) => c.notNull())
      .addColumn("client_ip", "text")
      .addColumn("session_id", "text")
      .addUniqueConstraint("tls_reports_received_once", ["organization", "report_id"])
      .execute();
    await db.schema.createIndex("tls_reports_received_time").on("tls_reports_received").column("received_at").execute();
  },
};
