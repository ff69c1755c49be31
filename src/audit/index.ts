/** Audit: TLS events, SMTP sessions and recipient outcomes; the TLS report. */
export { AuditLog, type SmtpSessionRow, type SmtpRecipientRow, type LoginRow, type AttemptTally } from "./log.ts";
export { tlsReport, type TlsReport } from "./report.ts";
export { loginHistory, type HistoryEntry } from "./history.ts";
export { historyLine } from "./history-text.ts";
export { deviceHint, isLegacy } from "./device-hint.ts";
export { throttleReason, type Throttle } from "./throttle.ts";
