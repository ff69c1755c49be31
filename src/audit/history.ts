/**
 * The login history's rule, in one place (the CLI's `sealpost history`, the web console's account
 * and domain pages: account-view.ts, domain-view.ts): an account's history is
 *  - its sign-ins (account_id), and the sign-ins refused before the account was looked up that
 *    named it (account_id NULL, the user name typed, in any case): plaintext and throttled ones;
 *  - refused TLS handshakes from an address the account signed in from successfully within 30
 *    days before, marked as probably this account's device (mail.de's notice: users find their
 *    old devices in the login history before the cut-off date).
 * Sign-ins refused by the rate limits are one entry per address and window, saying how many
 * there were and why, so the user sees an attack on the account.
 *
 * Every query here reads through an index of migration 0013: the partial indexes' conditions
 * (`result = 'ok'`, `outcome != 'ok'`, `account_id is null`) are written as literals, as there.
 */
import { sql, type RawBuilder, type Selectable } from "kysely";
import type { Database } from "../store/index.ts";
import { deviceHint, deviceKind, isLegacy, type DeviceKind } from "./device-hint.ts";
import { parseList } from "./json.ts";
import { handshakeReason } from "./reason.ts";
import { describeThrottle, parseThrottleReason } from "./throttle.ts";

export interface HistoryEntry {
  time: string;
  kind: "login" | "refused-handshake";
  protocol: string;
  port: number;
  clientIp: string;
  /** For logins: "ok", "failed" or "refused"; for handshakes: "refused" or "failed". */
  result: string;
  reason: string | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  clientName: string | null;
  mechanism: string | null;
  /** For handshakes: the highest version the client offered. */
  offeredMax: string | null;
  legacy: boolean;
  /** What kind of device a legacy entry probably came from (null when not legacy); `hint` says it in English. */
  device: DeviceKind | null;
  hint: string | null;
  /** Handshakes are attributed by address: "probably this account's device". */
  attribution: string | null;
  /** How many attempts the entry stands for: 1, or every refused one of a throttled address in one window. */
  attempts: number;
  /** For throttled sign-ins, in words: "12 sign-ins from 203.0.113.7 refused without a password check, after …". */
  throttled: string | null;
  /** The connection's id, as in the server's log lines (null for entries recorded before it was kept). */
  session: string | null;
  /** It came through a legacy endpoint (issue 12: the listeners that speak TLS 1.0/1.1 for granted accounts until the cut-off). */
  legacyEndpoint: boolean;
}

/** The protocols people sign in with: the history's filter, and those whose refused handshakes are attributed to an account. */
export const HISTORY_PROTOCOLS = ["imap", "pop3", "submission", "web"] as const;
export type HistoryProtocol = (typeof HISTORY_PROTOCOLS)[number];

/** A refused handshake is this account's when the account signed in from its address at most this long before. */
const ATTRIBUTION_WINDOW_MS = 30 * 86_400_000;

export type LoginRecord = Selectable<Database["logins"]>;
/** A refused handshake, with the client name of the account's latest sign-in from its address (the guess at the device). */
export type HandshakeRecord = Selectable<Database["tls_events"]> & { login_name: string | null };

/** What the hint and the legacy flag of a sign-in go by: its TLS version (null: none) and the client's name. */
export function loginDevice(l: Pick<LoginRecord, "client_name" | "tls_version">): { legacy: boolean; device: DeviceKind | null } {
  const input = { clientName: l.client_name, tlsVersion: l.tls_version, offeredMax: null, offeredSuites: [], plaintext: l.tls_version === null };
  return { legacy: isLegacy(input), device: deviceKind(input) };
}

export function loginEntry(l: LoginRecord): HistoryEntry {
  const { legacy, device } = loginDevice(l);
  return {
    time: new Date(l.time).toISOString(),
    kind: "login",
    protocol: l.protocol,
    port: l.port,
    clientIp: l.client_ip,
    result: l.result,
    reason: l.reason,
    tlsVersion: l.tls_version,
    tlsCipher: l.tls_cipher,
    clientName: l.client_name,
    mechanism: l.mechanism,
    offeredMax: null,
    legacy,
    device,
    hint: deviceHint(device),
    attribution: null,
    attempts: l.attempts,
    throttled: throttledText(l.result, l.reason, l.attempts, l.client_ip),
    session: l.session_id,
    legacyEndpoint: l.legacy === 1,
  };
}

/** What the hint and the legacy flag of a refused handshake go by. */
export function handshakeDevice(ev: Pick<HandshakeRecord, "offered_max" | "offered_suites" | "weak_suites" | "login_name">): { legacy: boolean; device: DeviceKind | null } {
  const input = { clientName: ev.login_name, tlsVersion: null, offeredMax: ev.offered_max, offeredSuites: parseList(ev.offered_suites), weakSuites: parseList(ev.weak_suites), plaintext: false };
  return { legacy: isLegacy(input), device: deviceKind(input) };
}

