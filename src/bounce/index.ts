/**
 * Bounces: delivery problems in plain words and RFC 3464 delivery status notifications.
 * Pure: callers pass the problem, the recipients and the original message; nothing here does I/O.
 */
export type { CertificateProblem, DeliveryProblem } from "./problems.ts";
export { explain, explainParts, advice } from "./explain.ts";
export { statusOf, parseReply } from "./status.ts";
export { buildDsn, type DsnInput } from "./dsn.ts";
export { fold, quotedPrintable, rfc5322Date, wrap } from "./text.ts";
