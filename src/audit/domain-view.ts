/**
 * A domain's page in the web console, and the TLS report's per-domain part: for a hosted or a relay
 * domain (both record every recipient in smtp_recipients), who delivered to it in plaintext, what
 * TLS the SMTP sessions that delivered to it spoke, and which of its accounts have legacy devices.
 * What a switch to mandatory TLS would turn away (the Cleanmail notice's question for
 * administrators), before the switch. And who sends as the domain (the MX's sender checks, issue 15).
 */
import { sql, type Kysely } from "kysely";
import { Code } from "../smtp/index.ts";
import type { Database } from "../store/index.ts";
import { legacyDevicesOf } from "./account-view.ts";
import { candidatesOfRefusals } from "./history.ts";

const DAY_MS = 86_400_000;

interface WindowOptions {
  days: number;
  now?: number;
}

const sinceOf = (o: WindowOptions): number => (o.now ?? Date.now()) - o.days * DAY_MS;
const iso = (t: number): string => new Date(t).toISOString();

/**
 * The recipient rows of messages the domain accepted (250: delivered into a mailbox, or queued
 * for a relay's next hop), and a message's identity: its recipients share session and time
 * (smtp-server/hand-off.ts writes them in one commit).
 */
const ACCEPTED = Code.OK;

/**
 * The domain of the envelope sender, lower-cased; "" for the null sender (bounces). After the
 * last "@" (a quoted local part may hold one): rtrim by every other character of the address
 * leaves it up to that "@". Portable SQL (SQLite and PostgreSQL).
 */
const SENDER_DOMAIN = sql<string>`case when mail_from like '%@%' then lower(substr(mail_from, length(rtrim(mail_from, replace(mail_from, '@', ''))) + 1)) else '' end`;

export interface PlaintextSender {
  clientIp: string;
  /** The name it gave in EHLO/HELO (one of them, when it gave several). */
  ehlo: string | null;
  /** The envelope sender's domain ("" for the null sender). */
  senderDomain: string;
  messages: number;
  lastSeen: string;
}

/** Who delivered to the domain without TLS, per client address and sender domain, most messages first. */
export async function plaintextSenders(db: Kysely<Database>, domain: string, opts: WindowOptions): Promise<PlaintextSender[]> {
  // smtp_recipients_plaintext: only the plaintext rows are read.
  const messages = db
    .selectFrom("smtp_recipients")
    .select(["session_id", "time", "client_ip", "ehlo", SENDER_DOMAIN.as("sender_domain")])
    .distinct()
    .where("domain", "=", domain.toLowerCase())
    .where("tls_version", "is", null)
    .where("time", ">=", sinceOf(opts))
    .where("code", "=", ACCEPTED);
  const rows = await db
    .selectFrom(messages.as("m"))
    .select(["client_ip", "sender_domain", sql<string | null>`max(ehlo)`.as("ehlo"), sql<number>`count(*)`.as("messages"), sql<number>`max(time)`.as("last")])
    .groupBy(["client_ip", "sender_domain"])
    .orderBy("messages", "desc")
    .orderBy("last", "desc")
    .execute();
  return rows.map((r) => ({ clientIp: r.client_ip, ehlo: r.ehlo, senderDomain: r.sender_domain, messages: Number(r.messages), lastSeen: iso(Number(r.last)) }));
}

interface DomainInboundTls {
  /** SMTP sessions that delivered to the domain in the window. */
  total: number;
  /** Of them, those without TLS. */
  plaintext: number;
  /** plaintext / total (0 when there were none). */
  plaintextShare: number;
  /** Per negotiated version ("TLSv1.3", …, "plaintext"), newest first: sessions, and the messages they delivered to the domain. */
  byVersion: Array<{ tls: string; sessions: number; messages: number }>;
}

/** The TLS of the SMTP sessions that delivered to the domain in the window. */
export async function domainInboundTls(db: Kysely<Database>, domain: string, opts: WindowOptions): Promise<DomainInboundTls> {
  const messages = db
    .selectFrom("smtp_recipients")
    .select(["session_id", "time", sql<string>`coalesce(tls_version, 'plaintext')`.as("tls")])
    .distinct()
    .where("domain", "=", domain.toLowerCase())
    .where("time", ">=", sinceOf(opts))
    .where("code", "=", ACCEPTED);
  const rows = await db
    .selectFrom(messages.as("m"))
    .select(["tls", sql<number>`count(distinct session_id)`.as("sessions"), sql<number>`count(*)`.as("messages")])
    .groupBy("tls")
    .execute();
  const byVersion = rows
    .map((r) => ({ tls: r.tls, sessions: Number(r.sessions), messages: Number(r.messages) }))
    // "TLSv1.3" > "TLSv1.2" > "TLSv1.1" > "TLSv1" > "SSLv3" as strings; plaintext last.
    .sort((a, b) => (a.tls === "plaintext" ? 1 : b.tls === "plaintext" ? -1 : a.tls < b.tls ? 1 : a.tls > b.tls ? -1 : 0));
  const total = byVersion.reduce((n, v) => n + v.sessions, 0);
  const plaintext = byVersion.find((v) => v.tls === "plaintext")?.sessions ?? 0;
  return { total, plaintext, plaintextShare: total === 0 ? 0 : plaintext / total, byVersion };
}

