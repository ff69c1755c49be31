/**
 * SMTP TLS Reporting (RFC 8460): the `_smtp._tls` record, our daily aggregate reports (built from the
 * delivery attempts) and the mail or HTTPS body that carries them, and the reports other servers send
 * us (parsed with every field checked). Pure: callers pass attempts, records and bytes.
 */
export type { TlsReport } from "./types.ts";
export { parseTlsRpt, reportDestinations, tlsRptName, type TlsRptResult } from "./record.ts";
export { buildReport, classifyAttempt, reportBody, reportMessage, utcDayStart, type AttemptFacts, type PolicyDescription } from "./build.ts";
export { parseReportJson, reportFromMessage, MAX_REPORT_BYTES } from "./parse.ts";
export { reportLines, reportTotals } from "./summary.ts";
