/**
 * An account's login history for the web console and the CLI: a page of it, newest first,
 * filtered by protocol and keyset-paged; the devices that used TLS 1.0/1.1 or no TLS ("3 devices
 * used TLS 1.0/1.1 in the last 30 days" or "All your devices use TLS 1.2+"); and the whole of it for
 * `sealpost history`. Which rows are the account's is history.ts's rule. A page reads about as many
 * rows as it shows, however long the account's history: each source (sign-ins by account, sign-ins
 * by the name typed, the refused handshakes of each address the account signed in from) is read
 * through its index up to one row more than the page, and the sources are merged here.
 */
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../store/index.ts";
import { LEGACY_VERSIONS, type DeviceKind } from "./device-hint.ts";
import {
  attributedTo,
  attributingName,
  candidatesOfAccount,
  candidatesOfRefusals,
  type Candidates,
  handshakeDevice,
  handshakeEntry,
  loginDevice,
  loginEntry,
  type HandshakeRecord,
  type HistoryEntry,
  type HistoryProtocol,
  type LoginRecord,
} from "./history.ts";

const DAY_MS = 86_400_000;

interface HistoryPage {
  address: string;
  since: string;
  entries: HistoryEntry[];
  /** The cursor of the next (older) page, for `before`; null on the last page. */
  next: string | null;
}

interface HistoryPageOptions {
  days: number;
  protocol?: HistoryProtocol;
  /** A previous page's `next`; anything else is taken as no cursor (the first page). */
  before?: string;
  pageSize: number;
  now?: number;
}

/** An entry's place in the history: newest first, at one millisecond sign-ins before handshakes, then by row id. */
interface Key {
  time: number;
  rank: number;
  id: number;
}
const LOGIN = 1;
const HANDSHAKE = 0;

const CURSOR = /^(\d{1,15})\.([lh])(\d{1,15})$/;

function parseCursor(s: string | undefined): Key | null {
  const m = s === undefined ? null : CURSOR.exec(s);
  if (m === null) return null;
  const [, time = "", rank, id = ""] = m;
  return { time: Number(time), rank: rank === "l" ? LOGIN : HANDSHAKE, id: Number(id) };
}

const formatCursor = (k: Key): string => `${k.time}.${k.rank === LOGIN ? "l" : "h"}${k.id}`;

const descending = (a: Key, b: Key): number => b.time - a.time || b.rank - a.rank || b.id - a.id;

/** A condition on the rows of source `rank` (table alias `alias`): older than the cursor in the order above. */
function olderThan(c: Key, rank: number, alias: string): RawBuilder<boolean> {
  const time = sql.ref(`${alias}.time`);
  if (c.rank > rank) return sql<boolean>`${time} <= ${c.time}`;
  if (c.rank < rank) return sql<boolean>`${time} < ${c.time}`;
  return sql<boolean>`${time} <= ${c.time} and (${time} < ${c.time} or ${sql.ref(`${alias}.id`)} < ${c.id})`;
}

interface Account {
  id: number;
  address: string;
}

interface Query {
  /** The oldest time to read. */
  since: number;
  protocol: HistoryProtocol | undefined;
  cursor: Key | null;
  limit: number;
}

/** The account's sign-ins (`byName`: those refused before the lookup that named it), newest first. */
function logins(db: Kysely<Database>, a: Account, q: Query, byName: boolean): Promise<LoginRecord[]> {
  let query = db.selectFrom("logins").selectAll().where("time", ">=", q.since);
  if (q.cursor !== null) query = query.where(olderThan(q.cursor, LOGIN, "logins"));
  query = byName ? query.where("account_id", "is", null).where(sql<string>`lower(username)`, "=", a.address) : query.where("account_id", "=", a.id);
  if (q.protocol !== undefined) query = query.where("protocol", "=", q.protocol);
  return query.orderBy("time", "desc").orderBy("id", "desc").limit(q.limit).execute();
}

/** The account's refused handshakes from one address, newest first. */
async function handshakes(db: Kysely<Database>, a: Account, ip: string, q: Query): Promise<HandshakeRecord[]> {
  const account = sql.val(a.id);
  const protocol = q.protocol === undefined ? sql`` : sql`and e.protocol = ${q.protocol}`;
  const older = q.cursor === null ? sql`` : sql`and ${olderThan(q.cursor, HANDSHAKE, "e")}`;
  const { rows } = await sql<HandshakeRecord>`
    select e.*, ${attributingName(account)} as login_name from tls_events e
    where e.client_ip = ${ip} and e.time >= ${q.since} ${older} ${protocol} and ${attributedTo(account)}
    order by e.time desc, e.id desc limit ${q.limit}`.execute(db);
  return rows;
}

