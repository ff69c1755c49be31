/**
 * Legacy grants (issue 12): who may still use the legacy endpoint, which speaks TLS 1.0/1.1 until
 * the cut-off — an account, for some of IMAP, POP3 and submission, or a sending host's address,
 * for the MX (the old scanner on port 25) — and until when. A grant past its end is refused like
 * no grant; the cut-off ends them all (`endLegacyGrants`).
 */
import { isIP } from "node:net";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.ts";
import { DirectoryError, normalizeAddress } from "./directory.ts";

/** What an account's grant may cover; a host's grant is always "smtp". */
export const LEGACY_PROTOCOLS = ["imap", "pop3", "submission"] as const;
export type LegacyProtocol = (typeof LEGACY_PROTOCOLS)[number] | "smtp";

export interface LegacyGrant {
  /** The account's address, or null for a host's grant. */
  address: string | null;
  /** The sending host's address, or null for an account's grant. */
  host: string | null;
  protocols: LegacyProtocol[];
  until: number;
  createdAt: number;
}

/** "imap,pop3" → ["imap", "pop3"]; throws a one-line error naming the flag. */
export function parseLegacyProtocols(text: string): LegacyProtocol[] {
  const names = text.split(",").map((p) => p.trim().toLowerCase());
  const bad = names.find((n) => !(LEGACY_PROTOCOLS as readonly string[]).includes(n));
  if (bad !== undefined) throw new DirectoryError(`--protocols: expected some of ${LEGACY_PROTOCOLS.join(", ")}, got "${bad.slice(0, 40)}"`);
  return LEGACY_PROTOCOLS.filter((p) => names.includes(p));
}

/** A grant's subject: an IP address names a sending host, anything else an account. */
function subject(who: string): { host: string } | { address: string } {
  const w = who.trim();
  return isIP(w) !== 0 ? { host: w.toLowerCase() } : { address: normalizeAddress(w).address };
}

/**
 * Grants `who` (an address or a host's IP) the legacy endpoint until `until`, replacing a grant
 * it has. `protocols` is for accounts (default: all three); a host's grant is for the MX.
 */
export async function grantLegacy(db: Kysely<Database>, who: string, opts: { until: number; protocols?: LegacyProtocol[]; now: number; cutoff?: number | null }): Promise<LegacyGrant> {
  if (!(opts.until > opts.now)) throw new DirectoryError(`--until: ${new Date(opts.until).toISOString()} is not in the future`);
  if (opts.cutoff !== undefined && opts.cutoff !== null && opts.until > opts.cutoff) {
    throw new DirectoryError(`--until: the cut-off on ${new Date(opts.cutoff).toISOString()} ends every grant; choose a date on or before it`);
  }
  const s = subject(who);
  if ("host" in s) {
    if (opts.protocols !== undefined) throw new DirectoryError("--protocols: a host's grant is for the MX (smtp) only");
    const row = { account_id: null, client_ip: s.host, protocols: "smtp", until: opts.until, created_at: opts.now };
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom("legacy_grants").where("client_ip", "=", s.host).execute();
      await trx.insertInto("legacy_grants").values(row).execute();
    });
    return { address: null, host: s.host, protocols: ["smtp"], until: opts.until, createdAt: opts.now };
  }
  const account = await db.selectFrom("accounts").select(["id", "domain_id"]).where("address", "=", s.address).executeTakeFirst();
  if (account === undefined) throw new DirectoryError(`no account ${s.address}`);
  if (account.domain_id === null) throw new DirectoryError(`${s.address} is a console-only account: it has no mail to fetch or send`);
  const protocols = opts.protocols ?? [...LEGACY_PROTOCOLS];
  if (protocols.length === 0) throw new DirectoryError("--protocols: name at least one of imap, pop3, submission");
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("legacy_grants").where("account_id", "=", account.id).execute();
    await trx.insertInto("legacy_grants").values({ account_id: account.id, client_ip: null, protocols: protocols.join(","), until: opts.until, created_at: opts.now }).execute();
  });
  return { address: s.address, host: null, protocols, until: opts.until, createdAt: opts.now };
}

/** Removes `who`'s grant; false if it had none. */
export async function revokeLegacy(db: Kysely<Database>, who: string): Promise<boolean> {
  const s = subject(who);
  const q = db.deleteFrom("legacy_grants");
  const r =
    "host" in s
      ? await q.where("client_ip", "=", s.host).executeTakeFirst()
      : await q.where("account_id", "in", db.selectFrom("accounts").select("id").where("address", "=", s.address)).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** Every grant, accounts first (by address), then hosts; ended ones too (`until` says so). */
export async function listLegacyGrants(db: Kysely<Database>): Promise<LegacyGrant[]> {
  const rows = await db
    .selectFrom("legacy_grants as g")
    .leftJoin("accounts as a", "a.id", "g.account_id")
    .select(["a.address", "g.client_ip", "g.protocols", "g.until", "g.created_at"])
    .orderBy("a.address")
    .orderBy("g.client_ip")
    .execute();
  return rows
    .map((r) => ({ address: r.address, host: r.client_ip, protocols: r.protocols.split(",") as LegacyProtocol[], until: r.until, createdAt: r.created_at }))
    .sort((a, b) => Number(a.address === null) - Number(b.address === null));
}

/** The end of `accountId`'s grant for `protocol` if it is still running at `now`, else null. */
export async function accountGrantUntil(db: Kysely<Database>, accountId: number, protocol: LegacyProtocol, now: number): Promise<{ until: number } | { ended: number } | null> {
  const g = await db.selectFrom("legacy_grants").select(["protocols", "until"]).where("account_id", "=", accountId).executeTakeFirst();
  if (g === undefined || !g.protocols.split(",").includes(protocol)) return null;
  return g.until > now ? { until: g.until } : { ended: g.until };
}

/** Whether the sending host `ip` has a grant for the MX running at `now`. */
export async function hostGranted(db: Kysely<Database>, ip: string, now: number): Promise<boolean> {
  const g = await db.selectFrom("legacy_grants").select("until").where("client_ip", "=", ip.toLowerCase()).executeTakeFirst();
  return g !== undefined && g.until > now;
}

/** The cut-off: every grant ends; returns how many there were. */
export async function endLegacyGrants(db: Kysely<Database> | Transaction<Database>): Promise<number> {
  const r = await db.deleteFrom("legacy_grants").executeTakeFirst();
  return Number(r.numDeletedRows);
}
