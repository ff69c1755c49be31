/**
 * The outbound side: the policy engine (TLS level per destination, MTA-STS), delivery jobs over
 * the SMTP client, the queue runner, bounces, and the attempt log.
 */
export { QueueRunner, backoffMs, type RunnerOptions, type DeliveryObserver } from "./runner.ts";
export { problemLine } from "./problem-line.ts";
export { ConnectionCache, sessionKey, type ConnectionCacheOptions, type ConnectionCacheStats } from "./connection-cache.ts";
export { deliverJob, type Job, type JobContext, type JobResult, type AttemptRecord, type RecipientOutcome } from "./deliver-job.ts";
export { configuredLevel, withMtaSts, tlsRequirement, relayRoute, parseNextHop, stronger, type LevelChoice, type LevelSource, type RelayRoute } from "./policy.ts";
export { attemptTls, listAttempts, type AttemptRow } from "./attempts.ts";
export { startOutbound, splitPem, type OutboundService } from "./service.ts";
export { setPolicy, deletePolicy, listPolicies, addRelay, deleteRelay, listRelays, parseLevel, OutboundAdminError, type PolicyEntry, type RelayEntry } from "./admin.ts";
export { outboundReport, type OutboundDomainReport } from "./report.ts";
