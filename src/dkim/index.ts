/**
 * DKIM signing (RFC 6376, RFC 8463): each hosted domain's keys (an Ed25519 and an RSA-2048 key per
 * generation, made here, rotated without breaking a signature), the TXT records to publish and
 * whether the resolver sees them, and the signatures on every message that leaves through the queue
 * from a hosted domain, made here (relaxed/relaxed, in one pass over the message).
 */
export { DkimError, newKeys, addFirstKeys, listKeys, ensureKeys, rotateKeys, activateKeys, type DkimKey } from "./keys.ts";
export { dkimTxtRecords, keyRecords, activateIfPublished, type DkimRecord, type RecordCheck } from "./records.ts";
export { signOutgoing, signForQueue } from "./outgoing.ts";
export { watchPendingKeys } from "./watch.ts";
export { sealingKey } from "./seal-key.ts";
