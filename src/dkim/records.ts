/**
 * The DNS side of a domain's DKIM keys: the TXT record each key needs at
 * `SELECTOR._domainkey.DOMAIN` (RFC 6376 §3.6.2.1), written as a zone file takes it, and whether the
 * configured resolver sees it — which is what activates a pending generation (keys.ts).
 */
import type { Kysely } from "kysely";
import type { Resolver } from "../dns/index.ts";
import type { Database } from "../store/index.ts";
import { activateKeys, listKeys, stillListed, RETIRED_KEEP_DAYS, type DkimKey } from "./keys.ts";

/** One record to publish, in the form `sealpost domain dns` prints (directory's zoneLines). */
export interface DkimRecord {
  /** Fully qualified, with the trailing dot. */
  name: string;
  type: "TXT";
  /** The record's data in zone-file form: the text as quoted strings of at most 255 octets. */
  value: string;
  /** The record's text as a verifier reads it (the strings joined). */
  text: string;
  /** What it is for, one line. */
  why: string;
}

/** RFC 6376 §3.6.1: the key record's tags; k= names the key type (RFC 8463 §4.2 adds "ed25519"). */
const recordText = (k: Pick<DkimKey, "algorithm" | "publicKey">): string => `v=DKIM1; k=${k.algorithm}; p=${k.publicKey}`;

/** RFC 1035 §3.3.14: one character-string of a TXT record holds at most 255 octets. */
const STRING_MAX = 255;

/**
 * The text as a TXT record's strings: a value longer than one string (an RSA-2048 key's is about
 * 410 characters) is split into several, which verifiers join with nothing between them
 * (RFC 6376 §3.6.2.2; RFC 7208 §3.3 does the same for SPF). Our texts are ASCII.
 */
export function txtStrings(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += STRING_MAX) out.push(text.slice(i, i + STRING_MAX));
  return out.length > 0 ? out : [""];
}

/** The strings quoted for a zone file (RFC 1035 §5.1: `"` and `\` escaped by a backslash). */
const zoneValue = (text: string): string => txtStrings(text).map((s) => `"${s.replace(/["\\]/g, "\\$&")}"`).join(" ");

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
  return keys
    .filter((k) => stillListed(k, now))
    .map((k) => {
      const text = recordText(k);
      return { name: `${k.selector}._domainkey.${domain}.`, type: "TXT", value: zoneValue(text), text, why: why(domain, k) };
    });
}

/** The DKIM records `domain` should publish now (for `sealpost domain dns`). */
export async function dkimTxtRecords(db: Kysely<Database>, domain: string, now = Date.now()): Promise<DkimRecord[]> {
  return keyRecords(domain, await listKeys(db, domain), now);
}

/**
 * A record's tags (RFC 6376 §3.2: `tag=value` separated by ";", whitespace around them ignored);
 * every whitespace inside p= is dropped too, since base64 may be folded (§3.6.1).
 */
function tags(record: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of record.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    out.set(name, name === "p" ? value.replace(/\s+/g, "") : value);
  }
  return out;
}

/** Whether a TXT record found at the key's name carries the key (v=DKIM1 if given, its k=, its p=). */
function carries(record: string, k: DkimKey): boolean {
  const t = tags(record);
  const v = t.get("v");
  return (v === undefined || v === "DKIM1") && (t.get("k") ?? "rsa") === k.algorithm && t.get("p") === k.publicKey;
}

/** "yes", "no", or "unknown" when the lookup failed (a timeout, SERVFAIL). */
export type Published = "yes" | "no" | "unknown";

async function published(resolver: Resolver, domain: string, k: DkimKey): Promise<Published> {
  try {
    const found = await resolver.txt(`${k.selector}._domainkey.${domain}`);
    return found.some((r) => carries(r, k)) ? "yes" : "no";
  } catch {
    return "unknown";
  }
}

interface PublishCheck {
  /** Each active and pending key's record as the resolver sees it. */
  published: Map<string, Published>;
  /** The generation this check activated, or null. */
  activated: string | null;
}

/**
 * Looks up the records of `domain`'s active and pending keys through `resolver` (the configured
 * `[dns] servers`) and activates the pending generation once every one of its records is there.
 */
export async function checkPublished(db: Kysely<Database>, resolver: Resolver, domain: string, changedBy: string, now = Date.now()): Promise<PublishCheck> {
  const keys = (await listKeys(db, domain)).filter((k) => k.state !== "retired");
  const seen = await Promise.all(keys.map(async (k) => [k.selector, await published(resolver, domain, k)] as const));
  const result: PublishCheck = { published: new Map(seen), activated: null };
  const pending = keys.filter((k) => k.state === "pending");
  if (pending.length > 0 && pending.every((k) => result.published.get(k.selector) === "yes")) {
    result.activated = await activateKeys(db, domain, changedBy, { seenInDns: true, now });
  }
  return result;
}
