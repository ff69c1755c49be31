/**
 * The outbound side: the policy engine (TLS level per destination, MTA-STS), delivery jobs over
 * the SMTP client, the queue runner, bounces, and the attempt log.
 */

export { problemLine } from "./problem-line.ts";

export { attemptTls, listAttempts, type AttemptRow } from "./attempts.ts";
export { startOutbound } from "./service.ts";
export { setPolicy, deletePolicy, listPolicies, addRelay, deleteRelay, listRelays, parseLevel } from "./admin.ts";
export { outboundReport, type OutboundDomainReport } from "./report.ts";
