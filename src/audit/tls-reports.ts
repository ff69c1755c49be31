/**
 * TLS reports other servers send us (RFC 8460): kept as checked (tls-rpt's parse), once per
 * reporting organisation and report id (§4.4 "report-id": a report sent again, by a retry or to
 * several of our addresses, is the same report), and read back for `sealpost tls-report` in words.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.ts";
import { reportLines, reportTotals, type TlsReport } from "../tls-rpt/index.ts";

interface ReceivedFrom {
  /** The hosted domain whose `tls-reports@` address received it. */
  recipientDomain: string;
  clientIp: string | null;
  sessionId: string | null;
  now: number;
}

/** Keeps `report` in the caller's transaction; false when the organisation's report id was kept before. */
export async function keepTlsReport(trx: Transaction<Database>, report: TlsReport, from: ReceivedFrom): Promise<boolean> {
  const r = await trx
    .insertInto("tls_reports_received")
    .values({
      received_at: from.now,
      recipient_domain: from.recipientDomain,
      organization: report["organization-name"],
      report_id: report["report-id"],
      starts_at: Date.parse(report["date-range"]["start-datetime"]),
      ends_at: Date.parse(report["date-range"]["end-datetime"]),
      policy_domain: report.policies[0]?.policy["policy-domain"] ?? from.recipientDomain,
      ...reportTotals(report),
      report: JSON.stringify(report),
      client_ip: from.clientIp,
      session_id: from.sessionId,
    })
    .onConflict((oc) => oc.columns(["organization", "report_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export interface ReceivedTlsReport {
  receivedAt: string;
  recipientDomain: string;
  organization: string;
  reportId: string;
  start: string;
  end: string;
  policyDomain: string;
  successful: number;
  failed: number;
  /** In words: "gmail.com reported 3 failed sessions to mx1.example.org: certificate expired". */
  lines: string[];
  report: TlsReport;
}

/** The reports received since `since` (ms), their periods' order, newest first. */
export async function receivedTlsReports(db: Kysely<Database>, since: number): Promise<ReceivedTlsReport[]> {
  const rows = await db.selectFrom("tls_reports_received").selectAll().where("received_at", ">=", since).orderBy("starts_at", "desc").orderBy("policy_domain").orderBy("id").execute();
  return rows.map((r) => {
    const report = JSON.parse(r.report) as TlsReport;
    return {
      receivedAt: new Date(r.received_at).toISOString(),
      recipientDomain: r.recipient_domain,
      organization: r.organization,
      reportId: r.report_id,
      start: new Date(r.starts_at).toISOString(),
      end: new Date(r.ends_at).toISOString(),
      policyDomain: r.policy_domain,
      successful: r.successful,
      failed: r.failed,
      lines: reportLines(report),
      report,
    };
  });
}
