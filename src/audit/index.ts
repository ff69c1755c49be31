/** Audit: TLS events, SMTP sessions and recipient outcomes; the TLS report. */
export { AuditLog, type SmtpSessionRow, type SmtpRecipientRow } from "./log.ts";
export { tlsReport, type TlsReport } from "./report.ts";