async function findAccount(db: Kysely<Database>, address: string): Promise<Account | undefined> {
  return db.selectFrom("accounts").select(["id", "address"]).where("address", "=", address.toLowerCase()).executeTakeFirst();
}

function checkOptions(days: number, pageSize?: number): void {
  if (!Number.isFinite(days) || days <= 0) throw new RangeError(`days must be positive, not ${days}`);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) throw new RangeError(`pageSize must be a positive integer, not ${pageSize}`);
}

/** One page of the account's history, or undefined when there is no such account. */
export async function historyPage(db: Kysely<Database>, address: string, opts: HistoryPageOptions): Promise<HistoryPage | undefined> {
  checkOptions(opts.days, opts.pageSize);
  const a = await findAccount(db, address);
  if (a === undefined) return undefined;
  const since = (opts.now ?? Date.now()) - opts.days * DAY_MS;
  const q: Query = { since, protocol: opts.protocol, cursor: parseCursor(opts.before), limit: opts.pageSize + 1 };
  const items: Array<{ key: Key; entry: HistoryEntry }> = [];
  for (const byName of [false, true]) {
    for (const l of await logins(db, a, q, byName)) items.push({ key: { time: l.time, rank: LOGIN, id: l.id }, entry: loginEntry(l) });
  }
  items.sort((x, y) => descending(x.key, y.key));
  // A handshake older than the (pageSize+1)-th sign-in is neither on this page nor its cursor.
  const floor = items[opts.pageSize]?.key.time ?? since;
  const hq: Query = { ...q, since: floor };
  const { rows: ips } = await candidatesOfAccount(sql`a.id = ${a.id}`, floor, q.cursor?.time ?? Number.MAX_SAFE_INTEGER).execute(db);
  for (const { ip } of ips) {
    for (const ev of await handshakes(db, a, ip, hq)) items.push({ key: { time: ev.time, rank: HANDSHAKE, id: ev.id }, entry: handshakeEntry(ev, a.address) });
  }
  items.sort((x, y) => descending(x.key, y.key));
  const page = items.slice(0, opts.pageSize);
  const last = page.at(-1);
  return {
    address: a.address,
    since: new Date(since).toISOString(),
    entries: page.map((i) => i.entry),
    next: items.length > opts.pageSize && last !== undefined ? formatCursor(last.key) : null,
  };
}

/** How many entries `sealpost history` shows at most: the newest of the window. */
const CLI_ENTRIES = 5000;

/** The CLI's `sealpost history`: the first page, of CLI_ENTRIES. */
export async function loginHistory(db: Kysely<Database>, address: string, days: number, now = Date.now()): Promise<{ address: string; since: string; entries: HistoryEntry[] } | undefined> {
  const page = await historyPage(db, address, { days, now, pageSize: CLI_ENTRIES });
  return page === undefined ? undefined : { address: page.address, since: page.since, entries: page.entries };
}

/** A device that used TLS 1.0/1.1, no TLS, or was refused a handshake on an address the account used. */
export interface LegacyDevice {
  device: DeviceKind;
  clientIp: string;
  /** The name the client gave (IMAP ID, EHLO); for handshakes, the one it gave when it last signed in from the address. */
  clientName: string | null;
  protocol: string;
  /** The version it signed in with (null: no TLS), or for refused handshakes the highest it offered. */
  tlsVersion: string | null;
  lastSeen: string;
  /** Sign-in attempts and refused handshakes together. */
  count: number;
}

interface DeviceRow {
  account_id: number;
  client_ip: string;
  client_name: string | null;
  protocol: string;
  tls_version: string | null;
  n: number;
  last: number;
}

/** Refused handshakes of one address alike in what the client offered: how many, the latest, and the name the device gave then. */
type HandshakeGroup = Pick<HandshakeRecord, "client_ip" | "protocol" | "offered_max" | "offered_suites" | "weak_suites" | "login_name"> & { n: number; last: number };

type Seen = Omit<LegacyDevice, "lastSeen"> & { last: number };

