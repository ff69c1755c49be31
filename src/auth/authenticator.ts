/**
 * Authentication for IMAP, POP3 and submission, and the login history it writes (principle 4).
 *
 * No account enumeration: an unknown account costs the same scrypt work as a wrong password, is
 * counted by the same limits (they key on the typed name) and gets the same reply after the same
 * delay. The limits (limiter.ts) take a slot before the password is checked, per address, per
 * network and per user name from one address; past a limit, attempts are refused without a
 * check, and the refusals of one user name from one address in one window share one row of the
 * login history that counts them.
 */
import type { Kysely } from "kysely";
import type { AuditLog, LoginRow } from "../audit/index.ts";
import { accountGrantUntil, dummyVerify, verifyPassword, type LegacyProtocol } from "../directory/index.ts";
import type { Logger } from "../log/index.ts";
import type { Database } from "../store/index.ts";
import type { TlsInfo } from "../tls/index.ts";
import { LocalSignInGate, type SignInGate } from "./gate.ts";
import { CredentialCache, type CredentialCacheSettings } from "./credential-cache.ts";
import { LoginLimiter, type LimiterSettings } from "./limiter.ts";

export interface AuthContext {
  protocol: "imap" | "pop3" | "submission" | "web";
  port: number;
  clientIp: string;
  tls: TlsInfo | null;
  /** IMAP ID name (RFC 2971), EHLO name, or null. */
  clientName: string | null;
  /** The connection's id (src/log): the login row carries it, so a complaint leads to its log lines. */
  session?: string;
  /** The connection's logger: sign-ins are logged on it (never the password), and it is bound to the account on success. */
  log?: Logger;
  /** Came through a legacy endpoint (issue 12; `Connection.legacy`): the account needs a running legacy grant, and the row is flagged. */
  legacy?: boolean;
}

/** What a legacy endpoint's sign-ins are checked against: the server's clock and the cut-off. */
export interface LegacyGate {
  /** The server's calendar time (src/clock), never Date.now(): tests and rehearsals move it. */
  now: () => number;
  /** The cut-off's date once it has passed (no legacy sign-in from then on), else null. */
  cutoffPassed: () => number | null;
}

export interface AuthLimits extends LimiterSettings {
  /** Delay before a failure or a refusal is answered (Dovecot: auth_failure_delay = 2s). */
  failureDelayMs: number;
  /** The cache of recently verified credentials (credential-cache.ts); absent: off. */
  credentialCache?: CredentialCacheSettings;
}

type AuthOutcome =
  | { ok: true; accountId: number; address: string }
  /**
   * "gone": the session ended (its signal aborted) before a password check; nothing was recorded.
   * "legacy": the password was right, but on a legacy endpoint the account has no running grant
   * (or the cut-off has passed); only a right password learns this.
   */
  | { ok: false; refusal: "credentials" | "rate-limited" | "gone" | "legacy" };

/**
 * What a client is told when a right password meets a legacy endpoint without a running grant
 * (`refusal: "legacy"`): each protocol puts it in its authentication failure, naming its standard
 * TLS port — words a device owner can act on.
 */
export function legacyRefusalText(standardPort: number): string {
  return `This is the legacy endpoint for old devices: only accounts with a running legacy grant may sign in here, and none after the cut-off. Use port ${standardPort} with TLS 1.2 or newer`;
}

/** How an attempt ended, for the metrics: refused by policy before a check (e.g. without TLS), or past a rate limit. */
type LoginResult = "ok" | "failed" | "throttled" | "refused";

/** Told of every recorded attempt (the metrics count them); never of the name or the password. */
interface LoginObserver {
  login(protocol: AuthContext["protocol"], result: LoginResult): void;
}

/** The password checks: scrypt against the stored hash, and the same work for an unknown account. */
export interface PasswordCheck {
  verify(password: string, hash: string): Promise<boolean>;
  dummy(password: string): Promise<false>;
}

const SCRYPT: PasswordCheck = { verify: verifyPassword, dummy: dummyVerify };
const OFF: CredentialCacheSettings = { ttlMs: 0, maxEntries: 0 };

export class Authenticator {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditLog;
  readonly #limits: () => AuthLimits;
  readonly #passwords: PasswordCheck;
  readonly #gate: SignInGate;
  readonly #observer: LoginObserver | undefined;
  readonly #legacy: LegacyGate | undefined;
  readonly #verified: CredentialCache;

  constructor(
    db: Kysely<Database>,
    audit: AuditLog,
    limits: () => AuthLimits,
    /** `gate`: the sign-in limits (default: a limiter of this process's own; a worker process passes the primary's). */
    opts: { passwords?: PasswordCheck; gate?: SignInGate; observer?: LoginObserver; legacy?: LegacyGate; verified?: CredentialCache } = {},
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#limits = limits;
    this.#passwords = opts.passwords ?? SCRYPT;
    this.#gate = opts.gate ?? new LocalSignInGate(new LoginLimiter(), audit);
    this.#observer = opts.observer;
    this.#legacy = opts.legacy;
    this.#verified = opts.verified ?? new CredentialCache(() => this.#limits().credentialCache ?? OFF);
  }

