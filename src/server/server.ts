/**
 * The Sealpost process: reads the config, opens the store, loads certificates, and runs every
 * enabled listener. `reload` (SIGHUP, or a changed certificate file) swaps certificates, TLS
 * policy and limits without dropping a connection; `shutdown` (SIGTERM) lets transactions in
 * flight finish.
 *
 * With `[process] workers` = N > 1 this process is the primary: it binds the mail listeners and
 * hands their connections to N worker processes (src/workers, worker.ts), and keeps what must be
 * global or run once — the per-address connection counts, the sign-in limits, the web console,
 * the outbound runner, sweeps and schedules.
 *
 * With `[acme]` enabled the primary keeps certificates from an ACME CA (src/acme): it answers the
 * challenges (HTTP-01 on port 80, TLS-ALPN-01 on the web port), and each new certificate is loaded
 * here and, with workers, in each of them.
 */
import { fileURLToPath } from "node:url";
import { AggregatorRegistry } from "prom-client";
import { AcmeManager, certificateOrders } from "../acme/index.ts";
import { CutoffScheduler, CutoffWatch } from "../campaign/index.ts";
import { processClock } from "../clock/index.ts";
import { loadConfig, type Config } from "../config/index.ts";
import { MaintenanceWatch } from "../maintenance/index.ts";
import { AuditLog } from "../audit/index.ts";
import { Authenticator, LocalSignInGate, LoginLimiter, WebSessions } from "../auth/index.ts";
import { listDomains } from "../directory/index.ts";
import { createResolver } from "../dns/index.ts";
import type { Logger } from "../log/index.ts";
import { Metrics, MetricsEndpoint } from "../metrics/index.ts";
import type { FrontListener, Listener } from "../net/index.ts";
import { startOutbound } from "../outbound/index.ts";
import { queueSummary } from "../queue/index.ts";
import { auditPruner, blobSweeper, openStore, pruneSummary, sweepSummary } from "../store/index.ts";
import { NodeHeartbeat, nodeId } from "../cluster/index.ts";
import { createHttpListener, createHttpServer, createWebApp, createWebListener, type MailSettings } from "../web/index.ts";
import { certificateDaysLeft } from "../tls/index.ts";
import { SubmissionRole, smtpAuditSink, submitMessage } from "../smtp-server/index.ts";
import { WorkerPool } from "../workers/index.ts";
import { createMailListeners, legacyGateOf } from "./mail.ts";
import { acmeCertificates, acmeSettings, authLimits, httpListenerRuns, MAIL_LISTENERS, smtpLimits, storeOptions } from "./settings.ts";
import { recordTlsEvent, ServerTls } from "./tls.ts";

interface RunningServer {
  reload(): Promise<void>;
  shutdown(timeoutMs?: number): Promise<void>;
}

/** What the web console and the metrics read of a listener, in this process or (a primary's) handed to workers. */
type Serving = Pick<Listener, "port" | "listening" | "activeSessions" | "listen">;

