/**
 * REQUIRETLS (RFC 8689, issue 15): a queued message keeps the TLS requirement it was received with
 * (§4.1: "the tags … MUST remain" with the message): "requiretls" for the MAIL parameter,
 * "no" for the header field "TLS-Required: No", NULL for neither — every message queued before.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const requireTls: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("queue").addColumn("tls_required", "text").execute();
  },
};
