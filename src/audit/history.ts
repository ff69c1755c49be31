/**
 * `sealpost history ADDRESS`: an account's logins on every protocol, newest first, with the TLS
 * version and cipher of each — and refused TLS handshakes from addresses that logged in as this
 * account within 30 days before, marked as probably this account's device (mail.de's notice:
 * users find their old devices in the login history before the cut-off date). Sign-ins refused
 * by the rate limits are one entry per address and window, saying how many there were and why,
 * so the user sees an attack on the account.
 */
import type { Kysely } from "kysely";
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
}

const DEVICE_WINDOW_MS = 30 * 86_400_000;
const CLIENT_PROTOCOLS = ["imap", "pop3", "submission"];


export async function loginHistory(db: Kysely<Database>, address: string, days: number, now = Date.now()): Promise<{ address: string; since: string; entries: HistoryEntry[] } | undefined> {
  const account = await db.selectFrom("accounts").select(["id", "address"]).where("address", "=", address.toLowerCase()).executeTakeFirst();
  if (account === undefined) return undefined;
  const since = now - days * 86_400_000;
  const logins = await db
    .selectFrom("logins")
    .selectAll()
    .where("time", ">=", since)
    .where((eb) => eb.or([eb("account_id", "=", account.id), eb(eb.fn("lower", ["username"]), "=", account.address)]))
    .orderBy("time", "desc")
    .limit(5000)
    .execute();
  const entries: HistoryEntry[] = logins.map((l) => {
    const device = deviceKind({ clientName: l.client_name, tlsVersion: l.tls_version, offeredMax: null, offeredSuites: [], plaintext: l.tls_version === null });
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
      legacy: isLegacy({ tlsVersion: l.tls_version, offeredMax: null, plaintext: l.tls_version === null }),
      device,
      hint: deviceHint(device),
      attribution: null,
      attempts: l.attempts,
      throttled: throttledText(l.result, l.reason, l.attempts, l.client_ip),
      session: l.session_id,
    };
  });

  // Addresses this account logged in from, and when: a refused handshake from one of them within
  // 30 days after such a login is probably the same device.
  const okLogins = await db
    .selectFrom("logins")
    .select(["client_ip", "time", "client_name"])
    .where("account_id", "=", account.id)
    .where("result", "=", "ok")
    .where("time", ">=", since - DEVICE_WINDOW_MS)
    .execute();
  const ips = [...new Set(okLogins.map((l) => l.client_ip))];
  if (ips.length > 0) {
    const refused = await db
      .selectFrom("tls_events")
      .selectAll()
      .where("time", ">=", since)
      .where("outcome", "!=", "ok")
      .where("protocol", "in", CLIENT_PROTOCOLS)
      .where("client_ip", "in", ips)
      .orderBy("time", "desc")
      .limit(5000)
      .execute();
    for (const ev of refused) {
      const before = okLogins.filter((l) => l.client_ip === ev.client_ip && l.time <= ev.time && ev.time - l.time <= DEVICE_WINDOW_MS);
      if (before.length === 0) continue;
      const suites = parseList(ev.offered_suites);
      const clientName = before.map((l) => l.client_name).find((n) => n !== null) ?? null;
      const hello = { clientName, tlsVersion: null, offeredMax: ev.offered_max, offeredSuites: suites, weakSuites: parseList(ev.weak_suites), plaintext: false };
      const device = deviceKind(hello);
      entries.push({
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
        legacy: isLegacy(hello),
        device,
        hint: deviceHint(device),
        attribution: `probably this account's device: ${ev.client_ip} logged in as ${account.address} before`,
        attempts: 1,
        throttled: null,
        session: ev.session_id,
      });
    }
  }
  entries.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  return { address: account.address, since: new Date(since).toISOString(), entries };
}

function throttledText(result: string, reason: string | null, attempts: number, clientIp: string): string | null {
  const t = result === "refused" ? parseThrottleReason(reason) : null;
  return t === null ? null : describeThrottle(t, attempts, clientIp);
}
