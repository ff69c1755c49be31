/**
 * Domains and accounts. Addresses are stored lower-cased: the domain part is case-insensitive
 * (RFC 5321 §2.4), and like Postfix and Dovecot we treat local parts case-insensitively too.
 */
import type { Kysely } from "kysely";
import { nextPolicyId, type MtaStsMode } from "../mta-sts/index.ts";
import type { Database } from "../store/index.ts";
import { createDefaultMailboxes } from "../store/index.ts";
import { hashPassword } from "./password.ts";

export class DirectoryError extends Error {
  override name = "DirectoryError";
}

/** A hosted domain's published MTA-STS policy (RFC 8461): its mode, the id of its TXT record, when it changed. */
interface MtaStsPublished {
  mode: MtaStsMode;
  id: string;
  changedAt: number;
}

interface Domain {
  name: string;
  mandatoryTls: boolean;
  createdAt: number;
  /** Null: no MTA-STS policy published (always for a relay domain). */
  mtaSts: MtaStsPublished | null;
}

const MTA_STS_MODES: readonly MtaStsMode[] = ["none", "testing", "enforce"];

/** `none`, `testing`, `enforce`, or `off` (null: no policy published). */
export function parseMtaStsMode(text: string): MtaStsMode | null {
  if (text === "off") return null;
  const mode = MTA_STS_MODES.find((m) => m === text);
  if (mode === undefined) throw new DirectoryError(`MTA-STS mode: expected none, testing, enforce or off, got "${text}"`);
  return mode;
}

type DomainRow = Pick<Database["domains"], "name" | "mandatory_tls" | "created_at" | "mta_sts_mode" | "mta_sts_id" | "mta_sts_changed_at">;
const DOMAIN_COLUMNS = ["name", "mandatory_tls", "created_at", "mta_sts_mode", "mta_sts_id", "mta_sts_changed_at"] as const;

function domainOf(row: DomainRow): Domain {
  const mode = MTA_STS_MODES.find((m) => m === row.mta_sts_mode);
  const mtaSts = mode === undefined || row.mta_sts_id === null ? null : { mode, id: row.mta_sts_id, changedAt: row.mta_sts_changed_at ?? row.created_at };
  return { name: row.name, mandatoryTls: row.mandatory_tls === 1, createdAt: row.created_at, mtaSts };
}

/** What an account may administer: nothing but itself, its domain (and any it is given), or the server. */
const ROLES = ["user", "domain-admin", "admin"] as const;
type Role = (typeof ROLES)[number];

interface Account {
  id: number;
  address: string;
  domain: string;
  disabled: boolean;
  role: Role;
  /** False for a console-only account (a relay domain's administrator): no mailboxes, web sign-in only. */
  mailbox: boolean;
  createdAt: number;
  /** Storage quota in bytes (RFC 9208 STORAGE); null: no limit. */
  quotaBytes: number | null;
  /** Bytes its messages take in all its mailboxes. */
  usedBytes: number;
}

export function parseRole(text: string): Role {
  const role = ROLES.find((r) => r === text);
  if (role === undefined) throw new DirectoryError(`role: expected one of ${ROLES.join(", ")}, got "${text}"`);
  return role;
}

const asRole = (text: string): Role => ROLES.find((r) => r === text) ?? "user";

const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function normalizeDomain(input: string): string {
  const d = input.trim().toLowerCase().replace(/\.$/, "");
  if (!DOMAIN_RE.test(d)) throw new DirectoryError(`invalid domain name "${input}"`);
  return d;
}

