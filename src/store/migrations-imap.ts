/**
 * Issue 13's IMAP conformance migration: the \Recent mark (RFC 3501 §2.3.2) and subscriptions
 * that outlive their mailbox (RFC 9051 §6.3.7, RFC 5258 §3.1).
 */
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const imapConformance: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The first UID no session has claimed as \Recent yet (Dovecot's first_recent_uid): a read-write
    // SELECT claims every UID from here to uidnext and moves the mark. Existing messages are old.
    await db.schema.alterTable("mailboxes").addColumn("recent_uid", "integer", (c) => c.notNull().defaultTo(1)).execute();
    await sql`update mailboxes set recent_uid = uidnext`.execute(db);

    // A subscription is a name, not a mailbox: it stays when the mailbox goes (RFC 9051 §6.3.7).
    await db.schema
      .createTable("subscriptions")
      .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("subscriptions_pk", ["account_id", "name"])
      .execute();
    await sql`insert into subscriptions (account_id, name) select account_id, name from mailboxes where subscribed = 1`.execute(db);
    await db.schema.alterTable("mailboxes").dropColumn("subscribed").execute();
  },
};
