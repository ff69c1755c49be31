/**
 * The storage quota's migration (issue 13, RFC 9208): each account's limit, and each mailbox's
 * used bytes — the sum of its messages' sizes, kept by triggers on `messages` so that every
 * statement that adds, removes or moves a message row (APPEND, delivery, COPY, MOVE, EXPUNGE,
 * POP3's QUIT, DELETE of a mailbox, RENAME of INBOX, a restore) updates it in its own transaction.
 * An account's usage is then the sum over its mailboxes (at most MAX_MAILBOXES rows), never a scan
 * of its messages.
 */
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const quota: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // NULL: no limit.
    await db.schema.alterTable("accounts").addColumn("quota_bytes", "integer").execute();
    await db.schema.alterTable("mailboxes").addColumn("used_bytes", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await sql`update mailboxes set used_bytes = coalesce((select sum(size) from messages where messages.mailbox_id = mailboxes.id), 0)`.execute(db);
    await sql`create trigger messages_used_insert after insert on messages begin
      update mailboxes set used_bytes = used_bytes + new.size where id = new.mailbox_id;
    end`.execute(db);
    await sql`create trigger messages_used_delete after delete on messages begin
      update mailboxes set used_bytes = used_bytes - old.size where id = old.mailbox_id;
    end`.execute(db);
    // Flag changes (STORE) update neither column and do not fire this.
    await sql`create trigger messages_used_update after update of mailbox_id, size on messages begin
      update mailboxes set used_bytes = used_bytes - old.size where id = old.mailbox_id;
      update mailboxes set used_bytes = used_bytes + new.size where id = new.mailbox_id;
    end`.execute(db);
  },
};
