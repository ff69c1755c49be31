/**
 * The Sealpost process: reads the config, opens the store, loads certificates, and runs every
 * enabled listener. `reload` (SIGHUP, or a changed certificate file) swaps certificates, TLS
 * policy and limits without dropping a connection; `shutdown` (SIGTERM) lets transactions in
 * flight finish.
 */
import { CutoffScheduler, CutoffWatch } from "../campaign/index.ts";
import { processClock } from "../clock/index.ts";
import { loadConfig, type Config, type ListenerConfig } from "../config/index.ts";
import { MaintenanceWatch } from "../maintenance/index.ts";
import { AuditLog } from "../audit/index.ts";
import { Authenticator, WebSessions, type AuthLimits, type LegacyGate } from "../auth/index.ts";
import { createPop3Listener, type Pop3Limits } from "../pop3-server/index.ts";
import { createImapListener, type ImapLimits } from "../imap-server/index.ts";
import type { Logger } from "../log/index.ts";
import { Metrics, MetricsEndpoint } from "../metrics/index.ts";
import { Listener } from "../net/index.ts";
import { startOutbound } from "../outbound/index.ts";
import { queueSummary } from "../queue/index.ts";
import { LegacyMxRole, MxRole, SubmissionRole, createSmtpListener, smtpAuditSink, type SmtpLimits } from "../smtp-server/index.ts";
import { auditPruner, blobSweeper, openStore, pruneSummary, sweepSummary, type Store } from "../store/index.ts";
import { createHttpServer, createRedirectServer, createWebApp, createWebListener, type MailSettings } from "../web/index.ts";
import { CertificateStore, TlsTransport, certificateDaysLeft, effectivePolicy, legacyPolicy, type EffectivePolicy, type TlsContextPolicy, type TlsEvent } from "../tls/index.ts";

interface RunningServer {
  readonly store: Store;
  readonly listeners: ReadonlyMap<string, Listener>;
  reload(): Promise<void>;
  shutdown(timeoutMs?: number): Promise<void>;
}

function contextPolicy(config: Config) {
  return { minVersion: config.tls.min_version, ciphers: config.tls.ciphers, ciphersuites: config.tls.ciphersuites } satisfies TlsContextPolicy;
}

/** The legacy endpoint's contexts (issue 12): [legacy] min_version, tls.ciphers and [legacy] ciphers for ≤ 1.2, the same TLS 1.3 suites. */
function legacyContextPolicy(config: Config): TlsContextPolicy {
  const ciphers = [config.tls.ciphers, config.legacy.ciphers].filter((c) => c !== "").join(":");
  return { minVersion: config.legacy.min_version, ciphers, ciphersuites: config.tls.ciphersuites, legacy: true };
}

/** The legacy listeners (issue 12), each a main listener's protocol on its own port. */
const LEGACY_LISTENERS = ["legacy_imaps", "legacy_pop3s", "legacy_submissions", "legacy_smtp"] as const;

function smtpLimits(config: Config): SmtpLimits {
  return {
    maxMessageSize: config.smtp.max_message_size,
    maxRecipients: config.smtp.max_recipients,
    commandTimeoutMs: config.smtp.command_timeout * 1000,
    dataTimeoutMs: config.smtp.data_timeout * 1000,
    signInTimeoutMs: config.smtp.login_timeout * 1000,
    minDataRate: config.connections.min_data_rate,
    maxErrors: config.smtp.max_errors,
    junkCommandLimit: config.smtp.junk_command_limit,
    maxLineLength: 2048,
  };
}

function authLimits(config: Config): AuthLimits {
  return {
    failureDelayMs: config.auth.failure_delay_ms,
    maxFailuresPerIp: config.auth.max_failures_per_ip,
    maxFailuresPerNetwork: config.auth.max_failures_per_network,
    maxFailuresPerUser: config.auth.max_failures_per_user,
    windowMs: config.auth.failure_window * 1000,
    credentialCache: { ttlMs: config.auth.credential_cache_ttl * 1000, maxEntries: config.auth.credential_cache_size },
  };
}

function imapLimits(config: Config): ImapLimits {
  return {
    idleTimeoutMs: config.imap.idle_timeout * 1000,
    loginTimeoutMs: config.imap.login_timeout * 1000,
    maxLiteral: config.imap.max_literal,
    maxBadCommands: config.imap.max_bad_commands,
    minDataRate: config.connections.min_data_rate,
  };
}

function pop3Limits(config: Config): Pop3Limits {
  return {
    idleTimeoutMs: config.pop3.idle_timeout * 1000,
    loginTimeoutMs: config.pop3.login_timeout * 1000,
    maxBadCommands: config.pop3.max_bad_commands,
    minDataRate: config.connections.min_data_rate,
  };
}

