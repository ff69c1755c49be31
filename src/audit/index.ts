/** Audit: TLS events, SMTP sessions and recipient outcomes; the TLS report. */
export { AuditLog, type SmtpRecipientRow, type LoginRow } from "./log.ts";
export { tlsReport, type TlsReport } from "./report.ts";
export { loginHistory, type HistoryEntry } from "./history.ts";
export { historyLine } from "./history-text.ts";

export { throttleReason } from "./throttle.ts";
