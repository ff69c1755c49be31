/**
 * The DNS side of a domain's DKIM keys: the TXT record each key needs at
 * `SELECTOR._domainkey.DOMAIN` (RFC 6376 §3.6.2.1), and whether it is published — which is what
 * activates a pending generation (keys.ts).
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/index.ts";
import { activateKeys, listKeys, stillListed, RETIRED_KEEP_DAYS, type DkimKey } from "./keys.ts";

/** One record to publish, as `sealpost domain dns` takes it (directory's DnsRecord: zoneLines quotes the text). */
export interface DkimRecord {
  /** Fully qualified, with the trailing dot. */
  name: string;
  type: "TXT";
  /**
   * The record's text, `v=DKIM1; k=…; p=…` (RFC 6376 §3.6.1; k=ed25519: RFC 8463 §4.2). An RSA-2048
   * key's is about 410 characters, more than one TXT string holds: zone-file form (directory's
   * zoneLine) splits it into quoted strings of at most 255, which verifiers join (RFC 6376 §3.6.2.2).
   */
  value: string;
  /** What it is for, one line. */
  why: string;
}

const recordText = (k: Pick<DkimKey, "algorithm" | "publicKey">): string => `v=DKIM1; k=${k.algorithm}; p=${k.publicKey}`;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function why(domain: string, k: DkimKey): string {
  const alg = `${k.algorithm}-sha256`;
  if (k.state === "active") return `signs ${domain}'s mail (${alg})`;
  if (k.state === "pending") return `new key (${alg}), not signing yet: publish it; it signs once Sealpost sees it in DNS, or after "sealpost domain dkim ${domain} --activate"`;
  const until = (k.retiredAt ?? 0) + RETIRED_KEEP_DAYS * 86_400_000;
  return `retired ${day(k.retiredAt ?? 0)}, signs no more: keep it until ${day(until)} for mail signed before, then remove it`;
}

/** The records for `keys` of `domain`: active, pending, and retired ones still worth keeping. */
export function keyRecords(domain: string, keys: readonly DkimKey[], now = Date.now()): DkimRecord[] {
  return keys.filter((k) => stillListed(k, now)).map((k) => ({ name: `${k.selector}._domainkey.${domain}.`, type: "TXT", value: recordText(k), why: why(domain, k) }));
}

/** The DKIM records `domain` should publish now (for `sealpost domain dns`). */
export async function dkimTxtRecords(db: Kysely<Database>, domain: string, now = Date.now()): Promise<DkimRecord[]> {
  return keyRecords(domain, await listKeys(db, domain), now);
}

/**
 * Whether each record is published, as the caller looks it up: directory's checkPublished through
 * the configured `[dns] servers` ("published", "missing", "different", "not-checked"), which reads a
 * key record as receivers do (tags in any order, the key's white space aside). The DKIM room does
 * not read DNS itself.
 */
export type RecordCheck = (records: readonly DkimRecord[]) => Promise<ReadonlyArray<{ status: string }>>;

interface PublishCheck {
  /** Each active and pending key's record's status, by selector. */
  published: Map<string, string>;
  /** The generation this check activated, or null. */
  activated: string | null;
}

/**
 * Looks up the records of `domain`'s active and pending keys with `check` and activates the pending
 * generation once every one of its records is published (`changedBy` names who looked, for the trail).
 */
export async function activateIfPublished(db: Kysely<Database>, domain: string, check: RecordCheck, changedBy: string, now = Date.now()): Promise<PublishCheck> {
  const keys = (await listKeys(db, domain)).filter((k) => k.state !== "retired");
  const statuses = await check(keyRecords(domain, keys, now));
  const result: PublishCheck = { published: new Map(keys.map((k, i) => [k.selector, statuses[i]?.status ?? "not-checked"])), activated: null };
  const pending = keys.filter((k) => k.state === "pending");
  if (pending.length > 0 && pending.every((k) => result.published.get(k.selector) === "published")) {
    result.activated = await activateKeys(db, domain, changedBy, { seenInDns: true, now });
  }
  return result;
}
