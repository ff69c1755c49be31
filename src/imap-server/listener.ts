/** IMAP listeners: 143 with STARTTLS and 993 with implicit TLS (RFC 8314). */
import type { Authenticator } from "../auth/index.ts";
import { Listener, type ListenerBase, type Refusal } from "../net/index.ts";
import type { Store } from "../store/index.ts";
import { ImapSession } from "./session.ts";
import type { ImapLimits } from "./session-options.ts";

interface ImapListenerOptions extends ListenerBase {
  hostname: () => string;
  store: Store;
  auth: Authenticator;
  limits: () => ImapLimits;
}

const REFUSALS: Record<Refusal, string> = {
  "shutting-down": "[UNAVAILABLE] Server shutting down.",
  "too-many-connections": "[UNAVAILABLE] Too many connections.",
  "too-many-from-address": "[UNAVAILABLE] Too many connections from your address.",
};

export function createImapListener(opts: ImapListenerOptions): Listener {
  return new Listener({
    name: opts.name,
    address: opts.address,
    port: opts.port,
    implicitTls: opts.implicitTls,
    protocol: "imap",
    transport: opts.transport,
    maxConnections: opts.maxConnections,
    maxConnectionsPerIp: opts.maxConnectionsPerIp,
    // RFC 9051 §7.1.5: a BYE greeting refuses the connection.
    refusal: (why) => `* BYE ${REFUSALS[why]}\r\n`,
    createSession: (conn, log, onClosed) =>
      new ImapSession({
        conn,
        store: opts.store,
        auth: opts.auth,
        hostname: opts.hostname(),
        limits: opts.limits(),
        tlsAvailable: true,
        log,
        onClosed,
      }),
    log: opts.log,
  });
}
