/** POP3 listeners: 110 with STLS and 995 with implicit TLS (RFC 8314). */
import type { Authenticator } from "../auth/index.ts";
import { Listener, type ListenerBase, type Refusal } from "../net/index.ts";
import type { Store } from "../store/index.ts";
import { errLine, RespCode } from "./replies.ts";
import { Pop3Session, type Pop3Limits } from "./session.ts";

interface Pop3ListenerOptions extends ListenerBase {
  store: Store;
  auth: Authenticator;
  limits: () => Pop3Limits;
}

const REFUSALS: Record<Refusal, string> = {
  "shutting-down": "Server shutting down.",
  "too-many-connections": "Too many connections.",
  "too-many-from-address": "Too many connections from your address.",
};

export function createPop3Listener(opts: Pop3ListenerOptions): Listener {
  return new Listener({
    name: opts.name,
    address: opts.address,
    port: opts.port,
    implicitTls: opts.implicitTls,
    protocol: "pop3",
    transport: opts.transport,
    maxConnections: opts.maxConnections,
    maxConnectionsPerIp: opts.maxConnectionsPerIp,
    refusal: (why) => errLine(REFUSALS[why], RespCode.SYS_TEMP),
    createSession: (conn, log, onClosed) =>
      new Pop3Session({ conn, store: opts.store, auth: opts.auth, limits: opts.limits(), tlsAvailable: true, log, onClosed }),
    log: opts.log,
  });
}
