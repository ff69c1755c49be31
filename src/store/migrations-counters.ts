/**
 * Per-mailbox counters (issue 13, the standard mix's STATUS and SELECT): how many messages a mailbox
 * holds, how many lack \Seen and how many carry \Deleted, kept by triggers on `messages` as 0019
 * keeps `used_bytes` — so STATUS (RFC 9051 §6.3.11 MESSAGES, UNSEEN, DELETED) reads one row instead
 * of aggregating over every message, and a session's update flush learns whether messages went
 * away from the count. Every statement that adds, removes, moves or re-flags a message row
 * (APPEND, delivery, COPY, MOVE, EXPUNGE, STORE, POP3's QUIT, DELETE, RENAME of INBOX) updates
 * them in its own transaction. Flags are stored space-separated with system flags in canonical
 * case (the IMAP parser's flag-list), so a flag is one `instr` over the padded string.
 */
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

/** 1 when the flags of `row` (a trigger's "new" or "old", or a table alias) lack \Seen, else 0. */
const unseen = (row: string) => sql.raw(`(instr(' ' || ${row}.flags || ' ', ' \\Seen ') = 0)`);
/** 1 when the row's flags carry \Deleted, else 0. */
const deleted = (row: string) => sql.raw(`(instr(' ' || ${row}.flags || ' ', ' \\Deleted ') > 0)`);

export const counters: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const column of ["message_count", "unseen_count", "deleted_count"]) {
      await db.schema.alterTable("mailboxes").addColumn(column, "integer", (c) => c.notNull().defaultTo(0)).execute();
    }
    await sql`update mailboxes set
      message_count = (select count(*) from messages m where m.mailbox_id = mailboxes.id),
      unseen_count = (select coalesce(sum(${unseen("m")}), 0) from messages m where m.mailbox_id = mailboxes.id),
      deleted_count = (select coalesce(sum(${deleted("m")}), 0) from messages m where m.mailbox_id = mailboxes.id)`.execute(db);
    await sql`create trigger messages_counts_insert after insert on messages begin
      update mailboxes set message_count = message_count + 1, unseen_count = unseen_count + ${unseen("new")},
        deleted_count = deleted_count + ${deleted("new")} where id = new.mailbox_id;
    end`.execute(db);
    await sql`create trigger messages_counts_delete after delete on messages begin
      update mailboxes set message_count = message_count - 1, unseen_count = unseen_count - ${unseen("old")},
        deleted_count = deleted_count - ${deleted("old")} where id = old.mailbox_id;
    end`.execute(db);
    // A row moved to another mailbox (RENAME of INBOX), its flags changed or not in the same statement.
    await sql`create trigger messages_counts_move after update of mailbox_id on messages when old.mailbox_id <> new.mailbox_id begin
      update mailboxes set message_count = message_count - 1, unseen_count = unseen_count - ${unseen("old")},
        deleted_count = deleted_count - ${deleted("old")} where id = old.mailbox_id;
      update mailboxes set message_count = message_count + 1, unseen_count = unseen_count + ${unseen("new")},
        deleted_count = deleted_count + ${deleted("new")} where id = new.mailbox_id;
    end`.execute(db);
    // STORE: only a change of \Seen or \Deleted touches the mailbox row (keywords, \Flagged do not).
    await sql`create trigger messages_counts_flags after update of flags on messages
      when old.mailbox_id = new.mailbox_id and (${unseen("old")} <> ${unseen("new")} or ${deleted("old")} <> ${deleted("new")}) begin
      update mailboxes set unseen_count = unseen_count + ${unseen("new")} - ${unseen("old")},
        deleted_count = deleted_count + ${deleted("new")} - ${deleted("old")} where id = new.mailbox_id;
    end`.execute(db);
  },
};
