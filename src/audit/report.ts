/**
 * `sealpost tls-report`: what TLS the world speaks to this server. For the last N days:
 * sessions per protocol and negotiated version; refused handshakes by offered maximum version and
 * client; and, per hosted domain, the senders that delivered in plaintext — the ones a switch to
 * mandatory TLS would turn away (the question the Cleanmail notice tells administrators to ask).
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../store/index.ts";
import { parseList } from "./json.ts";

export interface TlsReport {
  since: string;
  days: number;
  sessions: Array<{ protocol: string; tls: string; count: number }>;
  refusedHandshakes: Array<{ offeredMax: string; clientIp: string; protocol: string; count: number; lastSeen: string; reason: string | null }>;
  handshakes: Array<{
    time: string;
    protocol: string;
    port: number;
    mode: string;
    clientIp: string;
    outcome: string;
    reason: string | null;
    version: string | null;
    cipher: string | null;
    offeredVersions: string[];
    offeredMax: string | null;
    weakSuites: string[];
    sni: string | null;
  }>;
  plaintextSenders: Array<{
    domain: string;
    mandatoryTls: boolean;
    senders: Array<{ clientIp: string; ehlo: string | null; messages: number; lastSeen: string }>;
  }>;
}

const HANDSHAKE_LIST_LIMIT = 1000;


export async function tlsReport(db: Kysely<Database>, days: number, now = Date.now()): Promise<TlsReport> {
  const since = now - days * 86_400_000;
  const sessions = await db
    .selectFrom("smtp_sessions")
    .select(["protocol", sql<string>`coalesce(tls_version, 'plaintext')`.as("tls"), sql<number>`count(*)`.as("count")])
    .where("started_at", ">=", since)
    .groupBy(["protocol", "tls"])
    .orderBy("protocol")
    .orderBy("tls")
    .execute();
  const refused = await db
    .selectFrom("tls_events")
    .select([
      sql<string>`coalesce(offered_max, 'unknown')`.as("offered_max"),
      "client_ip",
      "protocol",
      sql<number>`count(*)`.as("count"),
      sql<number>`max(time)`.as("last"),
      sql<string | null>`max(reason)`.as("reason"),
    ])
    .where("time", ">=", since)
    .where("outcome", "!=", "ok")
    .groupBy(["offered_max", "client_ip", "protocol"])
    .orderBy("count", "desc")
    .execute();
  const handshakes = await db
    .selectFrom("tls_events")
    .selectAll()
    .where("time", ">=", since)
    .orderBy("time", "desc")
    .orderBy("id", "desc")
    .limit(HANDSHAKE_LIST_LIMIT)
    .execute();
  const domains = await db.selectFrom("domains").select(["name", "mandatory_tls"]).orderBy("name").execute();
  const plain = await db
    .selectFrom("smtp_recipients")
    .select(["domain", "client_ip", sql<string | null>`max(ehlo)`.as("ehlo"), sql<number>`count(*)`.as("messages"), sql<number>`max(time)`.as("last")])
    .where("time", ">=", since)
    .where("delivered", "=", 1)
    .where("tls_version", "is", null)
    .groupBy(["domain", "client_ip"])
    .orderBy("messages", "desc")
    .execute();
  const iso = (t: number): string => new Date(t).toISOString();
  return {
    since: iso(since),
    days,
    sessions: sessions.map((s) => ({ protocol: s.protocol, tls: s.tls, count: Number(s.count) })),
    refusedHandshakes: refused.map((r) => ({
      offeredMax: r.offered_max,
      clientIp: r.client_ip,
      protocol: r.protocol,
      count: Number(r.count),
      lastSeen: iso(Number(r.last)),
      reason: r.reason,
    })),
    handshakes: handshakes.map((h) => ({
      time: iso(h.time),
      protocol: h.protocol,
      port: h.port,
      mode: h.mode,
      clientIp: h.client_ip,
      outcome: h.outcome,
      reason: h.reason,
      version: h.version,
      cipher: h.cipher,
      offeredVersions: parseList(h.offered_versions),
      offeredMax: h.offered_max,
      weakSuites: parseList(h.weak_suites),
      sni: h.sni,
    })),
    plaintextSenders: domains.map((d) => ({
      domain: d.name,
      mandatoryTls: d.mandatory_tls === 1,
      senders: plain
        .filter((p) => p.domain === d.name)
        .map((p) => ({ clientIp: p.client_ip, ehlo: p.ehlo, messages: Number(p.messages), lastSeen: iso(Number(p.last)) })),
    })),
  };
}