interface LegacyAccount {
  address: string;
  /** How many legacy devices (as `legacyDevices` counts them). */
  devices: number;
  lastSeen: string;
}

/** The domain's accounts with legacy devices in the window, most recently seen first ([] for a relay domain: it has no accounts). */
export async function domainLegacyAccounts(db: Kysely<Database>, domain: string, opts: WindowOptions): Promise<LegacyAccount[]> {
  const accounts = sql<boolean>`a.domain_id = (select d.id from domains d where d.name = ${domain.toLowerCase()})`;
  const since = sinceOf(opts);
  const byAccount = await legacyDevicesOf(db, accounts, candidatesOfRefusals(accounts, since), since);
  if (byAccount.size === 0) return [];
  const addresses = await db.selectFrom("accounts").select(["id", "address"]).where("id", "in", [...byAccount.keys()]).execute();
  return addresses
    .map((a) => {
      const devices = byAccount.get(a.id) ?? [];
      // legacyDevicesOf lists an account's devices most recently seen first.
      return { address: a.address, devices: devices.length, lastSeen: devices[0]?.lastSeen ?? "" };
    })
    .sort((x, y) => (x.lastSeen < y.lastSeen ? 1 : x.lastSeen > y.lastSeen ? -1 : x.address < y.address ? -1 : 1));
}

export interface DomainSender {
  clientIp: string;
  /** The name it gave in EHLO/HELO (one of them, when it gave several). */
  helo: string | null;
  messages: number;
  spfPass: number;
  dkimPass: number;
  dmarcPass: number;
  dmarcFail: number;
  /** Messages that came without TLS. */
  plaintext: number;
  /** Delivered to Junk (DMARC quarantine). */
  quarantined: number;
  /** Refused with 550 5.7.1 (DMARC reject, or a hosted domain's mail from outside). */
  rejected: number;
  lastSeen: string;
}

const count = (condition: ReturnType<typeof sql>) => sql<number>`sum(case when ${condition} then 1 else 0 end)`;

/**
 * Who sent mail to this MX claiming the domain — as its From domain or its MAIL FROM domain — per
 * client address, from the sender checks' rows (auth_results): how many messages, how many passed
 * SPF, DKIM and DMARC, how many came in plaintext, what was done with them. Most messages first.
 */
export async function sendersAs(db: Kysely<Database>, domain: string, opts: WindowOptions): Promise<DomainSender[]> {
  const d = domain.toLowerCase();
  const rows = await db
    .selectFrom("auth_results")
    .select([
      "client_ip",
      sql<string | null>`max(helo)`.as("helo"),
      sql<number>`count(*)`.as("messages"),
      count(sql`spf = 'pass'`).as("spf_pass"),
      count(sql`dkim = 'pass'`).as("dkim_pass"),
      count(sql`dmarc = 'pass'`).as("dmarc_pass"),
      count(sql`dmarc = 'fail'`).as("dmarc_fail"),
      count(sql`tls_version is null`).as("plaintext"),
      count(sql`action = 'quarantined'`).as("quarantined"),
      count(sql`action = 'rejected'`).as("rejected"),
      sql<number>`max(time)`.as("last"),
    ])
    .where((eb) => eb.or([eb("from_domain", "=", d), eb("mail_from_domain", "=", d)]))
    .where("time", ">=", sinceOf(opts))
    .groupBy("client_ip")
    .orderBy("messages", "desc")
    .orderBy("last", "desc")
    .execute();
  return rows.map((r) => ({
    clientIp: r.client_ip,
    helo: r.helo,
    messages: Number(r.messages),
    spfPass: Number(r.spf_pass),
    dkimPass: Number(r.dkim_pass),
    dmarcPass: Number(r.dmarc_pass),
    dmarcFail: Number(r.dmarc_fail),
    plaintext: Number(r.plaintext),
    quarantined: Number(r.quarantined),
    rejected: Number(r.rejected),
    lastSeen: iso(Number(r.last)),
  }));
}