export async function startServer(dataDir: string, log: Logger, version = "unknown"): Promise<RunningServer> {
  let config = loadConfig(dataDir);
  // The calendar the schedules read (grants, the cut-off, maintenance windows): the system's, or SEALPOST_CLOCK_FILE's.
  const clock = processClock();
  log.setLevel(config.log.level);
  // [acme] enabled is read at start; its settings are checked now (and at each reload), not at the
  // first order — before the store opens, so a refusal leaves no database connection open.
  if (config.acme.enabled) acmeSettings(config, dataDir);
  const store = await openStore(dataDir, storeOptions(dataDir, () => config, log));
  const audit = new AuditLog(store.committer);
  const cutoff = new CutoffWatch(store.db, () => clock.now());
  await cutoff.refresh();
  const listeners = new Map<string, Serving>();
  const today = (): Date => new Date(clock.now());
  const metrics: Metrics = new Metrics({
    openSessions: () => [...listeners].map(([name, l]) => [name, l.activeSessions]),
    queue: () => queueSummary(store.db),
    certificates: () => tls.certs.describe().map((c) => ({ name: c.names[0] ?? "", keyType: c.keyType, daysLeft: certificateDaysLeft(c.notAfter, today()) })),
  });
  const tls: ServerTls = await ServerTls.load({ config: () => config, onEvent: recordTlsEvent(audit, metrics, log), cutoffPassed: () => cutoff.passed(), managed: acmeCertificates(dataDir), log }).catch(
    async (e: unknown) => {
      await store.close();
      throw e;
    },
  );
  const legacyGate = legacyGateOf(clock, cutoff);
  // One gate for the sign-in limits: this process's sign-ins, and (with workers) every worker's.
  // With several nodes on one database, every node's outcomes count on every node (src/auth/gate.ts).
  const gate = new LocalSignInGate(new LoginLimiter(), audit, store.bus === null ? undefined : { bus: store.bus, settings: () => authLimits(config) });
  const auth = new Authenticator(store.db, audit, () => authLimits(config), { gate, observer: metrics, legacy: legacyGate });
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
  // Maintenance windows (issue 12): while one with pause-delivery is open the runner starts no
  // delivery (asked from memory on each tick); at its end the watch wakes the runner.
  const maintenance = new MaintenanceWatch(store.db, clock, log);
  await maintenance.refresh();
  const outbound = startOutbound(store, dataDir, config, log, metrics, () => maintenance.holdsDelivery(), clock);
  const wake = (): void => outbound.runner.wake();
  maintenance.start(wake);

  // The mail listeners: served here, or (workers > 1) bound here and served by the workers.
  const workers = config.process.workers;
  const pool =
    workers > 1
      ? new WorkerPool({
          entry: fileURLToPath(new URL("./worker-entry.ts", import.meta.url)),
          args: [dataDir],
          execArgv: process.execArgv,
          env: process.env,
          workers,
          store,
          gate,
          log,
          wake,
        })
      : null;
  // ACME (RFC 8555): the host name's certificate and each hosted domain's; a new one is loaded here
  // and in every worker, for the connections that start after it.
  const acme = config.acme.enabled
    ? new AcmeManager({
        dataDir,
        settings: () => acmeSettings(config, dataDir),
        orders: async () => certificateOrders(config.hostname, (await listDomains(store.db)).map((d) => d.name)),
        published: async (name) => (await createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms }).addresses(name)).length > 0,
        clock,
        log,
        installed: async () => {
          await tls.reloadManaged();
          pool?.reloadCertificates();
        },
      })
    : null;
  const served = new Map<string, Listener>();
  const fronts: FrontListener[] = [];
  if (pool === null) {
    const mail = createMailListeners({ config: () => config, store, audit, auth, tls, log, legacyGate, wake, accepted: (p) => metrics.messageIn(p) });
    for (const [name, l] of mail) {
      l.observe(metrics);
      served.set(name, l);
      listeners.set(name, l);
    }
  } else {
    for (const name of MAIL_LISTENERS) {
      const l = config.listeners[name];
      if (!l.enabled) continue;
      const front = pool.front(name, l.address, l.port, () => config.connections.max_connections_per_ip);
      fronts.push(front);
      listeners.set(name, front);
    }
  }

  if (config.listeners.web.enabled) {
    const http = createHttpServer();
    // Mail written in the webmail goes through port 587's path (issue 14): the same role, with the
    // same store, audit, runner wake-up and metrics, and the [smtp] limits as they are now.
    const webSubmission = new SubmissionRole(store, audit, auth, log, wake, (p) => metrics.messageIn(p));
    const webAudit = smtpAuditSink(audit);
    const app = await createWebApp(
      {
        db: store.db,
        store,
        blobs: store.blobs,
        auth,
        sessions: new WebSessions(store.db, () => ({ idleMs: config.web.session_idle * 1000, maxMs: config.web.session_max * 1000 })),
        flushAudit: () => store.committer.flushAuditSoon(),
        sessionMaxSeconds: () => config.web.session_max,
        mailSettings,
        listeners: () =>
          [...listeners].map(([name, l]) => ({ name, address: config.listeners[name as keyof Config["listeners"]].address, port: l.port, sessions: l.activeSessions, listening: l.listening })),
        certificates: () => tls.certs.describe().map((c) => ({ names: c.names, keyType: c.keyType, notAfter: c.notAfter, daysLeft: certificateDaysLeft(c.notAfter, today()), file: c.file })),
        acme: () => acme?.describe() ?? null,
        wakeOutbound: wake,
        dns: () => ({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms }),
        checksPerHour: () => config.web.check_per_hour,
        // The cut-off campaign and the status page (issue 12).
        clock,
        auditRetentionDays: () => config.audit.retention_days,
        maintenance: () => ({ windows: maintenance.windows(), version: maintenance.version }),
        campaignAffected: () => campaign.affected(),
        submit: (m) => submitMessage(webSubmission, { hostname: config.hostname, limits: smtpLimits(config), audit: webAudit }, m),
        maxMessageSize: () => config.smtp.max_message_size,
      },
      http,
    );
    await app.ready();
    const w = config.listeners.web;
    const web = createWebListener(
      {
        name: "web",
        address: w.address,
        port: w.port,
        // RFC 8737: the web port answers TLS-ALPN-01 challenges while ACME has one pending.
        transport: tls.transportFor("web", acme === null ? {} : { alpnChallenge: (name) => acme.challenges.alpnContext(name) }),
        maxConnections: () => config.connections.max_connections,
        maxConnectionsPerIp: () => config.connections.max_connections_per_ip,
        log,
        implicitTls: true,
      },
      http,
    );
    web.observe(metrics);
    served.set("web", web);
    listeners.set("web", web);
  }
  // Port 80: the redirect to the console, and ACME's HTTP-01 answers (RFC 8555 §8.3).
  if (httpListenerRuns(config)) {
    const h = config.listeners.http;
    const http = createHttpListener(
      {
        name: "http",
        address: h.address,
        port: h.port,
        transport: tls.transportFor("http"),
        maxConnections: () => config.connections.max_connections,
        maxConnectionsPerIp: () => config.connections.max_connections_per_ip,
        log,
      },
      { target: () => ({ hostname: config.hostname, port: listeners.get("web")?.port ?? 443 }), keyAuthorization: (token) => acme?.challenges.keyAuthorization(token) },
    );
    http.observe(metrics);
    served.set("http", http);
    listeners.set("http", http);
  }
  // With workers, a scrape adds up every process's registry (prom-client's cluster aggregation).
  const scrape = async (): Promise<{ contentType: string; body: string }> => {
    if (pool === null) return metrics.scrape();
    const all = [await metrics.registry.getMetricsAsJSON(), ...(await pool.metrics())];
    const merged = AggregatorRegistry.aggregate(all as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  };
  const m = config.listeners.metrics;
  const metricsEndpoint = m.enabled ? new MetricsEndpoint({ address: m.address, port: m.port, scrape, log: (msg, err) => log.error(msg, err) }) : null;
  try {
    for (const [name, l] of listeners) {
      await l.listen();
      log.info(`${name} listening on ${config.listeners[name as keyof Config["listeners"]].address}:${l.port}`);
    }
    // The workers learn the bound ports; the primary is ready once they are.
    if (pool !== null) {
      await pool.start();
      log.info(`${workers} worker processes serving the mail listeners`);
    }
    if (metricsEndpoint !== null) {
      await metricsEndpoint.listen();
      log.info(`metrics listening on ${m.address}:${metricsEndpoint.port}`);
    }
  } catch (e) {
    await metricsEndpoint?.close();
    await pool?.shutdown(0);
    for (const l of served.values()) await l.drain(0).catch(() => undefined);
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
  // This node in `sealpost nodes`: what it serves, renewed while it runs (src/cluster).
  const heartbeat = new NodeHeartbeat(store.db, { id: nodeId(dataDir), hostname: config.hostname, dataDir, roles: [...listeners.keys(), "queue"], version }, (e) =>
    log.warn("node heartbeat failed", e),
  );
  await heartbeat.start();
  const unwatch = tls.watch(log);
  // The challenges' listeners are up: the first check may order at once.
  await acme?.start();

  return {
    async reload() {
      const next = loadConfig(dataDir);
      if (acme !== null) acmeSettings(next, dataDir);
      await tls.reload(next);
      outbound.reload(next);
      config = next;
      log.setLevel(next.log.level);
      pool?.reload();
      // An operator who fixed DNS or a port need not wait for the backoff.
      acme?.check({ force: true });
    },
    async shutdown(timeoutMs = 30_000) {
      unwatch();
      acme?.stop();
      await metricsEndpoint?.close();
      await Promise.all([...served.values()].map((l) => l.drain(timeoutMs)));
      await pool?.shutdown(timeoutMs);
      for (const f of fronts) await f.close().catch(() => undefined);
      maintenance.stop();
      await outbound.stop();
      await sweeper.stop();
      await pruner.stop();
      await campaign.stop();
      await heartbeat.stop();
      await store.close();
    },
  };
}