export function normalizeAddress(input: string): { address: string; local: string; domain: string } {
  const at = input.lastIndexOf("@");
  if (at <= 0 || at === input.length - 1) throw new DirectoryError(`invalid address "${input}": expected local@domain`);
  const local = input.slice(0, at).trim().toLowerCase();
  if (local.length > 64 || !/^[^\s@<>()[\]\\,;:"]+$/u.test(local)) {
    throw new DirectoryError(`invalid local part in "${input}"`);
  }
  const domain = normalizeDomain(input.slice(at + 1));
  return { address: `${local}@${domain}`, local, domain };
}

export async function addDomain(db: Kysely<Database>, name: string, opts: { mandatoryTls?: boolean } = {}): Promise<Domain> {
  const domain = normalizeDomain(name);
  const existing = await db.selectFrom("domains").select("id").where("name", "=", domain).executeTakeFirst();
  if (existing !== undefined) throw new DirectoryError(`domain ${domain} exists already`);
  const createdAt = Date.now();
  await db
    .insertInto("domains")
    .values({ name: domain, mandatory_tls: opts.mandatoryTls === true ? 1 : 0, created_at: createdAt })
    .execute();
  return { name: domain, mandatoryTls: opts.mandatoryTls === true, createdAt, mtaSts: null };
}

/**
 * Changes a domain's policy — a hosted domain's or a relay (gateway) domain's: the MX treats both
 * alike — and records who changed it and when (`domain_changes`, shown by `sealpost domain log`),
 * in one transaction. The MX reads the switch for every RCPT, so it applies at once.
 *
 * `mtaSts` (hosted domains only) sets the published MTA-STS mode, null withdraws the policy; a new
 * mode gets a new id (RFC 8461 §3.1: the id changes whenever the policy does), the same mode keeps
 * its id. The web listener reads the mode for every policy request, so it is served at once.
 */
export async function setDomain(db: Kysely<Database>, name: string, opts: { mandatoryTls?: boolean; mtaSts?: MtaStsMode | null }, changedBy = "cli"): Promise<Domain> {
  const domain = normalizeDomain(name);
  await db.transaction().execute(async (trx) => {
    const hosted = await trx.selectFrom("domains").select(["mandatory_tls", "mta_sts_mode", "mta_sts_id"]).where("name", "=", domain).executeTakeFirst();
    const relay = hosted === undefined ? await trx.selectFrom("relay_domains").select("mandatory_tls").where("domain", "=", domain).executeTakeFirst() : undefined;
    const current = hosted ?? relay;
    if (current === undefined) throw new DirectoryError(`no such domain: ${domain} (neither hosted nor a relay domain)`);
    if (opts.mtaSts !== undefined && hosted === undefined) throw new DirectoryError(`${domain} is a relay domain: MTA-STS is published for hosted domains only`);
    const now = Date.now();
    const record = (setting: string, value: string): Promise<unknown> => trx.insertInto("domain_changes").values({ time: now, domain, setting, value, changed_by: changedBy }).execute();
    if (opts.mandatoryTls !== undefined && opts.mandatoryTls !== (current.mandatory_tls === 1)) {
      const value = opts.mandatoryTls ? 1 : 0;
      if (hosted !== undefined) await trx.updateTable("domains").set({ mandatory_tls: value }).where("name", "=", domain).execute();
      else await trx.updateTable("relay_domains").set({ mandatory_tls: value }).where("domain", "=", domain).execute();
      await record("mandatory_tls", opts.mandatoryTls ? "on" : "off");
    }
    if (hosted !== undefined && opts.mtaSts !== undefined && opts.mtaSts !== hosted.mta_sts_mode) {
      // Withdrawn, the id stays: a policy published again later still gets a newer one.
      const id = opts.mtaSts === null ? hosted.mta_sts_id : nextPolicyId(now, hosted.mta_sts_id);
      await trx.updateTable("domains").set({ mta_sts_mode: opts.mtaSts, mta_sts_id: id, mta_sts_changed_at: now }).where("name", "=", domain).execute();
      await record("mta_sts", opts.mtaSts ?? "off");
    }
  });
  const d = (await getDomain(db, domain)) ?? (await getRelayDomain(db, domain));
  if (d === undefined) throw new DirectoryError(`no such domain: ${domain}`);
  return d;
}

/** A domain's policy changes, newest first: who switched what, when. */
export async function domainChanges(db: Kysely<Database>, name: string): Promise<Array<{ time: number; setting: string; value: string; changedBy: string }>> {
  const rows = await db.selectFrom("domain_changes").selectAll().where("domain", "=", normalizeDomain(name)).orderBy("time", "desc").orderBy("id", "desc").execute();
  return rows.map((r) => ({ time: r.time, setting: r.setting, value: r.value, changedBy: r.changed_by }));
}

async function getRelayDomain(db: Kysely<Database>, name: string): Promise<Domain | undefined> {
  const row = await db.selectFrom("relay_domains").select(["domain", "mandatory_tls", "created_at"]).where("domain", "=", name).executeTakeFirst();
  return row === undefined ? undefined : { name: row.domain, mandatoryTls: row.mandatory_tls === 1, createdAt: row.created_at, mtaSts: null };
}

async function getDomain(db: Kysely<Database>, name: string): Promise<Domain | undefined> {
  const row = await db.selectFrom("domains").select(DOMAIN_COLUMNS).where("name", "=", name.toLowerCase()).executeTakeFirst();
  return row === undefined ? undefined : domainOf(row);
}

/**
 * The MTA-STS policy a hosted domain publishes, or null (not hosted, or none published): one row
 * by the unique index on the name, whatever the number of domains — what the web listener asks for
 * each policy request, so a change made by the CLI in another process is served at once.
 */
export async function publishedMtaSts(db: Kysely<Database>, name: string): Promise<MtaStsPublished | null> {
  return (await getDomain(db, name))?.mtaSts ?? null;
}

/** Whether Sealpost hosts mailboxes for `name` (a relay domain's mail lives elsewhere: not hosted). */
export async function isHostedDomain(db: Kysely<Database>, name: string): Promise<boolean> {
  return (await getDomain(db, name)) !== undefined;
}

export async function listDomains(db: Kysely<Database>): Promise<Domain[]> {
  const rows = await db.selectFrom("domains").select(DOMAIN_COLUMNS).orderBy("name").execute();
  return rows.map(domainOf);
}

/**
 * Creates an account. In a hosted domain it gets the default mailboxes; in a relay (gateway) domain
 * it is console-only: its administrator signs in to the web console and has no mail here (the MX
 * relays the address's mail like any other of the domain's).
 */
export async function addAccount(db: Kysely<Database>, address: string, password: string, role: Role = "user"): Promise<Account> {
  const a = normalizeAddress(address);
  const domain = await db.selectFrom("domains").select("id").where("name", "=", a.domain).executeTakeFirst();
  const relay = domain === undefined ? await db.selectFrom("relay_domains").select("domain").where("domain", "=", a.domain).executeTakeFirst() : undefined;
  if (domain === undefined && relay === undefined) {
    throw new DirectoryError(`domain ${a.domain} is neither hosted nor a relay domain: add it first with "sealpost domain add ${a.domain}" (or "sealpost relay add")`);
  }
  const exists = await db.selectFrom("accounts").select("id").where("address", "=", a.address).executeTakeFirst();
  if (exists !== undefined) throw new DirectoryError(`account ${a.address} exists already`);
  const hash = await hashPassword(password);
  const createdAt = Date.now();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("accounts")
      .values({ address: a.address, domain_id: domain?.id ?? null, password_hash: hash, role, created_at: createdAt })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (domain !== undefined) await createDefaultMailboxes(trx, row.id);
    return { id: row.id, address: a.address, domain: a.domain, disabled: false, role, mailbox: domain !== undefined, createdAt, quotaBytes: null, usedBytes: 0 };
  });
}

