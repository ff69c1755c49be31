/**
 * Who administers a domain (hosted or relay): the domain-admins whose own address is in it, the
 * accounts it was given to (`sealpost domain admin add`), and the server's admins. A relay domain's
 * administrator has no mailbox on it, so a grant is the only way to one.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/index.ts";
import { DirectoryError, normalizeAddress, normalizeDomain } from "./directory.ts";

interface DomainAdmin {
  address: string;
  role: string;
  /** "own domain" (a domain-admin's address is in it), "granted" (given to it) or "admin" (the server's). */
  source: "own domain" | "granted" | "admin";
}

async function knownDomain(db: Kysely<Database>, name: string): Promise<string> {
  const domain = normalizeDomain(name);
  const hosted = await db.selectFrom("domains").select("name").where("name", "=", domain).executeTakeFirst();
  const relay = hosted === undefined ? await db.selectFrom("relay_domains").select("domain").where("domain", "=", domain).executeTakeFirst() : undefined;
  if (hosted === undefined && relay === undefined) throw new DirectoryError(`no such domain: ${domain} (neither hosted nor a relay domain)`);
  return domain;
}

async function accountId(db: Kysely<Database>, address: string): Promise<number> {
  const a = normalizeAddress(address);
  const row = await db.selectFrom("accounts").select("id").where("address", "=", a.address).executeTakeFirst();
  if (row === undefined) throw new DirectoryError(`no such account: ${a.address}`);
  return row.id;
}

/** Gives `domain` to the account; granting twice is no error. */
export async function grantDomainAdmin(db: Kysely<Database>, domain: string, address: string, now = Date.now()): Promise<void> {
  const name = await knownDomain(db, domain);
  const id = await accountId(db, address);
  await db.insertInto("domain_admins").values({ domain: name, account_id: id, granted_at: now }).onConflict((oc) => oc.doNothing()).execute();
}

/** Takes a grant back; false when there was none (a domain-admin's own domain is not a grant). */
export async function revokeDomainAdmin(db: Kysely<Database>, domain: string, address: string): Promise<boolean> {
  const id = await accountId(db, address);
  const res = await db.deleteFrom("domain_admins").where("domain", "=", normalizeDomain(domain)).where("account_id", "=", id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Everyone who administers `domain`, by address. */
export async function domainAdmins(db: Kysely<Database>, domain: string): Promise<DomainAdmin[]> {
  const name = await knownDomain(db, domain);
  const [own, granted, admins] = await Promise.all([
    // A domain-admin's own domain: hosted (its mailbox is there) or relay (a console-only account).
    db.selectFrom("accounts").select(["address", "role"]).where("address", "like", `%@${name}`).where("role", "=", "domain-admin").where("disabled", "=", 0).execute(),
    db
      .selectFrom("domain_admins")
      .innerJoin("accounts", "accounts.id", "domain_admins.account_id")
      .select(["accounts.address", "accounts.role"])
      .where("domain_admins.domain", "=", name)
      .where("accounts.disabled", "=", 0)
      .execute(),
    db.selectFrom("accounts").select(["address", "role"]).where("role", "=", "admin").where("disabled", "=", 0).execute(),
  ]);
  const out = new Map<string, DomainAdmin>();
  for (const [rows, source] of [[admins, "admin"], [own, "own domain"], [granted, "granted"]] as const) {
    for (const r of rows) out.set(r.address, { address: r.address, role: r.role, source });
  }
  return [...out.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** A domain as its administrators see it: hosted (mailboxes here) or relay (forwarded to its next hop). */
interface ManagedDomain {
  name: string;
  kind: "hosted" | "relay";
  mandatoryTls: boolean;
}

/** Who is asking: the signed-in account (the web console's session). */
interface Principal {
  accountId: number;
  address: string;
  role: string;
}

async function allDomains(db: Kysely<Database>): Promise<ManagedDomain[]> {
  const [hosted, relay] = await Promise.all([
    db.selectFrom("domains").select(["name", "mandatory_tls"]).execute(),
    db.selectFrom("relay_domains").select(["domain", "mandatory_tls"]).execute(),
  ]);
  return [
    ...hosted.map((d) => ({ name: d.name, kind: "hosted" as const, mandatoryTls: d.mandatory_tls === 1 })),
    ...relay.map((d) => ({ name: d.domain, kind: "relay" as const, mandatoryTls: d.mandatory_tls === 1 })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The domains `who` administers, by the same rule as `domainAdmins`: every domain for an admin; a
 * domain-admin's own domain; and any domain given to the account.
 */
export async function administeredDomains(db: Kysely<Database>, who: Principal): Promise<ManagedDomain[]> {
  const all = await allDomains(db);
  if (who.role === "admin") return all;
  const granted = await db.selectFrom("domain_admins").select("domain").where("account_id", "=", who.accountId).execute();
  const mine = new Set(granted.map((g) => g.domain));
  if (who.role === "domain-admin") mine.add(normalizeAddress(who.address).domain);
  return all.filter((d) => mine.has(d.name));
}

/** One domain if `who` administers it; undefined if it does not exist or `who` may not see it (the same answer: no probing). */
export async function administeredDomain(db: Kysely<Database>, who: Principal, name: string): Promise<ManagedDomain | undefined> {
  let domain: string;
  try {
    domain = normalizeDomain(name);
  } catch {
    return undefined;
  }
  return (await administeredDomains(db, who)).find((d) => d.name === domain);
}

/** Whether `who` administers any domain (the console shows its "Domains" page then). */
export async function administersAny(db: Kysely<Database>, who: Principal): Promise<boolean> {
  if (who.role !== "user") return true;
  const grant = await db.selectFrom("domain_admins").select("domain").where("account_id", "=", who.accountId).limit(1).executeTakeFirst();
  return grant !== undefined;
}
