/**
 * Per-account storage quota (RFC 9208 §5.1 STORAGE): the limit is `accounts.quota_bytes` (null: none),
 * the usage the sum of `mailboxes.used_bytes` over the account's mailboxes, which triggers on
 * `messages` keep equal to the sum of its messages' sizes (migrations-quota.ts) — so reading it costs
 * one indexed read of at most MAX_MAILBOXES rows, whatever the number of messages.
 *
 * As on Dovecot, a write is refused when the account's usage plus what it adds would exceed the limit;
 * writes that add nothing (MOVE within the account, STORE, EXPUNGE) are never refused by the quota.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.ts";

type Db = Kysely<Database> | Transaction<Database>;

export interface QuotaUsage {
  /** Bytes the account's messages take, in all its mailboxes. */
  usedBytes: number;
  /** The limit in bytes; null: none. */
  quotaBytes: number | null;
}

/**
 * Whether `adding` more bytes fit: "fits", "full" (not now: the account would go over its limit,
 * and deleting mail would make room) or "too-big" (never: `adding` alone is over the limit).
 */
export type QuotaVerdict = "fits" | "full" | "too-big";

/** A write would take the account over its storage quota (RFC 9208 §4.3.1 OVERQUOTA in IMAP). */
export class OverQuotaError extends Error {
  override name = "OverQuotaError";
  readonly verdict: Exclude<QuotaVerdict, "fits">;
  constructor(verdict: Exclude<QuotaVerdict, "fits">) {
    super(verdict === "too-big" ? "the message is larger than the account's storage quota" : "the account's storage quota is used up");
    this.verdict = verdict;
  }
}

/** The account's usage and limit; undefined if there is no such account. */
export async function accountUsage(db: Db, accountId: number): Promise<QuotaUsage | undefined> {
  const row = await db
    .selectFrom("accounts")
    .select((eb) => [
      "accounts.quota_bytes",
      eb.selectFrom("mailboxes").select((m) => m.fn.coalesce(m.fn.sum<number>("used_bytes"), m.lit(0)).as("u")).whereRef("mailboxes.account_id", "=", "accounts.id").as("used"),
    ])
    .where("accounts.id", "=", accountId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { usedBytes: Number(row.used ?? 0), quotaBytes: row.quota_bytes };
}

/** The verdict for adding `adding` bytes to a usage. */
function quotaVerdict(usage: QuotaUsage, adding: number): QuotaVerdict {
  if (usage.quotaBytes === null) return "fits";
  if (adding > usage.quotaBytes) return "too-big";
  return usage.usedBytes + adding > usage.quotaBytes ? "full" : "fits";
}

/** Whether `adding` bytes fit in the account's quota now (inside a write's transaction: exactly). */
export async function checkQuota(db: Db, accountId: number, adding: number): Promise<QuotaVerdict> {
  const usage = await accountUsage(db, accountId);
  return usage === undefined ? "fits" : quotaVerdict(usage, adding);
}

/**
 * Whether `adding` bytes fit in the quota of the account `mailboxId` belongs to (the quota root of
 * RFC 9208 §3 is the account), in one statement; the usage is summed only when there is a limit.
 */
export async function checkMailboxQuota(db: Db, mailboxId: number, adding: number): Promise<QuotaVerdict> {
  const { rows } = await sql<{ quota: number | null; used: number }>`
    SELECT a.quota_bytes AS quota,
      CASE WHEN a.quota_bytes IS NULL THEN 0 ELSE (SELECT coalesce(sum(used_bytes), 0) FROM mailboxes u WHERE u.account_id = a.id) END AS used
    FROM mailboxes b JOIN accounts a ON a.id = b.account_id WHERE b.id = ${mailboxId}`.execute(db);
  const row = rows[0];
  return row === undefined ? "fits" : quotaVerdict({ usedBytes: Number(row.used), quotaBytes: row.quota }, adding);
}