export async function setPassword(db: Kysely<Database>, address: string, password: string): Promise<void> {
  const a = normalizeAddress(address);
  const hash = await hashPassword(password);
  const res = await db.updateTable("accounts").set({ password_hash: hash }).where("address", "=", a.address).executeTakeFirst();
  if (res.numUpdatedRows === 0n) throw new DirectoryError(`no such account: ${a.address}`);
}

/**
 * Changes an account's role or whether it may sign in. A disabled account is refused on every
 * protocol (as a wrong password is: the Authenticator) and receives no mail (550 5.1.1). The last
 * enabled administrator cannot be disabled or demoted: the server would have no one to run it from
 * the web console (checked in the transaction that changes it, so two such changes cannot race).
 */
export async function setAccount(db: Kysely<Database>, address: string, opts: { role?: Role; disabled?: boolean; quotaBytes?: number | null }): Promise<Account> {
  const a = normalizeAddress(address);
  const set = {
    ...(opts.role !== undefined ? { role: opts.role } : {}),
    ...(opts.disabled !== undefined ? { disabled: opts.disabled ? 1 : 0 } : {}),
    // null lifts the limit; a lower limit than the usage is allowed (new mail waits until mail is deleted).
    ...(opts.quotaBytes !== undefined ? { quota_bytes: opts.quotaBytes } : {}),
  };
  if (Object.keys(set).length > 0) {
    await db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom("accounts").select(["role", "disabled"]).where("address", "=", a.address).executeTakeFirst();
      await trx.updateTable("accounts").set(set).where("address", "=", a.address).execute();
      if (before?.role !== "admin" || before.disabled === 1) return;
      const left = await trx.selectFrom("accounts").select((eb) => eb.fn.countAll<number>().as("n")).where("role", "=", "admin").where("disabled", "=", 0).executeTakeFirstOrThrow();
      // Throwing rolls the change back.
      if (Number(left.n) === 0) throw new DirectoryError(`${a.address} is the last enabled admin: make another account admin first`);
    });
  }
  const [account] = await listAccounts(db, { address: a.address });
  if (account === undefined) throw new DirectoryError(`no such account: ${a.address}`);
  return account;
}

