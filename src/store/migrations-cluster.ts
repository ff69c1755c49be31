/**
 * Migrations written once for both engines (issue 16): Kysely's schema builder with types both
 * read alike — `bigint` is SQLite's INTEGER and PostgreSQL's int8; plain `text`.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

/** The nodes on the database: `sealpost nodes` (src/cluster). */
export const nodes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("nodes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("hostname", "text", (c) => c.notNull())
      .addColumn("data_dir", "text", (c) => c.notNull())
      .addColumn("pid", "bigint", (c) => c.notNull())
      .addColumn("roles", "text", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .addColumn("last_seen", "bigint", (c) => c.notNull())
      .addColumn("stopped_at", "bigint")
      .execute();
  },
};

/**
 * Leases on queued recipients (src/outbound/leases.ts): the node delivering a recipient and until
 * when its claim holds, so two nodes on one database never deliver it at once.
 */
export const queueLeases: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("queue_recipients").addColumn("lease_owner", "text").execute();
    await db.schema.alterTable("queue_recipients").addColumn("lease_until", "bigint").execute();
  },
};
