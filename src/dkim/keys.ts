/**
 * A hosted domain's DKIM keys (RFC 6376, RFC 8463), made here with node:crypto: a generation is an
 * Ed25519 key and an RSA-2048 key made together, each under its own selector, since a selector's
 * record holds one key of one type (RFC 6376 §3.6.1) and RFC 8463 §1 has signers sign with both
 * while receivers learn Ed25519.
 *
 * Selectors read `sp<year><generation>-<ed|rsa>`: "sp2026a-ed", "sp2026a-rsa", after a rotation
 * "sp2026b-…". "sp" keeps them apart from selectors a provider publishes for the same domain
 * ("google", "selector1"); the year and letter say which generation and how old, for the operator
 * reading a zone or a DMARC report; the suffix says which key signed (the s= tag is in every
 * Authentication-Results). A selector is never used twice.
 *
 * A generation's keys change state together:
 * - active: they sign. A domain's first keys are active at once — no signature of it verifies yet,
 *   so nothing can break — and their records should be published soon.
 * - pending: made by a rotation; they do not sign until their TXT records are seen through the
 *   configured resolver (`[dns] servers`, checked by `sealpost domain dkim` and by the server) or
 *   the operator activates them. So a rotation never makes mail fail DKIM: a signature is only
 *   made with a key a verifier can find.
 * - retired: the generation an activation replaced. It signs no more and its private key is wiped;
 *   its records stay listed for RETIRED_KEEP_DAYS, for mail signed just before (still in a queue
 *   or verified again later), then they may go.
 * Every change is a line in the domain's trail (`domain_changes`, `sealpost domain log`).
 */
import { generateKeyPair } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.ts";

export class DkimError extends Error {
  override name = "DkimError";
}

export const ALGORITHMS = ["ed25519", "rsa"] as const;
export type DkimAlgorithm = (typeof ALGORITHMS)[number];
type KeyState = "pending" | "active" | "retired";

/** RFC 8301 §3.2 asks for at least 1024 bits and recommends 2048; longer keys outgrow what many DNS hosts take in one TXT record. */
const RSA_BITS = 2048;
/** How long a retired key's record stays listed for publishing. */
export const RETIRED_KEEP_DAYS = 7;
const DAY_MS = 86_400_000;
const SUFFIX: Record<DkimAlgorithm, string> = { ed25519: "ed", rsa: "rsa" };

/** One key as the CLI and the records see it: never its private half. */
export interface DkimKey {
  selector: string;
  algorithm: DkimAlgorithm;
  state: KeyState;
  /** The p= value of its record. */
  publicKey: string;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
}

/** A generation's key material, made before the transaction that stores it (key generation takes tens of milliseconds). */
interface NewKeys {
  readonly keys: ReadonlyArray<{ algorithm: DkimAlgorithm; privateKey: string; publicKey: string }>;
}

/** Both halves as stored: the private key in PKCS #8 PEM, the public one as DER SubjectPublicKeyInfo. */
const ENCODING = { privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "der" } } as const;
/** An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key (RFC 8410 §4). */
const ED25519_KEY_BYTES = 32;

/** One key pair, made off the event loop (libuv's thread pool). */
function keyPair(algorithm: DkimAlgorithm): Promise<{ publicKey: Buffer; privateKey: string }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: Buffer, privateKey: string): void => (err === null ? resolve({ publicKey, privateKey }) : reject(err));
    if (algorithm === "ed25519") generateKeyPair("ed25519", ENCODING, done);
    else generateKeyPair("rsa", { modulusLength: RSA_BITS, ...ENCODING }, done);
  });
}