export function handshakeEntry(ev: HandshakeRecord, address: string): HistoryEntry {
  const { legacy, device } = handshakeDevice(ev);
  return {
    time: new Date(ev.time).toISOString(),
    kind: "refused-handshake",
    protocol: ev.protocol,
    port: ev.port,
    clientIp: ev.client_ip,
    result: ev.outcome,
    reason: handshakeReason(ev.reason),
    tlsVersion: null,
    tlsCipher: null,
    clientName: null,
    mechanism: null,
    offeredMax: ev.offered_max,
    legacy,
    device,
    hint: deviceHint(device),
    attribution: `probably this account's device: ${ev.client_ip} logged in as ${address} before`,
    attempts: 1,
    throttled: null,
    session: ev.session_id,
    legacyEndpoint: ev.legacy === 1,
  };
}

function throttledText(result: string, reason: string | null, attempts: number, clientIp: string): string | null {
  const t = result === "refused" ? parseThrottleReason(reason) : null;
  return t === null ? null : describeThrottle(t, attempts, clientIp);
}

/** (account, address) pairs whose refused handshakes may be the account's; see the two ways to find them below. */
export type Candidates = RawBuilder<{ account_id: number; ip: string }>;

/**
 * Of the accounts `accounts` selects (a condition on `accounts a`), each one's sign-in addresses
 * that saw a refused handshake in [since, until]. Driven from the account's side: a loose scan of
 * logins_account_ip_ok, one seek per distinct address however many sign-ins there are, then one
 * seek per address into tls_events_refused_ip — for one account, whose addresses are few beside
 * the addresses refused (scanners probe with old TLS too).
 */
export function candidatesOfAccount(accounts: RawBuilder<unknown>, since: number, until: number): Candidates {
  return sql<{ account_id: number; ip: string }>`
    with recursive ips(account_id, ip) as (
      select a.id, (select min(l.client_ip) from logins l where l.account_id = a.id and l.result = 'ok') from accounts a where ${accounts}
      union all
      select ips.account_id, (select min(l.client_ip) from logins l where l.account_id = ips.account_id and l.result = 'ok' and l.client_ip > ips.ip)
      from ips where ips.ip is not null
    )
    select account_id, ip from ips
    where ip is not null
      and exists (select 1 from tls_events e where e.client_ip = ips.ip and e.outcome != 'ok' and e.time >= ${since} and e.time <= ${until})`;
}

/**
 * The same pairs since `since`, driven from the refused side: a loose scan of tls_events_refused_ip
 * (one seek per address ever refused), then each such address's sign-ins in the window
 * (logins_ip_time) — for many accounts at once (a domain's), whose addresses together outnumber
 * the refused ones. CROSS JOIN keeps SQLite's join order so.
 */
export function candidatesOfRefusals(accounts: RawBuilder<unknown>, since: number): Candidates {
  return sql<{ account_id: number; ip: string }>`
    with recursive refused(ip) as (
      select (select min(client_ip) from tls_events where outcome != 'ok')
      union all
      select (select min(client_ip) from tls_events where outcome != 'ok' and client_ip > refused.ip) from refused where refused.ip is not null
    )
    select distinct a.id as account_id, r.ip from refused r cross join logins l cross join accounts a
    where r.ip is not null
      and exists (select 1 from tls_events e where e.client_ip = r.ip and e.outcome != 'ok' and e.time >= ${since})
      and l.client_ip = r.ip and l.result = 'ok' and l.time >= ${since - ATTRIBUTION_WINDOW_MS}
      and a.id = l.account_id and ${accounts}`;
}

/** The sign-ins that make a refused handshake from `ip` at `time` the account's: successful ones from its address within the window before it. */
function attributingLogins(account: RawBuilder<unknown>, ip: RawBuilder<unknown>, time: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`from logins l where l.account_id = ${account} and l.result = 'ok' and l.client_ip = ${ip} and l.time <= ${time} and l.time >= ${time} - ${ATTRIBUTION_WINDOW_MS}`;
}

/** A condition on `tls_events e`: it is `account`'s refused handshake (an id, or a column of the outer query). */
export function attributedTo(account: RawBuilder<unknown>): RawBuilder<boolean> {
  const logins = attributingLogins(account, sql.ref("e.client_ip"), sql.ref("e.time"));
  return sql<boolean>`e.outcome != 'ok' and e.protocol in (${sql.join([...HISTORY_PROTOCOLS])}) and exists (select 1 ${logins})`;
}

/**
 * The client name of `account`'s latest sign-in that attributes a refused handshake from `ip` at
 * `time` (default: the handshake `e`): what the device called itself then.
 */
export function attributingName(account: RawBuilder<unknown>, ip = sql.ref("e.client_ip"), time = sql.ref("e.time")): RawBuilder<string | null> {
  return sql<string | null>`(select l.client_name ${attributingLogins(account, ip, time)} order by l.time desc limit 1)`;
}
