/**
 * The web console's sign-in sessions (OWASP Session Management): a random 256-bit id in the cookie,
 * only its SHA-256 in the database, an idle and an absolute expiry, and a new id at every sign-in.
 * A session ends at sign-out, at a password change (every other one of the account), and at once
 * when the account is disabled: every lookup reads the account with it.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../store/index.ts";

interface WebSessionLimits {
  /** An idle session ends after this long without a request. */
  idleMs: number;
  /** A session ends this long after its sign-in, however active. */
  maxMs: number;
}

/** The account behind a valid session. */
export interface SignedIn {
  accountId: number;
  address: string;
  role: string;
  /** False for a console-only account (a relay domain's administrator): no mail here. */
  mailbox: boolean;
  createdAt: number;
}

/** `last_seen` is written at most this often: a page view is not a database write. */
const TOUCH_EVERY_MS = 60_000;
/** A cookie value we could have issued: 43 base64url characters (32 bytes). */
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const hashId = (id: string): string => createHash("sha256").update(id).digest("hex");

export class WebSessions {
  readonly #db: Kysely<Database>;
  readonly #limits: () => WebSessionLimits;

  constructor(db: Kysely<Database>, limits: () => WebSessionLimits) {
    this.#db = db;
    this.#limits = limits;
  }

  /** Starts a session for a signed-in account; returns the id for the cookie (never stored). */
  async create(accountId: number, client: { ip: string; name: string | null }, now = Date.now()): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    // The account's expired sessions go with each new one: the table stays as small as its live sessions.
    const { idleMs, maxMs } = this.#limits();
    await this.#db
      .deleteFrom("web_sessions")
      .where("account_id", "=", accountId)
      .where((eb) => eb.or([eb("last_seen", "<", now - idleMs), eb("created_at", "<", now - maxMs)]))
      .execute();
    await this.#db
      .insertInto("web_sessions")
      .values({ id_hash: hashId(id), account_id: accountId, created_at: now, last_seen: now, client_ip: client.ip, client_name: client.name?.slice(0, 255) ?? null })
      .execute();
    return id;
  }

  /** The account behind a cookie's id, or undefined when the id is unknown, expired or its account disabled. */
  async lookup(id: string, now = Date.now()): Promise<SignedIn | undefined> {
    if (!ID_SHAPE.test(id)) return undefined;
    const idHash = hashId(id);
    const row = await this.#db
      .selectFrom("web_sessions")
      .innerJoin("accounts", "accounts.id", "web_sessions.account_id")
      .select(["web_sessions.account_id", "web_sessions.created_at", "web_sessions.last_seen", "accounts.address", "accounts.role", "accounts.disabled", "accounts.domain_id"])
      .where("web_sessions.id_hash", "=", idHash)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const { idleMs, maxMs } = this.#limits();
    if (row.disabled !== 0 || now - row.last_seen > idleMs || now - row.created_at > maxMs) {
      await this.#db.deleteFrom("web_sessions").where("id_hash", "=", idHash).execute();
      return undefined;
    }
    if (now - row.last_seen >= TOUCH_EVERY_MS) {
      await this.#db.updateTable("web_sessions").set({ last_seen: now }).where("id_hash", "=", idHash).execute();
    }
    return { accountId: row.account_id, address: row.address, role: row.role, mailbox: row.domain_id !== null, createdAt: row.created_at };
  }

  /** Sign-out. */
  async end(id: string): Promise<void> {
    if (!ID_SHAPE.test(id)) return;
    await this.#db.deleteFrom("web_sessions").where("id_hash", "=", hashId(id)).execute();
  }

  /** Ends every session of the account but `keep` (a password change); returns how many ended. */
  async endOthers(accountId: number, keep: string): Promise<number> {
    const res = await this.#db.deleteFrom("web_sessions").where("account_id", "=", accountId).where("id_hash", "!=", hashId(keep)).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
