/**
 * Sender authentication of inbound mail (issue 15): SPF, DKIM, DMARC and ARC with mailauth, the
 * Authentication-Results field (RFC 8601) and the removal of forged ones, and the verdict (accept,
 * quarantine, reject) by DMARC policy and for mail claiming a hosted domain. Pure: the caller passes
 * the message, the DNS lookup and which domains are hosted; nothing here stores, logs or configures.
 */
export { checkSender, readableHeader, uncheckedResults, type SenderAuthResults } from "./check.ts";
export { withoutForgedResults } from "./header.ts";
export { decide, dkimSummary, type Verdict } from "./policy.ts";