/** A fresh Ed25519 and RSA-2048 pair. */
export async function newKeys(): Promise<NewKeys> {
  const [ed, rsa] = await Promise.all([keyPair("ed25519"), keyPair("rsa")]);
  return {
    keys: [
      // RFC 8463 §4.2: p= of an Ed25519 key is its 32 bytes in base64, not a SubjectPublicKeyInfo.
      { algorithm: "ed25519", privateKey: ed.privateKey, publicKey: ed.publicKey.subarray(-ED25519_KEY_BYTES).toString("base64") },
      // p= of an RSA key: the DER SubjectPublicKeyInfo in base64, as RFC 6376 Appendix C makes it (openssl rsa -pubout) and opendkim-genkey writes it.
      { algorithm: "rsa", privateKey: rsa.privateKey, publicKey: rsa.publicKey.toString("base64") },
    ],
  };
}

/** The generation label for its index: a … z, aa, ab … (bijective base 26). */
function letters(n: number): string {
  let s = "";
  for (let k = n + 1; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
  return s;
}

/** The first generation of `year` none of whose selectors is taken: "sp2026a", then "sp2026b", … */
export function nextGeneration(taken: readonly string[], year: number): string {
  const used = new Set(taken);
  for (let n = 0; ; n++) {
    const gen = `sp${year}${letters(n)}`;
    if (!ALGORITHMS.some((a) => used.has(selectorOf(gen, a)))) return gen;
  }
}

export const selectorOf = (generation: string, algorithm: DkimAlgorithm): string => `${generation}-${SUFFIX[algorithm]}`;

const generationOf = (selector: string): string => selector.replace(/-(?:ed|rsa)$/, "");

const asAlgorithm = (text: string): DkimAlgorithm => (text === "ed25519" ? "ed25519" : "rsa");
const asState = (text: string): KeyState => (text === "pending" || text === "active" ? text : "retired");

type Db = Kysely<Database> | Transaction<Database>;

/**
 * What the trail says of a change, with the keys' selectors and who did it (an operator's `cli:` or
 * `web:` name, or "sealpost" for the server's watch): keys that sign from now (a domain's first, or
 * a rotation activated by hand), keys made that wait (a rotation), a rotation whose records were
 * seen in DNS and that signs from now, keys retired.
 */
type TrailSetting = "dkim_signing" | "dkim_pending" | "dkim_published" | "dkim_retired";

async function trail(db: Db, domain: string, setting: TrailSetting, selectors: readonly string[], changedBy: string, now: number): Promise<void> {
  await db.insertInto("domain_changes").values({ time: now, domain, setting, value: selectors.join(", "), changed_by: changedBy }).execute();
}

/** Stores a new generation of `domain`'s keys in `state`, and says so in its trail; the generation's name. */
async function storeGeneration(trx: Transaction<Database>, domain: string, keys: NewKeys, state: "active" | "pending", changedBy: string, now: number): Promise<string> {
  const taken = await trx.selectFrom("dkim_keys").select("selector").where("domain", "=", domain).execute();
  const gen = nextGeneration(taken.map((r) => r.selector), new Date(now).getUTCFullYear());
  for (const k of keys.keys) {
    await trx
      .insertInto("dkim_keys")
      .values({ domain, selector: selectorOf(gen, k.algorithm), algorithm: k.algorithm, private_key: k.privateKey, public_key: k.publicKey, state, created_at: now, activated_at: state === "active" ? now : null, retired_at: null })
      .execute();
  }
  await trail(trx, domain, state === "active" ? "dkim_signing" : "dkim_pending", keys.keys.map((k) => selectorOf(gen, k.algorithm)), changedBy, now);
  return gen;
}

/** A new domain's first keys, active at once, inside the transaction that adds the domain (directory's addDomain). */
export async function addFirstKeys(trx: Transaction<Database>, domain: string, keys: NewKeys, changedBy: string, now = Date.now()): Promise<void> {
  await storeGeneration(trx, domain, keys, "active", changedBy, now);
}

/** A domain's keys, the newest generation first (Ed25519, then RSA). */
export async function listKeys(db: Db, domain: string): Promise<DkimKey[]> {
  const rows = await db
    .selectFrom("dkim_keys")
    .select(["selector", "algorithm", "state", "public_key", "created_at", "activated_at", "retired_at"])
    .where("domain", "=", domain)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    selector: r.selector,
    algorithm: asAlgorithm(r.algorithm),
    state: asState(r.state),
    publicKey: r.public_key,
    createdAt: r.created_at,
    activatedAt: r.activated_at,
    retiredAt: r.retired_at,
  }));
}

