/** The SMTP server: sessions, commands, roles (MX), listeners. */
export { createSmtpListener, type SmtpListenerOptions } from "./listener.ts";
export { MxRole } from "./mx.ts";
export { SubmissionRole } from "./submission.ts";
export { smtpAuditSink } from "./audit-sink.ts";
export { receivedHeader, rfc5322Date } from "./received.ts";
export type { SmtpLimits, SmtpRole, SmtpAuditSink } from "./types.ts";
