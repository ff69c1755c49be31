/**
 * An SMTP listener: accepts TCP connections, enforces the connection limits (total and per client
 * address, Postfix's smtpd_client_connection_count_limit), runs implicit TLS where configured
 * (RFC 8314) and starts a session per connection. `drain` implements SIGTERM: stop accepting,
 * let transactions in flight finish, close idle sessions with 421.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Code, Status, formatReply } from "../smtp/index.ts";
import { Connection, normalizeIp, type TlsTransport } from "../tls/index.ts";
import { Session } from "./session.ts";
import type { SmtpAuditSink, SmtpLimits, SmtpRole } from "./types.ts";

export interface SmtpListenerOptions {
  name: string;
  address: string;
  port: number;
  implicitTls: boolean;
  hostname: () => string;
  role: SmtpRole;
  limits: () => SmtpLimits;
  maxConnections: () => number;
  maxConnectionsPerIp: () => number;
  transport: TlsTransport;
  tlsAvailable: () => boolean;
  audit: SmtpAuditSink;
  log: (msg: string, err?: unknown) => void;
}

export class SmtpListener {
  readonly #opts: SmtpListenerOptions;
  readonly #server: Server;
  readonly #sessions = new Set<Session>();
  readonly #perIp = new Map<string, number>();
  #draining = false;

  constructor(opts: SmtpListenerOptions) {
    this.#opts = opts;
    this.#server = createServer({ noDelay: true }, (socket) => this.#onConnection(socket));
  }

  get port(): number {
    const addr = this.#server.address();
    return typeof addr === "object" && addr !== null ? addr.port : this.#opts.port;
  }

  get activeSessions(): number {
    return this.#sessions.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host: this.#opts.address, port: this.#opts.port, backlog: 511 }, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  #onConnection(socket: Socket): void {
    socket.on("error", () => undefined);
    const ip = normalizeIp(socket.remoteAddress);
    const hostname = this.#opts.hostname();
    const refuse = (text: string): void => {
      socket.end(formatReply({ code: Code.SERVICE_UNAVAILABLE, status: Status.POLICY_TEMP, text: `${hostname} ${text}` }));
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (this.#draining) {
      refuse("Service shutting down");
      return;
    }
    if (this.#sessions.size >= this.#opts.maxConnections()) {
      refuse("Error: too many connections");
      return;
    }
    const count = this.#perIp.get(ip) ?? 0;
    if (count >= this.#opts.maxConnectionsPerIp()) {
      refuse(`Error: too many connections from ${ip}`);
      return;
    }
    this.#perIp.set(ip, count + 1);
    const release = (): void => {
      const n = (this.#perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, n);
    };
    if (!this.#opts.implicitTls) {
      this.#startSession(new Connection(socket, this.#opts.transport), release);
      return;
    }
    this.#opts.transport
      .accept(socket, { protocol: this.#opts.role.protocol, port: this.port, mode: "implicit" })
      .then((r) => {
        if (r.ok) this.#startSession(new Connection(socket, this.#opts.transport, { socket: r.socket, info: r.info }), release);
        else release();
      })
      .catch((e: unknown) => {
        release();
        this.#opts.log("implicit TLS accept failed", e);
      });
  }

  #startSession(conn: Connection, release: () => void): void {
    const session = new Session({
      conn,
      hostname: this.#opts.hostname(),
      role: this.#opts.role,
      limits: this.#opts.limits(),
      audit: this.#opts.audit,
      tlsAvailable: this.#opts.tlsAvailable(),
      upgrade: async (c) => (await c.upgrade({ protocol: this.#opts.role.protocol })) !== null,
      onLog: this.#opts.log,
      onClosed: (s) => {
        this.#sessions.delete(s);
        release();
      },
    });
    this.#sessions.add(session);
    session.start();
  }

  /** SIGTERM: stop accepting; idle sessions get 421 now, busy ones when their transaction ends. */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sessions) s.drain();
    const deadline = Date.now() + timeoutMs;
    while (this.#sessions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const s of this.#sessions) s.conn.destroy();
    await closed;
  }
}
