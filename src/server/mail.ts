/**
 * The mail listeners — MX, submission, IMAP, POP3 and the legacy endpoint's — as the process that
 * serves the connections builds them: the only process, or each worker (src/workers), where the
 * listeners do not listen but adopt the connections the primary hands them.
 */
import type { AuditLog } from "../audit/index.ts";
import type { CutoffWatch } from "../campaign/index.ts";
import type { Clock } from "../clock/index.ts";
import type { Authenticator, LegacyGate } from "../auth/index.ts";
import type { Config } from "../config/index.ts";
import { createImapListener } from "../imap-server/index.ts";
import type { Logger } from "../log/index.ts";
import type { Listener } from "../net/index.ts";
import { createPop3Listener } from "../pop3-server/index.ts";
import { LegacyMxRole, MxRole, SenderCheck, SubmissionRole, createSmtpListener, smtpAuditSink } from "../smtp-server/index.ts";
import type { Store } from "../store/index.ts";
import { imapLimits, pop3Limits, senderCheckSettings, smtpLimits } from "./settings.ts";
import type { ServerTls } from "./tls.ts";

interface MailDeps {
  config: () => Config;
  store: Store;
  audit: AuditLog;
  auth: Authenticator;
  tls: ServerTls;
  log: Logger;
  legacyGate: LegacyGate;
  /** Wakes the outbound queue runner (in a worker: the primary's). */
  wake: () => void;
  /** A message was accepted (the metrics count it). */
  accepted: (protocol: string) => void;
  /** The ports the primary bound (a worker's listeners report them; port 0 in tests becomes the real one). */
  ports?: ReadonlyMap<string, number>;
  /** How many worker processes share the total of connections (each holds ceil(total / workers)); default 1. */
  workers?: number;
}

/** What a legacy endpoint's sign-ins and the legacy MX are checked against (issue 12): the server's clock and the cut-off. */
export function legacyGateOf(clock: Clock, cutoff: CutoffWatch): LegacyGate {
  return { now: () => clock.now(), cutoffPassed: () => (cutoff.passed() ? (cutoff.cutoff?.date ?? clock.now()) : null) };
}

/** The enabled mail listeners by name ("mx", "imaps", "legacy_pop3s", …). */
export function createMailListeners(d: MailDeps): Map<string, Listener> {
  const config = d.config();
  const listeners = new Map<string, Listener>();
  const hostname = (): string => d.config().hostname;
  const common = (name: keyof Config["listeners"]) => ({
    name,
    address: config.listeners[name].address,
    port: d.ports?.get(name) ?? config.listeners[name].port,
    transport: d.tls.transportFor(name),
    maxConnections: () => Math.ceil(d.config().connections.max_connections / (d.workers ?? 1)),
    maxConnectionsPerIp: () => d.config().connections.max_connections_per_ip,
    log: d.log,
  });
  const senders = new SenderCheck(d.store, d.audit, () => senderCheckSettings(d.config()), d.log);
  const mx = new MxRole(d.store, d.audit, d.wake, d.accepted, senders);
  const submission = new SubmissionRole(d.store, d.audit, d.auth, d.log, d.wake, d.accepted);
  const smtp = { hostname, limits: () => smtpLimits(d.config()), tlsAvailable: () => true, audit: smtpAuditSink(d.audit) };
  const smtpListeners = [["mx", false, mx], ["submission", false, submission], ["submissions", true, submission]] as const;
  for (const [name, implicitTls, role] of smtpListeners) {
    if (config.listeners[name].enabled) listeners.set(name, createSmtpListener({ ...common(name), ...smtp, implicitTls, role }));
  }
  const imap = { hostname, store: d.store, auth: d.auth, limits: () => imapLimits(d.config()) };
  for (const [name, implicitTls] of [["imap", false], ["imaps", true]] as const) {
    if (config.listeners[name].enabled) listeners.set(name, createImapListener({ ...common(name), ...imap, implicitTls }));
  }
  const pop3 = { store: d.store, auth: d.auth, limits: () => pop3Limits(d.config()) };
  for (const [name, implicitTls] of [["pop3", false], ["pop3s", true]] as const) {
    if (config.listeners[name].enabled) listeners.set(name, createPop3Listener({ ...common(name), ...pop3, implicitTls }));
  }
  // The legacy listeners: the main protocols on their own ports, with the legacy transport.
  const legacy = d.tls.legacyTransport();
  if (legacy !== null) {
    const l = config.listeners;
    if (l.legacy_imaps.enabled) listeners.set("legacy_imaps", createImapListener({ ...common("legacy_imaps"), transport: legacy, ...imap, implicitTls: true }));
    if (l.legacy_pop3s.enabled) listeners.set("legacy_pop3s", createPop3Listener({ ...common("legacy_pop3s"), transport: legacy, ...pop3, implicitTls: true }));
    if (l.legacy_submissions.enabled) listeners.set("legacy_submissions", createSmtpListener({ ...common("legacy_submissions"), transport: legacy, ...smtp, implicitTls: true, role: submission }));
    if (l.legacy_smtp.enabled) {
      const role = new LegacyMxRole(mx, d.store, d.audit, d.legacyGate);
      listeners.set("legacy_smtp", createSmtpListener({ ...common("legacy_smtp"), transport: legacy, ...smtp, implicitTls: false, role }));
    }
  }
  return listeners;
}
