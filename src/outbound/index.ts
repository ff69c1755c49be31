/**
 * The outbound side: the policy engine (TLS level per destination, MTA-STS), delivery jobs over
 * the SMTP client, the queue runner, bounces, the attempt log, and the daily TLS reports (RFC 8460)
 * made from it.
 */

export { problemLine } from "./problem-line.ts";

export { attemptTls, listAttempts, type AttemptRow } from "./attempts.ts";
export { startOutbound, sendTlsReportsNow } from "./service.ts";
export { sentReports, dayName, type SentReport } from "./tls-reports.ts";
export { setPolicy, deletePolicy, listPolicies, addRelay, deleteRelay, listRelays, parseLevel } from "./admin.ts";
export { outboundReport, type OutboundDomainReport } from "./report.ts";
export { QueueRunner, type DeliveryObserver } from "./runner.ts";
