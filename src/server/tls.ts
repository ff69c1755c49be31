/**
 * The server's TLS, as every process that serves connections holds it: the certificates and
 * contexts (loaded, reloaded, watched) — the configured ones and those ACME keeps in the data
 * directory — each listener's effective policy, and the transports built on them: the legacy
 * endpoint's (issue 12) with its own contexts until the cut-off, the web port's answering ACME's
 * TLS-ALPN-01 challenges.
 */
import type { SecureContext } from "node:tls";
import type { AuditLog } from "../audit/index.ts";
import type { Config, ListenerConfig } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { Metrics } from "../metrics/index.ts";
import { CertificateStore, TlsTransport, effectivePolicy, legacyPolicy, type CertificateSpec, type EffectivePolicy, type TlsEvent } from "../tls/index.ts";
import { contextPolicy, LEGACY_LISTENERS, legacyContextPolicy } from "./settings.ts";

function listenerPolicies(c: Config): Map<string, EffectivePolicy> {
  return new Map(
    Object.entries(c.listeners)
      .filter((e): e is [string, ListenerConfig] => "min_tls_version" in e[1])
      .map(([name, l]) => [name, effectivePolicy(contextPolicy(c), l.min_tls_version)]),
  );
}

/** The legacy endpoint's policy (issue 12) is checked at every load, whether a legacy listener runs or not. */
function legacyPolicyOf(c: Config): EffectivePolicy {
  return legacyPolicy(contextPolicy(c), { minVersion: c.legacy.min_version, ciphers: c.legacy.ciphers });
}

interface TlsHooks {
  config: () => Config;
  onEvent: (ev: TlsEvent) => void;
  /** The cut-off has passed: the legacy endpoint answers with the main contexts and policy. */
  cutoffPassed: () => boolean;
  /** The certificates the server keeps itself under `config` (ACME's; none when it is off), read at every load. */
  managed: (config: Config) => Promise<CertificateSpec[]>;
  log: Logger;
}

export class ServerTls {
  readonly certs: CertificateStore;
  readonly #legacyCerts: CertificateStore | null;
  readonly #hooks: TlsHooks;
  #policies: Map<string, EffectivePolicy>;
  #legacy: EffectivePolicy;
  /** Reloads run one after another: a file change's and SIGHUP's. */
  #reloading: Promise<void> = Promise.resolve();

  private constructor(certs: CertificateStore, legacyCerts: CertificateStore | null, hooks: TlsHooks) {
    this.certs = certs;
    this.#legacyCerts = legacyCerts;
    this.#hooks = hooks;
    const config = hooks.config();
    this.#policies = listenerPolicies(config);
    this.#legacy = legacyPolicyOf(config);
  }

  static async load(hooks: TlsHooks): Promise<ServerTls> {
    const config = hooks.config();
    // Checked before any file is read: a bad policy is a configuration error, not a certificate one.
    listenerPolicies(config);
    legacyPolicyOf(config);
    const managed = await hooks.managed(config);
    const certs = await CertificateStore.load(config.tls.certificates, contextPolicy(config), managed);
    const legacyEnabled = LEGACY_LISTENERS.some((n) => config.listeners[n].enabled);
    const legacyCerts = legacyEnabled ? await CertificateStore.load(config.tls.certificates, legacyContextPolicy(config), managed) : null;
    const tls = new ServerTls(certs, legacyCerts, hooks);
    tls.#reportSkipped();
    return tls;
  }

  /**
   * The transport of a main listener: its own minimum version over the shared contexts; the web
   * listener's also answers TLS-ALPN-01 challenges (`alpnChallenge`, RFC 8737).
   */
  transportFor(name: string, opts: { alpnChallenge?: (servername: string) => SecureContext | undefined } = {}): TlsTransport {
    return new TlsTransport({
      contextFor: (sni) => this.certs.contextFor(sni),
      policy: () => this.#policies.get(name) ?? effectivePolicy(contextPolicy(this.#hooks.config())),
      onEvent: this.#hooks.onEvent,
      handshakeTimeoutMs: () => this.#hooks.config().tls.handshake_timeout * 1000,
      ...opts,
    });
  }

  /** The legacy endpoint's transport (null when no legacy listener is enabled): TLS 1.0+ until the cut-off, then the main policy. */
  legacyTransport(): TlsTransport | null {
    const lc = this.#legacyCerts;
    if (lc === null) return null;
    return new TlsTransport({
      contextFor: (sni) => this.certs.contextFor(sni),
      policy: () => effectivePolicy(contextPolicy(this.#hooks.config())),
      legacy: { contextFor: (sni) => lc.contextFor(sni), policy: () => this.#legacy, ended: this.#hooks.cutoffPassed },
      onEvent: this.#hooks.onEvent,
      handshakeTimeoutMs: () => this.#hooks.config().tls.handshake_timeout * 1000,
    });
  }

  /** Takes `next`'s certificates and policies; on an error nothing changes. */
  async reload(next: Config): Promise<void> {
    await this.#reloading;
    const policies = listenerPolicies(next);
    const legacy = legacyPolicyOf(next);
    const managed = await this.#hooks.managed(next);
    await this.certs.reload(contextPolicy(next), managed);
    await this.#legacyCerts?.reload(legacyContextPolicy(next), managed);
    this.#legacy = legacy;
    this.#policies = policies;
    this.#reportSkipped();
  }

  /**
   * Loads the certificates the server keeps (ACME issued, renewed or removed one) beside the
   * configured ones; every context swaps at once and open connections keep theirs.
   */
  reloadManaged(): Promise<void> {
    const run = async (): Promise<void> => {
      const managed = await this.#hooks.managed(this.#hooks.config());
      await this.certs.reload(undefined, managed);
      await this.#legacyCerts?.reload(undefined, managed);
      this.#reportSkipped();
    };
    const result = this.#reloading.then(run);
    this.#reloading = result.catch(() => undefined);
    return result;
  }

  /** A kept certificate that cannot be loaded is left out, never the server stopped: the log says which. */
  #reportSkipped(): void {
    for (const line of this.certs.skipped()) this.#hooks.log.error(`certificate left out: ${line}`);
  }

  /** Reloads the certificates when their files change; returns the function that stops watching. */
  watch(log: Logger): () => void {
    const on = (store: CertificateStore, what: string): (() => void) =>
      store.watch(() => {
        this.#reloading = this.#reloading
          .then(() => store.reload())
          .then(() => log.info(`${what} reloaded (file changed)`))
          .catch((e: unknown) => log.error(`${what} reload failed; keeping the previous certificates`, e));
      });
    const stops = [on(this.certs, "certificates"), ...(this.#legacyCerts !== null ? [on(this.#legacyCerts, "legacy endpoint certificates")] : [])];
    return () => {
      for (const stop of stops) stop();
    };
  }
}

/** What becomes of a handshake's outcome: a row of the audit, the metrics, and a log line when it was refused or failed. */
export function recordTlsEvent(audit: AuditLog, metrics: Metrics, log: Logger): (ev: TlsEvent) => void {
  return (ev) => {
    audit.tlsEvent(ev);
    metrics.tlsEvent(ev);
    // A refused or failed handshake is what an operator hunts for (the old device); its id leads to the audit row.
    if (ev.outcome !== "ok") {
      log.info(`TLS handshake ${ev.outcome}`, {
        session: ev.session,
        proto: ev.protocol,
        client: ev.clientIp,
        mode: ev.mode,
        reason: ev.reason,
        offered_max: ev.hello?.maxVersion ?? null,
        ...(ev.legacy === true ? { legacy: true } : {}),
      });
    }
  };
}
