/**
 * MTA-STS (RFC 8461): the _mta-sts TXT record, the policy file and its HTTPS fetch, MX pattern
 * matching, and discovery with a policy cache; and for our own domains, the policy we publish and
 * its id. Pure standards code: callers pass the Resolver, the trust anchors and the store (the
 * server backs it with SQLite).
 */
export type { MtaStsPolicy, FetchOptions, PolicyStore } from "./types.ts";
export { parseTxtRecord, selectTxtRecord } from "./txt.ts";
export { parsePolicy, mxMatches, mxAllowed } from "./policy.ts";
export { fetchPolicy, MAX_POLICY_BYTES } from "./fetch.ts";
export { MtaStsCache, memoryPolicyStore } from "./cache.ts";
export { policyText, policyTxt, policyMaxAge, nextPolicyId, type MtaStsMode } from "./publish.ts";
