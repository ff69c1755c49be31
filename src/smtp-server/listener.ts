/** An SMTP listener: the shared listener with SMTP's sessions and its 421 refusals. */
import { Listener, type ListenerBase, type Refusal } from "../net/index.ts";
import { Code, Status, formatReply } from "../smtp/index.ts";
import { Session } from "./session.ts";
import type { SmtpAuditSink, SmtpLimits, SmtpRole } from "./types.ts";

interface SmtpListenerOptions extends ListenerBase {
  hostname: () => string;
  role: SmtpRole;
  limits: () => SmtpLimits;
  tlsAvailable: () => boolean;
  audit: SmtpAuditSink;
}

const REFUSAL_TEXT: Record<Refusal, (ip: string) => string> = {
  "shutting-down": () => "Service shutting down",
  "too-many-connections": () => "Error: too many connections",
  "too-many-from-address": (ip) => `Error: too many connections from ${ip}`,
};

export function createSmtpListener(opts: SmtpListenerOptions): Listener {
  return new Listener({
    name: opts.name,
    address: opts.address,
    port: opts.port,
    implicitTls: opts.implicitTls,
    protocol: opts.role.protocol,
    transport: opts.transport,
    maxConnections: opts.maxConnections,
    maxConnectionsPerIp: opts.maxConnectionsPerIp,
    // RFC 5321 §3.1: a server may refuse a connection with 421 in its greeting.
    refusal: (why, ip) =>
      formatReply({ code: Code.SERVICE_UNAVAILABLE, status: Status.POLICY_TEMP, text: `${opts.hostname()} ${REFUSAL_TEXT[why](ip)}` }),
    createSession: (conn, log, onClosed) =>
      new Session({
        conn,
        hostname: opts.hostname(),
        role: opts.role,
        limits: opts.limits(),
        audit: opts.audit,
        tlsAvailable: opts.tlsAvailable(),
        log,
        onClosed,
      }),
    log: opts.log,
  });
}