/** One account's devices, merged by client address, client name and protocol: counts add up, the latest sighting names the kind and version. */
class Devices {
  readonly #byKey = new Map<string, Seen>();
  add(d: Seen): void {
    const key = JSON.stringify([d.clientIp, d.clientName, d.protocol]);
    const seen = this.#byKey.get(key);
    if (seen === undefined) this.#byKey.set(key, { ...d });
    else this.#byKey.set(key, { ...(d.last > seen.last ? d : seen), count: seen.count + d.count });
  }
  list(): LegacyDevice[] {
    return [...this.#byKey.values()].sort((x, y) => y.last - x.last).map(({ last, ...d }) => ({ ...d, lastSeen: new Date(last).toISOString() }));
  }
}

/**
 * Legacy devices of the accounts `accounts` selects (a condition on `accounts a`) since `since`,
 * per account id (accounts without any are left out). The history's rule (an entry whose `legacy`
 * is set), grouped by client address, client name and protocol; read through
 * logins_account_tls_time, logins_unresolved_name and the attribution's indexes, never through an
 * account's other sign-ins. CROSS JOIN keeps SQLite from reading every sign-in without an account
 * first (it guesses "account_id is null" as selective as "= ?"); lower(a.address) carries no
 * column affinity, so the expression index serves the join.
 */
export async function legacyDevicesOf(db: Kysely<Database>, accounts: RawBuilder<boolean>, candidates: Candidates, since: number): Promise<Map<number, LegacyDevice[]>> {
  const legacy = sql.join([...LEGACY_VERSIONS]);
  const cols = sql`a.id as account_id, l.client_ip, l.client_name, l.protocol, l.tls_version, l.attempts, l.time`;
  const { rows: signIns } = await sql<DeviceRow>`
    select account_id, client_ip, client_name, protocol, tls_version, sum(attempts) as n, max(time) as last from (
      select ${cols} from accounts a cross join logins l where ${accounts} and l.account_id = a.id and l.tls_version in (${legacy}) and l.time >= ${since}
      union all
      select ${cols} from accounts a cross join logins l where ${accounts} and l.account_id = a.id and l.tls_version is null and l.time >= ${since}
      union all
      select ${cols} from accounts a cross join logins l
      where ${accounts} and lower(l.username) = lower(a.address) and l.account_id is null and (l.tls_version is null or l.tls_version in (${legacy})) and l.time >= ${since}
    ) x
    group by account_id, client_ip, client_name, protocol, tls_version`.execute(db);

  const byAccount = new Map<number, Devices>();
  const devicesOf = (id: number): Devices => {
    let d = byAccount.get(id);
    if (d === undefined) byAccount.set(id, (d = new Devices()));
    return d;
  };
  for (const r of signIns) {
    const { device } = loginDevice(r);
    if (device !== null) devicesOf(r.account_id).add({ device, clientIp: r.client_ip, clientName: r.client_name, protocol: r.protocol, tlsVersion: r.tls_version, count: Number(r.n), last: Number(r.last) });
  }
  // Every candidate pair's refused handshakes in one query (no loop of queries per account): grouped by
  // what the client offered, named after the account's sign-in before the group's latest handshake.
  const { rows } = await sql<HandshakeGroup & { account_id: number }>`
    select g.*, ${attributingName(sql.ref("g.account_id"), sql.ref("g.client_ip"), sql.ref("g.last"))} as login_name from (
      select c.account_id, e.client_ip, e.protocol, e.offered_max, e.offered_suites, e.weak_suites, count(*) as n, max(e.time) as last
      from (${candidates}) c cross join tls_events e
      where e.client_ip = c.ip and e.time >= ${since} and ${attributedTo(sql.ref("c.account_id"))}
      group by c.account_id, e.client_ip, e.protocol, e.offered_max, e.offered_suites, e.weak_suites
    ) g`.execute(db);
  for (const r of rows) {
    const { device } = handshakeDevice(r);
    if (device !== null) devicesOf(r.account_id).add({ device, clientIp: r.client_ip, clientName: r.login_name, protocol: r.protocol, tlsVersion: r.offered_max, count: Number(r.n), last: Number(r.last) });
  }
  return new Map([...byAccount].map(([id, d]) => [id, d.list()]));
}

/** The account's legacy devices in the window, most recently seen first ([] for no such account). */
export async function legacyDevices(db: Kysely<Database>, address: string, opts: { days: number; now?: number }): Promise<LegacyDevice[]> {
  checkOptions(opts.days);
  const a = await findAccount(db, address);
  if (a === undefined) return [];
  const since = (opts.now ?? Date.now()) - opts.days * DAY_MS;
  const account = sql<boolean>`a.id = ${a.id}`;
  return (await legacyDevicesOf(db, account, candidatesOfAccount(account, since, Number.MAX_SAFE_INTEGER), since)).get(a.id) ?? [];
}

/**
 * Every account with a mailbox whose legacy devices were seen since `since`: account id → its
 * devices, most recently seen first (console-only accounts have no mail program to warn). The
 * domain page's reading (candidates driven from the refused side), for all domains at once: one
 * query for the sign-ins and one for the handshakes, however many accounts there are.
 */
export async function mailboxLegacyDevices(db: Kysely<Database>, since: number): Promise<Map<number, LegacyDevice[]>> {
  const accounts = sql<boolean>`a.domain_id is not null`;
  return legacyDevicesOf(db, accounts, candidatesOfRefusals(accounts, since), since);
}
