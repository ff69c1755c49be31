/**
 * The outbound policy engine: which TLS level applies to a destination, and where it came from.
 * Order: a relay domain's own level, then `sealpost policy set`, then `[delivery] policies`, then
 * the default. An MTA-STS policy in mode enforce (RFC 8461 §5) raises whatever that gives to
 * verify against the policy's MX names; mode testing is recorded, not enforced. DANE (RFC 7672)
 * raises it per MX host — to verify by the host's TLSA records, or to encrypt when they are all
 * unusable — and where it applies to a domain, the domain's MTA-STS policy does not (RFC 8461 §2).
 * A message's own request (RFC 8689) comes last: REQUIRETLS raises the level to verify and asks the
 * next hop for REQUIRETLS (§4.2.1); "TLS-Required: No" sets everything but a relay route's own
 * level aside, down to opportunistic STARTTLS (§4.2.2).
 */
import type { Kysely } from "kysely";
import type { Config, TlsLevel } from "../config/index.ts";
import type { HostDane, TlsaRecord } from "../dane/index.ts";
import type { MtaStsPolicy } from "../mta-sts/index.ts";
import type { Database } from "../store/index.ts";
import type { TlsRequirement } from "../smtp-client/index.ts";

type LevelSource = "default" | "config" | "policy" | "relay" | "mta-sts" | "dane" | "requiretls" | "tls-required";

export interface LevelChoice {
  level: TlsLevel;
  source: LevelSource;
  /** MTA-STS MX patterns the certificate (and the MX host) must match, when an enforce policy applies. */
  mxPatterns: string[] | null;
  /** "enforce", "testing" or null: what MTA-STS said (testing is recorded only). */
  stsMode: "enforce" | "testing" | null;
  /** The choice before an MTA-STS enforce policy raised it (for `withoutMtaSts`). */
  beforeMtaSts?: LevelChoice;
  /** DANE: the host's usable TLSA records, which authenticate its certificate instead of the PKI (RFC 7672 §3). */
  tlsa?: readonly TlsaRecord[];
  /** REQUIRETLS (RFC 8689 §4.2.1): the next hop must offer it, and MAIL FROM carries it. */
  requireTls?: true;
}

/** A level and where it came from, as an attempt records them. */
export interface PolicyNote {
  level: TlsLevel;
  /** "default", "policy", "mta-sts", "dane" …; "config (mta-sts testing)" when a testing policy was seen. */
  source: string;
}

export interface RelayRoute {
  domain: string;
  host: string;
  port: number;
  level: TlsLevel | null;
  localParts: string[] | null;
}

const RANK: Record<TlsLevel, number> = { may: 0, encrypt: 1, verify: 2, "verify-once": 3 };

/** The stronger of two levels. */
function stronger(a: TlsLevel, b: TlsLevel): TlsLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

export async function configuredLevel(db: Kysely<Database>, config: Config, domain: string, relay: RelayRoute | null): Promise<LevelChoice> {
  const none = { mxPatterns: null, stsMode: null };
  if (relay?.level != null) return { level: relay.level, source: "relay", ...none };
  const row = await db.selectFrom("tls_policies").select("level").where("domain", "=", domain).executeTakeFirst();
  if (row !== undefined) return { level: row.level as TlsLevel, source: "policy", ...none };
  const fromConfig = config.delivery.policies.find((p) => p.domain.toLowerCase() === domain);
  if (fromConfig !== undefined) return { level: fromConfig.level, source: "config", ...none };
  return { level: config.delivery.tls_policy, source: "default", ...none };
}

/** Applies a domain's MTA-STS policy to the configured choice. */
export function withMtaSts(choice: LevelChoice, policy: MtaStsPolicy | null): LevelChoice {
  if (policy === null || policy.mode === "none") return choice;
  if (policy.mode === "testing") return { ...choice, stsMode: "testing" };
  return { level: stronger(choice.level, "verify"), source: "mta-sts", mxPatterns: [...policy.mx], stsMode: "enforce", beforeMtaSts: choice };
}

/** RFC 8461 §2: a domain that DANE applies to is delivered under DANE, not under its MTA-STS policy. */
export function withoutMtaSts(choice: LevelChoice): LevelChoice {
  return choice.beforeMtaSts ?? { ...choice, stsMode: null };
}

