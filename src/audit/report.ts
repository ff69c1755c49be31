/**
 * `sealpost tls-report`: what TLS the world speaks to this server. For the last N days:
 * sessions per protocol and negotiated version (every protocol: SMTP sessions are recorded whole
 * in smtp_sessions; IMAP's and POP3's are their successful handshakes in tls_events, and their
 * plaintext ones the sign-ins tried without TLS in logins — a plaintext connection that never tried
 * to sign in leaves no record); refused handshakes by offered maximum version and
 * client; and, per hosted domain, the senders that delivered in plaintext — the ones a switch to
 * mandatory TLS would turn away (the question the Cleanmail notice tells administrators to ask) —
 * and who sends as the domain, with what the MX's sender checks found (issue 15).
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../store/index.ts";
import { plaintextSenders, sendersAs, type DomainSender, type PlaintextSender } from "./domain-view.ts";
import { parseList } from "./json.ts";
import { handshakeReason } from "./reason.ts";

export interface TlsReport {
  since: string;
  days: number;
  /**
   * Per protocol and TLS version (or "plaintext"); `unit` says what was counted: sessions, or for
   * IMAP/POP3 in plaintext the sign-ins tried without TLS (the only trace such a session leaves).
   */
  sessions: Array<{ protocol: string; tls: string; count: number; unit: "sessions" | "sign-in attempts" }>;
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
    senders: PlaintextSender[];
  }>;
  /** Per hosted domain, the hosts that sent mail claiming it (From or MAIL FROM) and what the sender checks found. */
  sendingAs: Array<{ domain: string; senders: DomainSender[] }>;
}

const HANDSHAKE_LIST_LIMIT = 1000;
/** The protocols whose sessions smtp_sessions records (the SMTP roles' `protocol`); any other is counted from tls_events and logins. */
const SMTP_PROTOCOLS = ["smtp", "submission"];

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function tlsReport(db: Kysely<Database>, days: number, now = Date.now()): Promise<TlsReport> {
  const since = now - days * 86_400_000;
  const smtpSessions = await db
    .selectFrom("smtp_sessions")
    .select(["protocol", sql<string>`coalesce(tls_version, 'plaintext')`.as("tls"), sql<number>`count(*)`.as("count")])
    .where("started_at", ">=", since)
    .groupBy(["protocol", "tls"])
    .execute();
  const tlsSessions = await db
    .selectFrom("tls_events")
    .select(["protocol", sql<string>`coalesce(version, 'unknown')`.as("tls"), sql<number>`count(*)`.as("count")])
    .where("time", ">=", since)
    .where("outcome", "=", "ok")
    .where("protocol", "not in", SMTP_PROTOCOLS)
    .groupBy(["protocol", "tls"])
    .execute();
  const plaintextSignIns = await db
    .selectFrom("logins")
    .select(["protocol", sql<string>`'plaintext'`.as("tls"), sql<number>`sum(attempts)`.as("count")])
    .where("time", ">=", since)
    .where("tls_version", "is", null)
    .where("protocol", "not in", SMTP_PROTOCOLS)
    .groupBy("protocol")
    .execute();
  const sessions = [
    ...[...smtpSessions, ...tlsSessions].map((s) => ({ protocol: s.protocol, tls: s.tls, count: Number(s.count), unit: "sessions" as const })),
    ...plaintextSignIns.map((s) => ({ protocol: s.protocol, tls: s.tls, count: Number(s.count), unit: "sign-in attempts" as const })),
  ].sort((a, b) => (a.protocol === b.protocol ? cmp(a.tls, b.tls) : cmp(a.protocol, b.protocol)));
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
  const iso = (t: number): string => new Date(t).toISOString();
  return {
    since: iso(since),
    days,
    sessions,
    refusedHandshakes: refused.map((r) => ({
      offeredMax: r.offered_max,
      clientIp: r.client_ip,
      protocol: r.protocol,
      count: Number(r.count),
      lastSeen: iso(Number(r.last)),
      reason: handshakeReason(r.reason),
    })),
    handshakes: handshakes.map((h) => ({
      time: iso(h.time),
      protocol: h.protocol,
      port: h.port,
      mode: h.mode,
      clientIp: h.client_ip,
      outcome: h.outcome,
      reason: handshakeReason(h.reason),
      version: h.version,
      cipher: h.cipher,
      offeredVersions: parseList(h.offered_versions),
      offeredMax: h.offered_max,
      weakSuites: parseList(h.weak_suites),
      sni: h.sni,
    })),
    plaintextSenders: await Promise.all(
      domains.map(async (d) => ({ domain: d.name, mandatoryTls: d.mandatory_tls === 1, senders: await plaintextSenders(db, d.name, { days, now }) })),
    ),
    sendingAs: await Promise.all(domains.map(async (d) => ({ domain: d.name, senders: await sendersAs(db, d.name, { days, now }) }))),
  };
}
