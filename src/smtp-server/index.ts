/** The SMTP server: sessions, commands, roles (MX), listeners. */
export { createSmtpListener } from "./listener.ts";
export { MxRole } from "./mx.ts";
export { SenderCheck, type SenderCheckSettings } from "./sender-check.ts";
export { LegacyMxRole } from "./legacy-mx.ts";
export { SubmissionRole } from "./submission.ts";
export { smtpAuditSink } from "./audit-sink.ts";
export { submitMessage, type MessageSubmission, type SubmitOutcome } from "./submit-message.ts";

export type { SmtpLimits } from "./types.ts";