/**
 * RFC 7672 §2.2 for one MX host: secure usable TLSA records make the level at least verify, with the
 * records authenticating the certificate instead of the PKI; secure records that are all unusable
 * make it at least encrypt. The stronger requirement wins: a configured verify-once keeps its
 * one-connection rule (and its source), under DANE's authentication.
 */
export function withDane(choice: LevelChoice, dane: HostDane): LevelChoice {
  if (dane.kind === "authenticate") {
    return { ...choice, level: stronger(choice.level, "verify"), source: choice.level === "verify-once" ? choice.source : "dane", tlsa: dane.records };
  }
  if (dane.kind === "encrypt") {
    return { ...choice, level: stronger(choice.level, "encrypt"), source: RANK[choice.level] < RANK.encrypt ? "dane" : choice.source };
  }
  return choice;
}

/**
 * RFC 8689 §4.2.1 for a REQUIRETLS message: STARTTLS with the certificate verified (by the PKI
 * against the MX host name, or by DANE's TLSA records where `withDane` gave them), and REQUIRETLS
 * from the next hop. A stronger level keeps its source, as under DANE.
 */
export function withRequireTls(choice: LevelChoice): LevelChoice {
  return { ...choice, level: stronger(choice.level, "verify"), source: RANK[choice.level] < RANK.verify ? "requiretls" : choice.source, requireTls: true };
}

/**
 * RFC 8689 §4.2.2 for a message with "TLS-Required: No": STARTTLS is tried and never required,
 * the certificate not checked — MTA-STS, DANE (the caller looks neither up) and the levels of
 * `sealpost policy set`, `[delivery] policies` and the default set aside. A relay route's own level
 * stays: it is not the recipient's published policy that the field is about but how this gateway
 * reaches the domain's own next hop, a link its operator chose to protect.
 */
export function withTlsOptional(choice: LevelChoice): LevelChoice {
  if (choice.source === "relay") return choice;
  return { level: "may", source: "tls-required", mxPatterns: null, stsMode: null };
}

/** What an attempt records of the level it ran under. */
export function policyNote(choice: LevelChoice): PolicyNote {
  return { level: choice.level, source: choice.stsMode === "testing" ? `${choice.source} (mta-sts testing)` : choice.source };
}

/** What the SMTP client must do for a level toward one MX host. */
export function tlsRequirement(choice: LevelChoice, mxHost: string, ca: readonly string[]): TlsRequirement {
  const requirement = levelRequirement(choice, mxHost, ca);
  return choice.requireTls === true ? { ...requirement, requireTls: true } : requirement;
}

function levelRequirement(choice: LevelChoice, mxHost: string, ca: readonly string[]): TlsRequirement {
  // RFC 7672 §2.2: TLS is mandatory, and the TLSA records, not the PKI, authenticate the server (§3).
  if (choice.tlsa !== undefined) return { starttls: "required", verify: null, dane: { records: choice.tlsa } };
  switch (choice.level) {
    case "may":
      return { starttls: "opportunistic", verify: null };
    case "encrypt":
      return { starttls: "required", verify: null };
    case "verify":
    case "verify-once":
      // Under MTA-STS the host was already matched against the policy's patterns (deliver-job);
      // the certificate must then name that host in a subjectAltName (RFC 8461 §4.2).
      return { starttls: "required", verify: { ca, names: [mxHost], ...(choice.mxPatterns !== null ? { sanOnly: true } : {}) } };
  }
}

/** The relay route for a domain (gateway mode), or null. */
export async function relayRoute(db: Kysely<Database>, domain: string): Promise<RelayRoute | null> {
  const row = await db.selectFrom("relay_domains").selectAll().where("domain", "=", domain).executeTakeFirst();
  if (row === undefined) return null;
  const hop = parseNextHop(row.next_hop);
  return { domain: row.domain, host: hop.host, port: hop.port, level: row.level as TlsLevel | null, localParts: row.local_parts === null ? null : (JSON.parse(row.local_parts) as string[]) };
}

/** "host:port", "[ip]:port" or "host" (port 25). Throws on anything else. */
export function parseNextHop(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? 25 : Number(m[3]);
  if (host === undefined || port < 1 || port > 65535) throw new Error(`next hop "${text}": expected HOST:PORT or [ADDRESS]:PORT`);
  return { host, port };
}
