/**
 * ACME in the running server (RFC 8555), in the primary process only: at start, every few hours
 * (with jitter), when the server's clock jumps and on SIGHUP, it looks at each certificate it
 * keeps (orders.ts) and orders the ones that are missing, due for renewal or for other names.
 * Orders run one after another. A failure is retried with growing waits (schedule.ts), and kept
 * in the state with its error; as expiry nears while renewal fails, the log warns at every check.
 * A new certificate is written to the data directory and `installed` tells every serving process
 * to load it — open connections keep the one they started with.
 */
import type { Clock } from "../clock/index.ts";
import type { Logger } from "../log/index.ts";
import { CERTIFICATE_WARN_DAYS, certificateDaysLeft } from "../tls/index.ts";
import { PendingChallenges } from "./challenges.ts";
import { accountKey, dropCertificates, issuedCertificate, keepCertificate, type IssuedCertificate } from "./files.ts";
import { issueCertificate, openAccount, type AcmeAccount, type ChallengeType } from "./issue.ts";
import type { CertificateOrder } from "./orders.ts";
import { checkDelayMs, preferenceAfter, renewalDue, retryDelayMs } from "./schedule.ts";
import { freshState, readState, writeState, type AcmeState, type OrderState } from "./state.ts";
import { orderView, type AcmeOrderView } from "./view.ts";

/** `[acme]` as the manager reads it at each check. */
export interface AcmeSettings {
  directoryUrl: string;
  email: string;
  challenges: readonly ChallengeType[];
  /** Trust anchors (PEM) for the CA's HTTPS besides the system's roots. */
  ca: readonly string[];
  renewBeforeDays: number;
}

interface ManagerOptions {
  dataDir: string;
  settings: () => AcmeSettings;
  /** The certificates wanted now (the host name, the hosted domains). */
  orders: () => Promise<CertificateOrder[]>;
  /** Whether a name has an address in DNS: a domain's names without one are not ordered (no failed validation, no rate limit spent). */
  published: (name: string) => Promise<boolean>;
  clock: Clock;
  log: Logger;
  /** New certificate files are in place (or some were removed): every serving process loads them. */
  installed: () => Promise<void>;
}

/** A wait that is never shorter than this, whatever a clock jump makes of a next attempt. */
const MIN_WAIT_MS = 60_000;

export class AcmeManager {
  /** What the HTTP-01 listener and the web port's TLS-ALPN-01 answer. */
  readonly challenges = new PendingChallenges();
  readonly #o: ManagerOptions;
  #state: AcmeState = {};
  #orders: CertificateOrder[] = [];
  readonly #certs = new Map<string, IssuedCertificate | null>();
  #busy: string | null = null;
  #running = false;
  #again = false;
  /** SIGHUP: the next check does not wait for a failed order's backoff. */
  #forced = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #stopJumps: () => void = () => undefined;
  #account: { key: string; account: AcmeAccount } | null = null;

  constructor(o: ManagerOptions) {
    this.#o = o;
  }

  /** Reads the state and runs the first check (in the background). */
  async start(): Promise<void> {
    this.#state = await readState(this.#o.dataDir);
    this.#stopJumps = this.#o.clock.onJump(() => this.check());
    this.check();
  }