/**
 * Keys for a hosted domain that has none signing or waiting (one added before Sealpost signed):
 * a first generation, active at once. The generation made, or null when the domain had keys.
 */
export async function ensureKeys(db: Kysely<Database>, domain: string, changedBy: string, now = Date.now()): Promise<string | null> {
  const hasLive = async (q: Db): Promise<boolean> =>
    (await q.selectFrom("dkim_keys").select("id").where("domain", "=", domain).where("state", "in", ["active", "pending"]).limit(1).executeTakeFirst()) !== undefined;
  if (await hasLive(db)) return null; // the usual case: no keys made for nothing
  const keys = await newKeys();
  return db.transaction().execute(async (trx) => ((await hasLive(trx)) ? null : storeGeneration(trx, domain, keys, "active", changedBy, now)));
}

/** A rotation: a new generation, pending until its records are seen or it is activated. Its name. */
export async function rotateKeys(db: Kysely<Database>, domain: string, changedBy: string, now = Date.now()): Promise<string> {
  const keys = await newKeys();
  return db.transaction().execute(async (trx) => {
    const pending = await trx.selectFrom("dkim_keys").select("selector").where("domain", "=", domain).where("state", "=", "pending").limit(1).executeTakeFirst();
    if (pending !== undefined) {
      throw new DkimError(`${domain} has a rotation pending already (${generationOf(pending.selector)}): publish its records, or activate it with --activate`);
    }
    const active = await trx.selectFrom("dkim_keys").select("id").where("domain", "=", domain).where("state", "=", "active").limit(1).executeTakeFirst();
    if (active === undefined) throw new DkimError(`${domain} has no keys to rotate: "sealpost domain dkim ${domain}" makes its first`);
    return storeGeneration(trx, domain, keys, "pending", changedBy, now);
  });
}

/**
 * Makes the pending generation the signing one and retires the one it replaces (wiping its private
 * keys); `seenInDns` when its records were found, not an operator's word. The generation
 * activated; a DkimError when none is pending.
 */
export async function activateKeys(db: Kysely<Database>, domain: string, changedBy: string, opts: { seenInDns?: boolean; now?: number } = {}): Promise<string> {
  const now = opts.now ?? Date.now();
  return db.transaction().execute(async (trx) => {
    const pending = await trx.selectFrom("dkim_keys").select("selector").where("domain", "=", domain).where("state", "=", "pending").orderBy("id").execute();
    const first = pending[0];
    if (first === undefined) throw new DkimError(`${domain} has no pending keys to activate (make a new generation with --rotate)`);
    const retired = await trx.selectFrom("dkim_keys").select("selector").where("domain", "=", domain).where("state", "=", "active").orderBy("id").execute();
    await trx.updateTable("dkim_keys").set({ state: "retired", retired_at: now, private_key: null }).where("domain", "=", domain).where("state", "=", "active").execute();
    await trx.updateTable("dkim_keys").set({ state: "active", activated_at: now }).where("domain", "=", domain).where("state", "=", "pending").execute();
    if (retired.length > 0) await trail(trx, domain, "dkim_retired", retired.map((r) => r.selector), changedBy, now);
    await trail(trx, domain, opts.seenInDns === true ? "dkim_published" : "dkim_signing", pending.map((r) => r.selector), changedBy, now);
    return generationOf(first.selector);
  });
}

/** Whether a retired key's record is still worth publishing at `now`. */
export const stillListed = (k: DkimKey, now: number): boolean => k.state !== "retired" || (k.retiredAt ?? 0) + RETIRED_KEEP_DAYS * DAY_MS > now;

/** Domains with a generation waiting for its records. */
export async function domainsWithPendingKeys(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom("dkim_keys").select("domain").distinct().where("state", "=", "pending").execute();
  return rows.map((r) => r.domain);
}