export async function startServer(dataDir: string, log: Logger): Promise<RunningServer> {
  let config = loadConfig(dataDir);
  // The calendar the schedules read (grants, the cut-off, maintenance windows): the system's, or SEALPOST_CLOCK_FILE's.
  const clock = processClock();
  log.setLevel(config.log.level);
  const policies = new Map<string, EffectivePolicy>();
  const computePolicies = (c: Config): Map<string, EffectivePolicy> =>
    new Map(
      Object.entries(c.listeners)
        .filter((e): e is [string, ListenerConfig] => "min_tls_version" in e[1])
        .map(([name, l]) => [name, effectivePolicy(contextPolicy(c), l.min_tls_version)]),
    );
  for (const [k, v] of computePolicies(config)) policies.set(k, v);
  // The legacy endpoint's policy (issue 12) is checked at every load, whether a legacy listener runs or not.
  const legacyPolicyOf = (c: Config): EffectivePolicy => legacyPolicy(contextPolicy(c), { minVersion: c.legacy.min_version, ciphers: c.legacy.ciphers });
  let legacyTls = legacyPolicyOf(config);

  const certs = await CertificateStore.load(config.tls.certificates, contextPolicy(config));
  const store = await openStore(dataDir, {
    auditFlushMs: config.audit.flush_ms,
    durability: "async-wal-fsync",
    space: {
      minFree: () => config.store.min_free_space * 1024 * 1024,
      cacheMs: () => config.store.free_space_cache_ms,
      onChange: (low, detail) => (low ? log.error(`storage: refusing new mail, ${detail}`) : log.info(`storage: accepting mail again, ${detail}`)),
    },
  });
  const audit = new AuditLog(store.committer);
  const cutoff = new CutoffWatch(store.db, () => clock.now());
  await cutoff.refresh();
  const listeners = new Map<string, Listener>();
  const metrics = new Metrics({
    openSessions: () => [...listeners].map(([name, l]) => [name, l.activeSessions]),
    queue: () => queueSummary(store.db),
    certificates: () => certs.describe().map((c) => ({ name: c.names[0] ?? "", keyType: c.keyType, daysLeft: certificateDaysLeft(c.notAfter) })),
  });

  const onTlsEvent = (ev: TlsEvent): void => {
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
  const transportFor = (name: string): TlsTransport =>
    new TlsTransport({
      contextFor: (sni) => certs.contextFor(sni),
      policy: () => policies.get(name) ?? effectivePolicy(contextPolicy(config)),
      onEvent: onTlsEvent,
      handshakeTimeoutMs: () => config.tls.handshake_timeout * 1000,
    });
  // The legacy endpoint (issue 12): its own contexts (TLS 1.0+, reloaded and watched like the main ones) until the cut-off, then the main ones.
  const legacyEnabled = LEGACY_LISTENERS.some((n) => config.listeners[n].enabled);
  const legacyCerts = legacyEnabled ? await CertificateStore.load(config.tls.certificates, legacyContextPolicy(config)) : null;
  const legacyGate: LegacyGate = { now: () => clock.now(), cutoffPassed: () => (cutoff.passed() ? (cutoff.cutoff?.date ?? clock.now()) : null) };
  const legacyTransport = (lc: CertificateStore): TlsTransport =>
    new TlsTransport({
      contextFor: (sni) => certs.contextFor(sni),
      policy: () => effectivePolicy(contextPolicy(config)),
      legacy: { contextFor: (sni) => lc.contextFor(sni), policy: () => legacyTls, ended: () => cutoff.passed() },
      onEvent: onTlsEvent,
      handshakeTimeoutMs: () => config.tls.handshake_timeout * 1000,
    });

  const auth = new Authenticator(store.db, audit, () => authLimits(config), { observer: metrics, legacy: legacyGate });
  /** What the account page tells a mail program: the enabled listeners' ports (as bound: a port 0 in tests shows the real one). */
  const mailSettings = (): MailSettings => {
    const port = (name: "imaps" | "imap" | "pop3s" | "pop3" | "submissions" | "submission"): number | null => listeners.get(name)?.port ?? null;
    return { hostname: config.hostname, imaps: port("imaps"), imap: port("imap"), pop3s: port("pop3s"), pop3: port("pop3"), submissions: port("submissions"), submission: port("submission") };
  };
  // The cut-off campaign (issue 12): the notices on each notify day, the grants' end on the date, the
  // count of affected accounts the status page shows (started once the listeners are up).
  const campaign = new CutoffScheduler({
    store,
    watch: cutoff,
    clock,
    log,
    settings: () => ({ ...mailSettings(), web: listeners.get("web")?.port ?? null }),
    defaultLanguage: () => config.notices.language,
    retentionDays: () => config.audit.retention_days,
  });
  const startWeb = async () => {
    const http = createHttpServer();
    const app = await createWebApp(
      {
        db: store.db,
        blobs: store.blobs,
        auth,
        sessions: new WebSessions(store.db, () => ({ idleMs: config.web.session_idle * 1000, maxMs: config.web.session_max * 1000 })),
        flushAudit: () => store.committer.flushAuditSoon(),
        sessionMaxSeconds: () => config.web.session_max,
        mailSettings,
        listeners: () =>
          [...listeners].map(([name, l]) => ({ name, address: config.listeners[name as keyof Config["listeners"]].address, port: l.port, sessions: l.activeSessions, listening: l.listening })),
        certificates: () => certs.describe().map((c) => ({ names: c.names, keyType: c.keyType, notAfter: c.notAfter, daysLeft: certificateDaysLeft(c.notAfter), file: c.file })),
        wakeOutbound: wake,
        dns: () => ({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms }),
        checksPerHour: () => config.web.check_per_hour,
        // The cut-off campaign and the status page (issue 12).
        clock,
        auditRetentionDays: () => config.audit.retention_days,
        maintenance: () => ({ windows: maintenance.windows(), version: maintenance.version }),
        campaignAffected: () => campaign.affected(),
      },
      http,
    );
    await app.ready();
    listeners.set("web", createWebListener({ ...common("web"), implicitTls: true }, http));
  };
  const common = (name: keyof Config["listeners"]) => ({
    name,
    address: config.listeners[name].address,
    port: config.listeners[name].port,
    transport: transportFor(name),
    maxConnections: () => config.connections.max_connections,
    maxConnectionsPerIp: () => config.connections.max_connections_per_ip,
    log,
  });
  // Maintenance windows (issue 12): while one with pause-delivery is open the runner starts no
  // delivery (asked from memory on each tick); at its end the watch wakes the runner.
  const maintenance = new MaintenanceWatch(store.db, clock, log);
  await maintenance.refresh();
  const outbound = startOutbound(store, dataDir, config, log, metrics, () => maintenance.holdsDelivery());
  const wake = (): void => outbound.runner.wake();
  maintenance.start(wake);
  const accepted = (protocol: string): void => metrics.messageIn(protocol);
  const mx = new MxRole(store, audit, wake, accepted);
  const submission = new SubmissionRole(store, audit, auth, wake, accepted);
  const smtpListeners = [["mx", false, mx], ["submission", false, submission], ["submissions", true, submission]] as const;
  for (const [name, implicitTls, role] of smtpListeners) {
    if (!config.listeners[name].enabled) continue;
    listeners.set(
      name,
      createSmtpListener({
        ...common(name),
        implicitTls,
        hostname: () => config.hostname,
        role,
        limits: () => smtpLimits(config),
        tlsAvailable: () => true,
        audit: smtpAuditSink(audit),
      }),
    );
  }
  for (const [name, implicitTls] of [["imap", false], ["imaps", true]] as const) {
    if (!config.listeners[name].enabled) continue;
    listeners.set(
      name,
      createImapListener({ ...common(name), implicitTls, hostname: () => config.hostname, store, auth, limits: () => imapLimits(config) }),
    );
  }
  for (const [name, implicitTls] of [["pop3", false], ["pop3s", true]] as const) {
    if (!config.listeners[name].enabled) continue;
    listeners.set(name, createPop3Listener({ ...common(name), implicitTls, store, auth, limits: () => pop3Limits(config) }));
  }
  // The legacy listeners: the main protocols on their own ports, with the legacy transport.
  if (legacyCerts !== null) {
    const legacyCommon = (name: (typeof LEGACY_LISTENERS)[number]) => ({ ...common(name), transport: legacyTransport(legacyCerts) });
    const smtp = (name: "legacy_submissions" | "legacy_smtp", implicitTls: boolean, role: SubmissionRole | LegacyMxRole) =>
      createSmtpListener({ ...legacyCommon(name), implicitTls, hostname: () => config.hostname, role, limits: () => smtpLimits(config), tlsAvailable: () => true, audit: smtpAuditSink(audit) });
    if (config.listeners.legacy_imaps.enabled) {
      listeners.set("legacy_imaps", createImapListener({ ...legacyCommon("legacy_imaps"), implicitTls: true, hostname: () => config.hostname, store, auth, limits: () => imapLimits(config) }));
    }
    if (config.listeners.legacy_pop3s.enabled) listeners.set("legacy_pop3s", createPop3Listener({ ...legacyCommon("legacy_pop3s"), implicitTls: true, store, auth, limits: () => pop3Limits(config) }));
    if (config.listeners.legacy_submissions.enabled) listeners.set("legacy_submissions", smtp("legacy_submissions", true, submission));
    if (config.listeners.legacy_smtp.enabled) listeners.set("legacy_smtp", smtp("legacy_smtp", false, new LegacyMxRole(mx, store, audit, legacyGate)));
  }
  if (config.listeners.web.enabled) await startWeb();
  for (const l of listeners.values()) l.observe(metrics);
  const m = config.listeners.metrics;
  const h = config.listeners.http;
  const redirect = h.enabled
    ? createRedirectServer({ address: h.address, port: h.port, target: () => ({ hostname: config.hostname, port: listeners.get("web")?.port ?? 443 }) })
    : null;
  const metricsEndpoint = m.enabled ? new MetricsEndpoint({ address: m.address, port: m.port, scrape: () => metrics.scrape(), log: (msg, err) => log.error(msg, err) }) : null;
  try {
    for (const [name, l] of listeners) {
      await l.listen();
      log.info(`${name} listening on ${config.listeners[name as keyof Config["listeners"]].address}:${l.port}`);
    }
    if (metricsEndpoint !== null) {
      await metricsEndpoint.listen();
      log.info(`metrics listening on ${m.address}:${metricsEndpoint.port}`);
    }
    if (redirect !== null) {
      await redirect.listen();
      log.info(`http listening on ${h.address}:${redirect.port} (redirects to the web console)`);
    }
  } catch (e) {
    await metricsEndpoint?.close();
    await redirect?.close();
    for (const l of listeners.values()) await l.drain(0).catch(() => undefined);
    maintenance.stop();
    await outbound.stop();
    await store.close();
    throw e;
  }

  const sweeper = blobSweeper(store, {
    intervalMs: () => config.store.sweep_interval * 1000,
    graceMs: () => config.store.sweep_grace * 1000,
    onReport: (r, graceMs) => {
      if (r.removed > 0 || r.failed > 0) log.info(sweepSummary(r, graceMs));
    },
    onError: (e) => log.error("blob sweep failed", e),
  });
  sweeper.start();
  // [audit] retention_days: the daily prune, first a minute after start (not during it).
  const pruner = auditPruner(store, {
    retentionDays: () => config.audit.retention_days,
    firstDelayMs: 60_000,
    intervalMs: 86_400_000,
    onReport: (r, days) => log.info(pruneSummary(r, days)),
    onError: (e) => log.error("retention prune failed", e),
  });
  pruner.start();

  campaign.start();

  let reloading: Promise<void> = Promise.resolve();
  const reload = async (): Promise<void> => {
    const next = loadConfig(dataDir);
    const nextPolicies = computePolicies(next);
    const nextLegacy = legacyPolicyOf(next);
    await certs.reload(contextPolicy(next));
    await legacyCerts?.reload(legacyContextPolicy(next));
    legacyTls = nextLegacy;
    outbound.reload(next);
    config = next;
    log.setLevel(next.log.level);
    policies.clear();
    for (const [k, v] of nextPolicies) policies.set(k, v);
  };
  const unwatch = certs.watch(() => {
    reloading = reloading
      .then(() => certs.reload())
      .then(() => log.info("certificates reloaded (file changed)"))
      .catch((e: unknown) => log.error("certificate reload failed; keeping the previous certificates", e));
  });
  // The legacy endpoint's contexts follow the same files.
  const unwatchLegacy =
    legacyCerts?.watch(() => {
      reloading = reloading
        .then(() => legacyCerts.reload())
        .then(() => log.info("legacy endpoint certificates reloaded (file changed)"))
        .catch((e: unknown) => log.error("legacy endpoint certificate reload failed; keeping the previous certificates", e));
    }) ?? (() => undefined);

  return {
    store,
    listeners,
    async reload() {
      await reloading;
      await reload();
    },
    async shutdown(timeoutMs = 30_000) {
      unwatch();
      unwatchLegacy();
      await metricsEndpoint?.close();
      await redirect?.close();
      await Promise.all([...listeners.values()].map((l) => l.drain(timeoutMs)));
      maintenance.stop();
      await outbound.stop();
      await sweeper.stop();
      await pruner.stop();
      await campaign.stop();
      await store.close();
    },
  };
}