/** Accounts by address: all, one domain's, or the one with `address`; the first `limit` of them (a page's table). */
export async function listAccounts(db: Kysely<Database>, only: { domain?: string; address?: string; limit?: number } = {}): Promise<Account[]> {
  let q = db
    .selectFrom("accounts")
    .select((eb) => [
      "id", "address", "domain_id", "disabled", "role", "created_at", "quota_bytes",
      // The mailboxes' counters (store/quota.ts), not a scan of the messages.
      eb.selectFrom("mailboxes").select((m) => m.fn.coalesce(m.fn.sum<number>("used_bytes"), m.lit(0)).as("u")).whereRef("mailboxes.account_id", "=", "accounts.id").as("used"),
    ])
    .orderBy("address");
  // Addresses are stored normalized, and a domain name has no LIKE wildcard (DOMAIN_RE): the suffix is the domain.
  if (only.domain !== undefined) q = q.where("address", "like", `%@${normalizeDomain(only.domain)}`);
  if (only.address !== undefined) q = q.where("address", "=", only.address);
  if (only.limit !== undefined) q = q.limit(only.limit);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    address: r.address,
    domain: r.address.slice(r.address.lastIndexOf("@") + 1),
    disabled: r.disabled === 1,
    role: asRole(r.role),
    mailbox: r.domain_id !== null,
    createdAt: r.created_at,
    quotaBytes: r.quota_bytes,
    usedBytes: Number(r.used ?? 0),
  }));
}

/** How many accounts there are (the administration page's "showing N of M"). */
export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom("accounts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * What the MX needs to know about a recipient address: a hosted account (or none by that name), a
 * relay domain's recipient (gateway mode: mail for the domain's next hop — any local part, or only
 * those the operator listed with `sealpost relay set --local-parts`), or a domain that is neither.
 */
type RecipientLookup =
  | { kind: "account"; accountId: number; address: string; domain: Domain }
  | { kind: "unknown-user"; domain: Domain }
  | { kind: "relay"; domain: string; mandatoryTls: boolean }
  | { kind: "unknown-relay-user"; domain: string; mandatoryTls: boolean }
  | { kind: "not-hosted" };

export async function lookupRecipient(db: Kysely<Database>, address: string): Promise<RecipientLookup> {
  const at = address.lastIndexOf("@");
  const domainName = address.slice(at + 1).toLowerCase();
  const local = address.slice(0, at).toLowerCase();
  const domain = await getDomain(db, domainName);
  if (domain === undefined) return relayRecipient(db, domainName, local);
  const normalized = `${local}@${domainName}`;
  const row = await db
    .selectFrom("accounts")
    .select(["id", "disabled"])
    .where("address", "=", normalized)
    .executeTakeFirst();
  if (row === undefined || row.disabled === 1) return { kind: "unknown-user", domain };
  return { kind: "account", accountId: row.id, address: normalized, domain };
}

/** A relay domain's recipient (the table is the store's; `sealpost relay` in outbound manages it). */
async function relayRecipient(db: Kysely<Database>, domain: string, local: string): Promise<RecipientLookup> {
  const row = await db.selectFrom("relay_domains").select(["local_parts", "mandatory_tls"]).where("domain", "=", domain).executeTakeFirst();
  if (row === undefined) return { kind: "not-hosted" };
  const mandatoryTls = row.mandatory_tls === 1;
  const listed = row.local_parts === null ? null : (JSON.parse(row.local_parts) as string[]);
  if (listed !== null && !listed.some((p) => p.toLowerCase() === local)) return { kind: "unknown-relay-user", domain, mandatoryTls };
  return { kind: "relay", domain, mandatoryTls };
}
