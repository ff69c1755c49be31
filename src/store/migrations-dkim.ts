/**
 * DKIM signing keys (issue 15, RFC 6376, RFC 8463): each hosted domain's key pairs, made by
 * Sealpost (src/dkim). A row is one key under its own selector; a generation is an Ed25519 key
 * and an RSA key made together, which change state together: pending (made by a rotation, waiting
 * for its DNS records), active (signing) and retired (no longer signing; its record stays
 * published for a while). A retired key's private half is wiped: it never signs again.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const dkimKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("dkim_keys")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("selector", "text", (c) => c.notNull())
      .addColumn("algorithm", "text", (c) => c.notNull())
      .addColumn("private_key", "text")
      .addColumn("public_key", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addColumn("activated_at", "integer")
      .addColumn("retired_at", "integer")
      .addUniqueConstraint("dkim_keys_domain_selector", ["domain", "selector"])
      .execute();
    await db.schema.createIndex("dkim_keys_domain_state").on("dkim_keys").columns(["domain", "state"]).execute();
  },
};

/**
 * Signing moves from delivery to the hand-off (src/dkim/outgoing.ts): a message is signed once as
 * it goes into the queue. The messages already queued were stored unsigned and keep being signed
 * as they leave: 1 for every row there is now; the queue writes 0 for every row it adds.
 */
export const signAtHandOff: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("queue").addColumn("sign_on_delivery", "integer", (c) => c.notNull().defaultTo(1)).execute();
  },
};
