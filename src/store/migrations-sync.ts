/**
 * CONDSTORE and QRESYNC (RFC 7162, issue 13): what a mailbox remembers of the messages it lost.
 *
 * `expunged` holds one row per expunged message — its UID and the modification sequence its
 * expunge took — so `VANISHED (EARLIER)` can answer "what vanished since modseq M" (RFC 7162
 * §3.2.5, §3.2.6). One B-tree keyed by (mailbox, modseq, uid): the question is always a range of
 * modseqs in one mailbox. The rows are bounded per mailbox (src/store/sync.ts prunes the oldest);
 * `mailboxes.expunged_floor` is the highest modseq whose expunges may have been pruned (or happened
 * before this migration), `expunged_count` how many rows the mailbox has, kept with each write so
 * pruning needs no count query.
 */
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

export const syncTombstones: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("expunged")
      .addColumn("mailbox_id", "integer", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
      .addColumn("modseq", "integer", (c) => c.notNull())
      .addColumn("uid", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("expunged_pk", ["mailbox_id", "modseq", "uid"])
      .modifyEnd(sql`without rowid`)
      .execute();
    await db.schema.alterTable("mailboxes").addColumn("expunged_floor", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("mailboxes").addColumn("expunged_count", "integer", (c) => c.notNull().defaultTo(0)).execute();
    // Expunges before now left no record: a client that last saw an older modseq gets the answer
    // for an unknown past (RFC 7162 §3.2.5.2), every UID it names that no longer exists.
    await sql`update mailboxes set expunged_floor = highest_modseq`.execute(db);
  },
};
