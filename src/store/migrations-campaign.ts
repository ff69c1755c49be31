/**
 * The cut-off campaign's migrations (issue 12): legacy grants, the cut-off and the notices it sent,
 * maintenance windows, each account's language, and the flag that marks a sign-in or a handshake
 * on a legacy endpoint.
 */
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const campaign: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // A grant names an account (the mail protocols) or a sending host's address (the MX), never both.
    await db.schema
      .createTable("legacy_grants")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("account_id", "integer", (c) => c.references("accounts.id").onDelete("cascade"))
      .addColumn("client_ip", "text")
      .addColumn("protocols", "text", (c) => c.notNull())
      .addColumn("until", "integer", (c) => c.notNull())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addCheckConstraint("legacy_grant_subject", sql`(account_id is null) <> (client_ip is null)`)
      .execute();
    await sql`create unique index legacy_grants_account on legacy_grants (account_id) where account_id is not null`.execute(db);
    await sql`create unique index legacy_grants_host on legacy_grants (client_ip) where client_ip is not null`.execute(db);

    await db.schema
      .createTable("cutoffs")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("date", "integer", (c) => c.notNull())
      .addColumn("notify_days", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addColumn("ended_at", "integer")
      .execute();
    await db.schema
      .createTable("cutoff_notices")
      .addColumn("cutoff_id", "integer", (c) => c.notNull().references("cutoffs.id").onDelete("cascade"))
      .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("notify_day", "integer", (c) => c.notNull())
      .addColumn("sent_at", "integer", (c) => c.notNull())
      .addColumn("devices", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("cutoff_notices_pk", ["cutoff_id", "account_id", "notify_day"])
      .execute();

    await db.schema
      .createTable("maintenance_windows")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("starts_at", "integer", (c) => c.notNull())
      .addColumn("ends_at", "integer", (c) => c.notNull())
      .addColumn("services", "text", (c) => c.notNull())
      .addColumn("message", "text")
      .addColumn("pause_delivery", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("maintenance_windows_end").on("maintenance_windows").column("ends_at").execute();

    await db.schema.alterTable("accounts").addColumn("language", "text").execute();
    await db.schema.alterTable("logins").addColumn("legacy", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("tls_events").addColumn("legacy", "integer", (c) => c.notNull().defaultTo(0)).execute();
  },
};
