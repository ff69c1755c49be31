/** Audit: TLS events, SMTP sessions and recipient outcomes; the TLS report; the login history and the console's account and domain views. */
export { AuditLog, type SmtpRecipientRow, type LoginRow, type AuthResultRow } from "./log.ts";
export { tlsReport, type TlsReport } from "./report.ts";
export { HISTORY_PROTOCOLS, type HistoryEntry, type HistoryProtocol } from "./history.ts";
export { historyPage, legacyDevices, loginHistory, mailboxLegacyDevices, type LegacyDevice } from "./account-view.ts";
export { plaintextSenders, domainInboundTls, domainLegacyAccounts } from "./domain-view.ts";
export { type DeviceKind, LEGACY_VERSIONS } from "./device-hint.ts";
export { DEVICE_ERRORS } from "./device-errors.ts";
export { historyLine } from "./history-text.ts";

export { throttleReason } from "./throttle.ts";
export { keepTlsReport, receivedTlsReports, type ReceivedTlsReport } from "./tls-reports.ts";
