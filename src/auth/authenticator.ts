/**
 * Authentication for IMAP, POP3 and submission, and the login history it writes (principle 4).
 *
 * No account enumeration: an unknown account costs the same scrypt work as a wrong password and
 * gets the same reply after the same delay. Failed logins are rate-limited per client address and
 * per typed user name (Dovecot's auth_failure_delay and anvil penalty, Postfix's smtpd anvil):
 * past the limit, attempts are refused without checking the password.
 */
import type { Kysely } from "kysely";
import type { AuditLog } from "../audit/index.ts";
import { dummyVerify, verifyPassword } from "../directory/index.ts";
import type { Database } from "../store/index.ts";
import type { TlsInfo } from "../tls/index.ts";

export interface AuthContext {
  protocol: "imap" | "pop3" | "submission";
  port: number;
  clientIp: string;
  tls: TlsInfo | null;
  /** IMAP ID name (RFC 2971), EHLO name, or null. */
  clientName: string | null;
}

export interface AuthLimits {
  /** Delay before a failure is answered (Dovecot: auth_failure_delay = 2s). */
  failureDelayMs: number;
  /** Failures allowed per client address within the window. */
  maxFailuresPerIp: number;
  /** Failures allowed per user name within the window. */
  maxFailuresPerUser: number;
  windowMs: number;
}

export type AuthOutcome =
  | { ok: true; accountId: number; address: string }
  | { ok: false; refusal: "credentials" | "rate-limited" };

/** Sliding-window failure counts, pruned as they are read; bounded by `maxKeys`. */
class FailureCounter {
  readonly #hits = new Map<string, number[]>();
  readonly #maxKeys: number;
  constructor(maxKeys = 100_000) {
    this.#maxKeys = maxKeys;
  }
  count(key: string, now: number, windowMs: number): number {
    const list = this.#hits.get(key);
    if (list === undefined) return 0;
    const fresh = list.filter((t) => now - t < windowMs);
    if (fresh.length === 0) this.#hits.delete(key);
    else this.#hits.set(key, fresh);
    return fresh.length;
  }
  add(key: string, now: number): void {
    if (!this.#hits.has(key) && this.#hits.size >= this.#maxKeys) {
      const oldest = this.#hits.keys().next();
      if (oldest.done !== true) this.#hits.delete(oldest.value);
    }
    const list = this.#hits.get(key) ?? [];
    list.push(now);
    if (list.length > 1000) list.shift();
    this.#hits.set(key, list);
  }
}

export class Authenticator {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditLog;
  readonly #limits: () => AuthLimits;
  readonly #byIp = new FailureCounter();
  readonly #byUser = new FailureCounter();

  constructor(db: Kysely<Database>, audit: AuditLog, limits: () => AuthLimits) {
    this.#db = db;
    this.#audit = audit;
    this.#limits = limits;
  }

  /** Checks a user name and password; records the attempt in the login history. */
  async login(ctx: AuthContext, username: string, password: string, mechanism: string): Promise<AuthOutcome> {
    const limits = this.#limits();
    const now = Date.now();
    const userKey = username.trim().toLowerCase();
    if (
      this.#byIp.count(ctx.clientIp, now, limits.windowMs) >= limits.maxFailuresPerIp ||
      this.#byUser.count(userKey, now, limits.windowMs) >= limits.maxFailuresPerUser
    ) {
      this.#record(ctx, username, null, mechanism, "refused", "too many failed logins: rate limited");
      await delay(limits.failureDelayMs);
      return { ok: false, refusal: "rate-limited" };
    }
    const account = await this.#db
      .selectFrom("accounts")
      .select(["id", "address", "password_hash", "disabled"])
      .where("address", "=", userKey)
      .executeTakeFirst();
    const valid = account === undefined ? await dummyVerify(password) : await verifyPassword(password, account.password_hash);
    if (account !== undefined && valid && account.disabled === 0) {
      this.#record(ctx, username, account.id, mechanism, "ok", null);
      return { ok: true, accountId: account.id, address: account.address };
    }
    const reason = account === undefined ? "unknown account" : !valid ? "wrong password" : "account disabled";
    this.#byIp.add(ctx.clientIp, now);
    this.#byUser.add(userKey, now);
    this.#record(ctx, username, account?.id ?? null, mechanism, "failed", reason);
    await delay(limits.failureDelayMs);
    return { ok: false, refusal: "credentials" };
  }

  /** Records an attempt refused by policy before any check (e.g. a password sent without TLS). */
  refused(ctx: AuthContext, username: string, mechanism: string, reason: string): void {
    this.#record(ctx, username, null, mechanism, "refused", reason);
  }

  #record(ctx: AuthContext, username: string, accountId: number | null, mechanism: string, result: string, reason: string | null): void {
    this.#audit.login({
      time: Date.now(),
      username: username.slice(0, 255),
      account_id: accountId,
      protocol: ctx.protocol,
      port: ctx.port,
      client_ip: ctx.clientIp,
      tls_version: ctx.tls?.version ?? null,
      tls_cipher: ctx.tls?.cipher ?? null,
      client_name: ctx.clientName?.slice(0, 255) ?? null,
      mechanism,
      result,
      reason,
    });
  }
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
}