  /**
   * Checks a user name and password; records the attempt in the login history. `signal`: the
   * session's end — an attempt waiting in the limiter's line leaves it, and the failure delay is
   * cut short, so a closed or evicted session holds nothing (a password check once begun runs on).
   */
  async login(ctx: AuthContext, username: string, password: string, mechanism: string, signal?: AbortSignal): Promise<AuthOutcome> {
    const limits = this.#limits();
    // The slot is taken before the password is checked. While the checks in flight fill a limit,
    // their outcome decides: the attempt waits in line for one to end and asks again.
    const admission = await this.#gate.enter(username, ctx.clientIp, limits, this.#row(ctx, username, null, mechanism, "refused", null), signal);
    if (admission === null) return { ok: false, refusal: "gone" };
    if (admission.kind === "refused") {
      // The gate has recorded it: the refusals of one window share one row of the login history.
      this.#observer?.login(ctx.protocol, "throttled");
      ctx.log?.info("sign-in refused", { user: username.slice(0, 255), mechanism, reason: admission.reason });
      await delay(limits.failureDelayMs, signal);
      return { ok: false, refusal: "rate-limited" };
    }
    const { slot } = admission;
    try {
      const userKey = username.trim().toLowerCase();
      const account = await this.#db
        .selectFrom("accounts")
        .select(["id", "address", "password_hash", "disabled", "domain_id", "role"])
        .where("address", "=", userKey)
        .executeTakeFirst();
      // A console-only account (a relay domain's administrator) has no mail to read or send: the mail
      // protocols refuse it as they refuse a wrong password.
      const mailless = account !== undefined && account.domain_id === null && ctx.protocol !== "web";
      // A hit only where a right password signs in (the cache drops a disabled account's entry): every
      // failure, a disabled or a console-only account's included, still costs the full check, as before.
      const cached = account !== undefined && !mailless && this.#verified.hit(account, password);
      const valid = cached || (account === undefined ? await this.#passwords.dummy(password) : await this.#passwords.verify(password, account.password_hash));
      if (account !== undefined && valid && account.disabled === 0 && !mailless) {
        slot.succeed();
        if (!cached) this.#verified.remember(account, password);
        const legacyRefusal = await this.#legacyRefusal(ctx, account.id);
        if (legacyRefusal !== null) {
          this.#audit.login(this.#row(ctx, username, account.id, mechanism, "refused", legacyRefusal));
          this.#observer?.login(ctx.protocol, "refused");
          ctx.log?.info("sign-in refused", { user: account.address, mechanism, reason: legacyRefusal });
          await delay(limits.failureDelayMs, signal);
          return { ok: false, refusal: "legacy" };
        }
        this.#audit.login(this.#row(ctx, username, account.id, mechanism, "ok", null));
        this.#observer?.login(ctx.protocol, "ok");
        ctx.log?.bind({ account: account.address });
        ctx.log?.info("sign-in ok", { mechanism, ...(cached ? { cached: true } : {}) });
        return { ok: true, accountId: account.id, address: account.address };
      }
      slot.fail();
      const reason = account === undefined ? "unknown account" : !valid ? "wrong password" : account.disabled !== 0 ? "account disabled" : "no mailbox (a console-only account)";
      this.#audit.login(this.#row(ctx, username, account?.id ?? null, mechanism, "failed", reason));
      this.#observer?.login(ctx.protocol, "failed");
      ctx.log?.info("sign-in failed", { user: username.slice(0, 255), mechanism, reason });
    } finally {
      // A check that threw (a database error) gives its slot back uncounted; after fail() or succeed() this does nothing.
      slot.release();
    }
    await delay(limits.failureDelayMs, signal);
    return { ok: false, refusal: "credentials" };
  }

  /**
   * On a legacy endpoint, why the account may not sign in (its grant for the protocol is missing
   * or has ended by the server's clock, or the cut-off has passed), or null when it may.
   */
  async #legacyRefusal(ctx: AuthContext, accountId: number): Promise<string | null> {
    if (ctx.legacy !== true) return null;
    const gate = this.#legacy;
    if (gate === undefined || ctx.protocol === "web") return "legacy endpoint: legacy sign-ins are not enabled";
    const cutoff = gate.cutoffPassed();
    if (cutoff !== null) return `legacy endpoint: the cut-off on ${instant(cutoff)} ended legacy access`;
    const protocol: LegacyProtocol = ctx.protocol;
    const grant = await accountGrantUntil(this.#db, accountId, protocol, gate.now());
    if (grant === null) return `legacy endpoint: no legacy grant for ${protocol}`;
    if ("ended" in grant) return `legacy endpoint: the legacy grant ended on ${instant(grant.ended)}`;
    return null;
  }

  /** Records an attempt refused by policy before any check (e.g. a password sent without TLS). */
  refused(ctx: AuthContext, username: string, mechanism: string, reason: string): void {
    this.#audit.login(this.#row(ctx, username, null, mechanism, "refused", reason));
    this.#observer?.login(ctx.protocol, "refused");
    ctx.log?.info("sign-in refused", { user: username.slice(0, 255), mechanism, reason });
  }

  #row(ctx: AuthContext, username: string, accountId: number | null, mechanism: string, result: string, reason: string | null): LoginRow {
    return {
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
      session_id: ctx.session ?? null,
      legacy: ctx.legacy === true ? 1 : 0,
    };
  }
}

/** "2027-02-01 00:00 UTC": an instant as the login history's reasons name it. */
function instant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Waits `ms`, or less if `signal` aborts. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
