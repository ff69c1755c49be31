/** What `sealpost policy` and `sealpost relay` change: TLS levels per destination, relay domains. */
import type { Kysely } from "kysely";
import { TLS_LEVELS, type Config, type TlsLevel } from "../config/index.ts";
import { normalizeDomain } from "../directory/index.ts";
import type { Database } from "../store/index.ts";
import { parseNextHop } from "./policy.ts";

class OutboundAdminError extends Error {
  override name = "OutboundAdminError";
}

export function parseLevel(text: string): TlsLevel {
  const level = TLS_LEVELS.find((l) => l === text);
  if (level === undefined) throw new OutboundAdminError(`level: expected one of ${TLS_LEVELS.join(", ")}, got "${text}"`);
  return level;
}

interface PolicyEntry {
  domain: string;
  level: TlsLevel;
  source: "policy" | "config" | "default";
}

export async function setPolicy(db: Kysely<Database>, domain: string, level: TlsLevel): Promise<PolicyEntry> {
  const d = normalizeDomain(domain);
  const row = { level, updated_at: Date.now() };
  await db.insertInto("tls_policies").values({ domain: d, ...row }).onConflict((oc) => oc.column("domain").doUpdateSet(row)).execute();
  return { domain: d, level, source: "policy" };
}

export async function deletePolicy(db: Kysely<Database>, domain: string): Promise<boolean> {
  const res = await db.deleteFrom("tls_policies").where("domain", "=", normalizeDomain(domain)).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Every configured level: `policy set` entries win over `[delivery] policies`; the default last. */
export async function listPolicies(db: Kysely<Database>, config: Config): Promise<PolicyEntry[]> {
  const rows = await db.selectFrom("tls_policies").selectAll().orderBy("domain").execute();
  const out: PolicyEntry[] = rows.map((r) => ({ domain: r.domain, level: r.level as TlsLevel, source: "policy" }));
  for (const p of config.delivery.policies) {
    const d = p.domain.toLowerCase();
    if (!out.some((e) => e.domain === d)) out.push({ domain: d, level: p.level, source: "config" });
  }
  out.push({ domain: "*", level: config.delivery.tls_policy, source: "default" });
  return out;
}

interface RelayEntry {
  domain: string;
  nextHop: string;
  level: TlsLevel | null;
  localParts: string[] | null;
}

export async function addRelay(db: Kysely<Database>, domain: string, nextHop: string, level: TlsLevel | null, localParts: string[] | null): Promise<RelayEntry> {
  const d = normalizeDomain(domain);
  try {
    parseNextHop(nextHop);
  } catch (e) {
    throw new OutboundAdminError((e as Error).message);
  }
  const hosted = await db.selectFrom("domains").select("id").where("name", "=", d).executeTakeFirst();
  if (hosted !== undefined) throw new OutboundAdminError(`relay ${d}: the domain is hosted here; a relay domain is delivered elsewhere`);
  const row = { next_hop: nextHop, level, local_parts: localParts === null ? null : JSON.stringify(localParts.map((l) => l.toLowerCase())), created_at: Date.now() };
  await db.insertInto("relay_domains").values({ domain: d, ...row }).onConflict((oc) => oc.column("domain").doUpdateSet(row)).execute();
  return { domain: d, nextHop, level, localParts };
}

export async function deleteRelay(db: Kysely<Database>, domain: string): Promise<boolean> {
  const res = await db.deleteFrom("relay_domains").where("domain", "=", normalizeDomain(domain)).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listRelays(db: Kysely<Database>): Promise<RelayEntry[]> {
  const rows = await db.selectFrom("relay_domains").selectAll().orderBy("domain").execute();
  return rows.map((r) => ({ domain: r.domain, nextHop: r.next_hop, level: r.level as TlsLevel | null, localParts: r.local_parts === null ? null : (JSON.parse(r.local_parts) as string[]) }));
}
