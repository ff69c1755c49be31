/**
 * A worker process (`[process] workers` > 1): serves the mail connections the primary hands it,
 * on its own event loop and its own connection to the database, and asks the primary for what
 * is global (src/workers). It opens the store, loads the certificates and watches them as the
 * primary does; it runs nothing scheduled but the cut-off watch its legacy listeners read.
 */
import { CutoffWatch } from "../campaign/index.ts";
import { processClock } from "../clock/index.ts";
import { loadConfig } from "../config/index.ts";
import { AuditLog } from "../audit/index.ts";
import { Authenticator } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import { Metrics } from "../metrics/index.ts";
import type { Listener } from "../net/index.ts";
import { openStore } from "../store/index.ts";
import { PrimaryLink } from "../workers/index.ts";
import { createMailListeners, legacyGateOf } from "./mail.ts";
import { acmeCertificates, authLimits, storeOptions } from "./settings.ts";
import { recordTlsEvent, ServerTls } from "./tls.ts";

/** How often a worker reads the cut-off again (the primary's scheduler does the same). */
const CUTOFF_REFRESH_MS = 10_000;

export async function runWorker(dataDir: string, log: Logger): Promise<void> {
  // The primary coordinates the signals: it tells the workers to reload or to drain.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => undefined);
  const link = await PrimaryLink.connect();
  let config = loadConfig(dataDir);
  log.setLevel(config.log.level);
  const clock = processClock();
  const store = await openStore(dataDir, storeOptions(dataDir, () => config, log));
  const audit = new AuditLog(store.committer);
  const cutoff = new CutoffWatch(store.db, () => clock.now());
  await cutoff.refresh();
  const refreshCutoff = (): void => void cutoff.refresh().catch((e: unknown) => log.error("worker: reading the cut-off failed", e));
  const timer = setInterval(refreshCutoff, CUTOFF_REFRESH_MS);
  timer.unref();
  const stopJumps = clock.onJump(refreshCutoff);
  let listeners = new Map<string, Listener>();
  // The queue and the certificates are the primary's to report; a scrape adds the processes up.
  const metrics = new Metrics({
    openSessions: () => [...listeners].map(([name, l]) => [name, l.activeSessions]),
    queue: () => Promise.resolve({ messages: 0, oldestCreatedAt: null }),
    certificates: () => [],
  });
  // The certificates ACME keeps are the primary's to order; a worker loads them when it says so.
  const tls = await ServerTls.load({ config: () => config, onEvent: recordTlsEvent(audit, metrics, log), cutoffPassed: () => cutoff.passed(), managed: acmeCertificates(dataDir), log });
  const legacyGate = legacyGateOf(clock, cutoff);
  const auth = new Authenticator(store.db, audit, () => authLimits(config), { gate: link, observer: metrics, legacy: legacyGate });
  // With a bus (PostgreSQL) every process hears every other's changes already (src/store/pg-notify.ts).
  if (store.bus === null) link.relayChanges(store);
  listeners = createMailListeners({
    config: () => config,
    store,
    audit,
    auth,
    tls,
    log,
    legacyGate,
    wake: () => link.wake(),
    accepted: (p) => metrics.messageIn(p),
    ports: link.ports,
    workers: link.workers,
  });
  for (const l of listeners.values()) l.observe(metrics);
  const unwatch = tls.watch(log);
  link.ready({
    connection: (name, socket, refusal, release) => {
      const l = listeners.get(name);
      if (l === undefined) {
        socket.destroy();
        return release();
      }
      l.adopt(socket, refusal, release);
    },
    metrics: () => metrics.registry.getMetricsAsJSON(),
    async reload() {
      const next = loadConfig(dataDir);
      await tls.reload(next);
      config = next;
      log.setLevel(next.log.level);
    },
    async certificates() {
      await tls.reloadManaged().catch((e: unknown) => log.error("worker: loading the certificates ACME keeps failed; the previous ones stay in use", e));
    },
    async drain(timeoutMs) {
      unwatch();
      stopJumps();
      clearInterval(timer);
      await Promise.all([...listeners.values()].map((l) => l.drain(timeoutMs)));
      await store.close();
    },
  });
}