  /** Looks at every certificate now; `force` (SIGHUP): failed orders are tried again without waiting. */
  check(opts: { force?: boolean } = {}): void {
    if (this.#stopped) return;
    if (opts.force === true) this.#forced = true;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    clearTimeout(this.#timer);
    void this.#run()
      .catch((e: unknown) => this.#o.log.error("acme: the check failed", e))
      .finally(() => {
        this.#running = false;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          this.check();
        } else {
          this.#schedule();
        }
      });
  }

  /** Stops the checks; an order in flight ends without installing anything. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stopJumps();
  }

  /** Each certificate wanted, as the administration page shows it. */
  describe(): AcmeOrderView[] {
    const now = this.#o.clock.now();
    const renewBeforeDays = this.#o.settings().renewBeforeDays;
    return this.#orders.map((o) => orderView(o.id, this.#state[o.id] ?? freshState(o.names), this.#certs.get(o.id) ?? null, { now, busy: this.#busy === o.id, renewBeforeDays }));
  }

  async #run(): Promise<void> {
    const forced = this.#forced;
    this.#forced = false;
    const { dataDir, log } = this.#o;
    let orders: CertificateOrder[];
    try {
      orders = await this.#o.orders();
    } catch (e) {
      log.error("acme: cannot read the hosted domains; no certificate checked", e);
      return;
    }
    this.#orders = orders;
    const wanted = new Set(orders.map((o) => o.id));
    for (const id of Object.keys(this.#state)) if (!wanted.has(id)) delete this.#state[id];
    const gone = await dropCertificates(dataDir, wanted);
    if (gone.length > 0) {
      log.info(`acme: certificates no longer needed removed: ${gone.join(", ")}`);
      await this.#install();
    }
    for (const order of orders) {
      if (this.#stopped) return;
      this.#state[order.id] = await this.#consider(order, forced);
      await writeState(dataDir, this.#state);
    }
  }

  /** One certificate: left as it is, ordered, or (a domain without DNS) marked unpublished; returns its new state. */
  async #consider(order: CertificateOrder, forced: boolean): Promise<OrderState> {
    const settings = this.#o.settings();
    const cert = await issuedCertificate(this.#o.dataDir, order.id);
    this.#certs.set(order.id, cert);
    const s: OrderState = { ...(this.#state[order.id] ?? freshState(order.names)) };
    const names = order.host ? order.names : await this.#published(order.names);
    if (names.length === 0) return { ...freshState(order.names), unpublished: true, issuedAt: s.issuedAt, challenge: s.challenge };
    const now = this.#o.clock.now();
    const same = cert !== null && names.length === cert.names.length && names.every((n) => cert.names.includes(n));
    if (same && !renewalDue(cert, now, settings.renewBeforeDays)) return { ...s, names, unpublished: false, failures: 0, lastError: null, nextAttemptAt: null };
    if (s.failures > 0 && s.nextAttemptAt !== null && now < s.nextAttemptAt && !forced) {
      this.#warn(cert, s);
      return s;
    }
    const next = await this.#order(order.id, names, s, settings);
    this.#warn(this.#certs.get(order.id) ?? null, next);
    return next;
  }

  async #order(id: string, names: string[], s: OrderState, settings: AcmeSettings): Promise<OrderState> {
    const { clock, log } = this.#o;
    const startedAt = clock.now();
    this.#busy = id;
    try {
      const account = await this.#openAccount(settings);
      const { pair, challenge } = await issueCertificate(account, { names, preference: preferenceAfter(settings.challenges, s.failures), challenges: this.challenges });
      if (this.#stopped) return s;
      await keepCertificate(this.#o.dataDir, id, pair);
      const cert = await issuedCertificate(this.#o.dataDir, id);
      this.#certs.set(id, cert);
      const until = cert === null ? "" : `, valid until ${new Date(cert.notAfter).toISOString()}`;
      log.info(`acme: certificate for ${names.join(", ")} issued (${challenge ?? "authorization reused"})${until}`);
      await this.#install();
      // A reused authorization (RFC 8555 §7.1.4) was validated the way the last one was.
      return { ...freshState(names), lastAttemptAt: startedAt, issuedAt: clock.now(), challenge: challenge ?? s.challenge };
    } catch (e) {
      const failures = s.failures + 1;
      const waitMs = retryDelayMs(failures);
      const lastError = oneLine(e);
      log.warn(`acme: ordering a certificate for ${names.join(", ")} failed (${failures} in a row; next attempt in ${Math.round(waitMs / 60_000)} min)`, new Error(lastError));
      return { ...s, names, unpublished: false, failures, lastError, lastAttemptAt: startedAt, nextAttemptAt: clock.now() + waitMs };
    } finally {
      this.#busy = null;
    }
  }

  /** The account at the CA the settings name (registered once per directory, key and contact). */
  async #openAccount(settings: AcmeSettings): Promise<AcmeAccount> {
    const key = JSON.stringify([settings.directoryUrl, settings.email, settings.ca]);
    if (this.#account?.key === key) return this.#account.account;
    const account = await openAccount({ directoryUrl: settings.directoryUrl, email: settings.email, ca: settings.ca, accountKey: await accountKey(this.#o.dataDir) });
    this.#account = { key, account };
    return account;
  }

  /** A domain's names that have an address in DNS (a failed look-up counts as one: the CA decides). */
  async #published(names: readonly string[]): Promise<string[]> {
    const found = await Promise.all(names.map((n) => this.#o.published(n).catch(() => true)));
    return names.filter((_, i) => found[i] === true);
  }

  async #install(): Promise<void> {
    if (this.#stopped) return;
    await this.#o.installed().catch((e: unknown) => this.#o.log.error("acme: loading the new certificates failed; the previous ones stay in use", e));
  }

  /** RFC 8555 leaves renewal to the client: when it keeps failing as expiry nears, the log says so at every check. */
  #warn(cert: IssuedCertificate | null, s: OrderState): void {
    if (cert === null || s.failures === 0) return;
    const days = certificateDaysLeft(new Date(cert.notAfter), new Date(this.#o.clock.now()));
    if (days >= CERTIFICATE_WARN_DAYS) return;
    const when = days < 0 ? "has expired" : `expires in ${days} day${days === 1 ? "" : "s"}`;
    this.#o.log.warn(`acme: the certificate for ${cert.names.join(", ")} ${when} (${new Date(cert.notAfter).toISOString().slice(0, 10)}) and its renewal is failing`, new Error(s.lastError ?? "unknown error"));
  }

  /** The next check: the regular one, or a failed order's next attempt if that comes first. */
  #schedule(): void {
    if (this.#stopped) return;
    const now = this.#o.clock.now();
    let wait = checkDelayMs();
    for (const s of Object.values(this.#state)) {
      if (s.failures > 0 && s.nextAttemptAt !== null) wait = Math.min(wait, Math.max(MIN_WAIT_MS, s.nextAttemptAt - now));
    }
    this.#timer = setTimeout(() => this.check(), wait);
    this.#timer.unref();
  }
}

/** An error as one line of at most 300 characters (what the state, the page and the log keep). */
function oneLine(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 297)}…` : text || "unknown error";
}
