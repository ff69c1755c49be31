/**
 * Retention (`[audit] retention_days`): the daily prune of records that name people's addresses —
 * login history (`logins`), TLS events (`tls_events`), the SMTP session and recipient audit
 * (`smtp_sessions`, `smtp_recipients`), outbound delivery attempts (`delivery_attempts`) and the
 * MX's sender checks (`auth_results`) and the TLS reports we sent (`tls_reports_sent`, per day and
 * destination domain). GDPR
 * Art. 5(1)(e): personal data (client IP addresses, account names, envelope addresses) is kept no
 * longer than its purpose needs; mox keeps its login history 30 days, our default is 90.
 *
 * A delivery attempt of a message that is still queued is kept whatever its age: `sealpost queue
 * show` of that message must still explain why it is waiting, and the row goes once the message
 * leaves the queue (delivered, bounced or deleted) and is older than the retention.
 *
 * Rows go in batches of `batch` per transaction through the group committer, with a turn of the
 * event loop between batches, so the prune never holds the database or the sessions for long.
 */
import { sql, type RawBuilder } from "kysely";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Store } from "./database.ts";
import { Periodic } from "./periodic.ts";

const DAY = 86_400_000;

/** What a prune removed, per table. */
export interface PruneReport {
  logins: number;
  tlsEvents: number;
  smtpSessions: number;
  smtpRecipients: number;
  deliveryAttempts: number;
  authResults: number;
  tlsReportsSent: number;
  /** Rows older than the retention kept because their queue entry is still queued. */
  keptForQueue: number;
  /** Everything before this time (ms since the epoch) was eligible. */
  cutoff: number;
  ms: number;
}

interface PruneOptions {
  retentionDays: number;
  /** Rows per transaction (default 1000). */
  batch?: number;
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * One table's batch delete: its key (the primary key, a column list for a composite one) and the
 * keys of at most `limit` rows older than `cutoff` (the same statement on SQLite and PostgreSQL).
 */
interface Pruned {
  key: Exclude<keyof PruneReport, "cutoff" | "ms" | "keptForQueue">;
  table: string;
  columns: string;
  victims: (cutoff: number, limit: number) => RawBuilder<unknown>;
}

/** The UTC day ("2026-12-06") of a time in milliseconds. */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const TABLES: readonly Pruned[] = [
  { key: "logins", table: "logins", columns: "id", victims: (c, n) => sql`select id from logins where time < ${c} limit ${n}` },
  { key: "tlsEvents", table: "tls_events", columns: "id", victims: (c, n) => sql`select id from tls_events where time < ${c} limit ${n}` },
  {
    key: "smtpSessions",
    table: "smtp_sessions",
    columns: "id",
    // started_at has the index; a session that started before the cutoff but ended after it stays.
    victims: (c, n) => sql`select id from smtp_sessions where started_at < ${c} and ended_at < ${c} limit ${n}`,
  },
  { key: "smtpRecipients", table: "smtp_recipients", columns: "id", victims: (c, n) => sql`select id from smtp_recipients where time < ${c} limit ${n}` },
  {
    key: "deliveryAttempts",
    table: "delivery_attempts",
    columns: "id",
    victims: (c, n) => sql`select id from delivery_attempts where time < ${c} and queue_id not in (select id from queue) limit ${n}`,
  },
  { key: "authResults", table: "auth_results", columns: "id", victims: (c, n) => sql`select id from auth_results where time < ${c} limit ${n}` },
  // A sent report's row is named by its UTC day ("2026-12-06"), which sorts as text.
  { key: "tlsReportsSent", table: "tls_reports_sent", columns: "day, domain", victims: (c, n) => sql`select day, domain from tls_reports_sent where day < ${utcDay(c)} limit ${n}` },
];

/** Removes the audit rows older than `retentionDays`; see the module comment for what and why. */
export async function pruneAudit(store: Store, opts: PruneOptions): Promise<PruneReport> {
  const now = opts.now ?? Date.now;
  const started = now();
  const batch = opts.batch ?? 1000;
  const cutoff = started - opts.retentionDays * DAY;
  const report: PruneReport = { logins: 0, tlsEvents: 0, smtpSessions: 0, smtpRecipients: 0, deliveryAttempts: 0, authResults: 0, tlsReportsSent: 0, keptForQueue: 0, cutoff, ms: 0 };
  for (const t of TABLES) {
    for (;;) {
      if (opts.signal?.aborted === true) return { ...report, ms: now() - started };
      const removed = await store.committer.submit(async (trx) => {
        const res = await sql`delete from ${sql.table(t.table)} where (${sql.raw(t.columns)}) in (${t.victims(cutoff, batch)})`.execute(trx);
        return Number(res.numAffectedRows ?? 0n);
      });
      report[t.key] += removed;
      await yieldToLoop();
      if (removed < batch) break;
    }
  }
  const kept = await sql<{ n: number }>`select count(*) as n from delivery_attempts where time < ${cutoff}`.execute(store.db);
  report.keptForQueue = Number(kept.rows[0]?.n ?? 0);
  return { ...report, ms: now() - started };
}

/** One line for the log. */
export function pruneSummary(r: PruneReport, retentionDays: number): string {
  const parts = [
    `${r.logins} logins`,
    `${r.tlsEvents} TLS events`,
    `${r.smtpSessions} SMTP sessions`,
    `${r.smtpRecipients} SMTP recipients`,
    `${r.deliveryAttempts} delivery attempts`,
    `${r.authResults} sender checks`,
    // Only where some went: most servers send no TLS reports at all.
    ...(r.tlsReportsSent > 0 ? [`${r.tlsReportsSent} sent TLS reports`] : []),
  ];
  const kept = r.keptForQueue > 0 ? `; ${r.keptForQueue} attempts of still-queued mail kept` : "";
  return `retention: removed ${parts.join(", ")} older than ${retentionDays} days${kept} in ${r.ms} ms`;
}

interface PrunerOptions {
  /** Read at each run, so a reload applies. */
  retentionDays: () => number;
  /** Before the first run, ms (soon after start, not during it). */
  firstDelayMs: number;
  /** Between runs, ms (a day). */
  intervalMs: number;
  onReport: (r: PruneReport, retentionDays: number) => void;
  onError: (e: unknown) => void;
}

/** The server's daily prune, on an unref'd timer like the blob sweeper; `stop` ends it between batches. */
export function auditPruner(store: Store, o: PrunerOptions): Periodic {
  return new Periodic(
    async (signal) => {
      const days = o.retentionDays();
      try {
        o.onReport(await pruneAudit(store, { retentionDays: days, signal }), days);
      } catch (e) {
        o.onError(e);
      }
    },
    { firstDelayMs: o.firstDelayMs, intervalMs: () => o.intervalMs },
  );
}
