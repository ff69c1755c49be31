/**
 * MTA-STS for the hosted domains (issue 15, RFC 8461): each domain's published mode (NULL: no
 * policy published, the default), the id of its _mta-sts TXT record, and when the policy last
 * changed. The id is kept when the policy is withdrawn, so that a later one still gets a newer id.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const mtaStsHosting: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("domains").addColumn("mta_sts_mode", "text").execute();
    await db.schema.alterTable("domains").addColumn("mta_sts_id", "text").execute();
    await db.schema.alterTable("domains").addColumn("mta_sts_changed_at", "integer").execute();
  },
};
