/**
 * A TCP listener for any of the protocols: connection limits (total, and per client address like
 * Postfix's smtpd_client_connection_count_limit and Dovecot's mail_max_userip_connections),
 * implicit TLS through the shared transport (RFC 8314), one session per connection, and `drain`
 * for SIGTERM: stop accepting, let sessions finish what they have in flight, close the rest.
 *
 * A full listener does not turn new clients away while it holds connections that cost an attacker
 * nothing to keep: the oldest implicit-TLS handshake still waiting, else the oldest idle session
 * that has not signed in, else (MX) the oldest idle one in a transaction, gives way to the new
 * client. So a flood of idle connections from many addresses cannot shut out a new sender or a
 * user's next connection; signed-in sessions and work in flight are never evicted.
 */
import { createServer, type Server, type Socket } from "node:net";
import { newSessionId, type Logger } from "../log/index.ts";
import { Connection, normalizeIp, type TlsTransport } from "../tls/index.ts";
import { connectionKey } from "./client-key.ts";
import { AddressCounts, boundPort, listenOn } from "./tcp-server.ts";
import type { EvictionRank } from "./session.ts";

/** What a listener needs of a protocol session. */
export interface ProtocolSession {
  readonly conn: Connection;
  start(): void;
  /** Shut down: close now if idle, else after the work in flight. */
  drain(): void;
  /** How cheaply it can give way to a new client now; null: not at all. */
  readonly evictionRank: EvictionRank;
  /** When it started (ms since the epoch): of two that may give way, the older does. */
  readonly startedAt: number;
  /** Says goodbye and closes at once (its slot is free when this returns). */
  evict(): void;
}

export type Refusal = "shutting-down" | "too-many-connections" | "too-many-from-address";

/** Told of every session that ends (the metrics count them by protocol and TLS version). */
interface SessionObserver {
  /** `tlsVersion`: what the session ended on ("TLSv1.3"), null if it never started TLS. */
  sessionEnded(protocol: string, tlsVersion: string | null): void;
}

/** What every protocol's listener is configured with (the protocol adds its own). */
export interface ListenerBase {
  name: string;
  address: string;
  port: number;
  implicitTls: boolean;
  transport: TlsTransport;
  maxConnections: () => number;
  maxConnectionsPerIp: () => number;
  log: Logger;
}

interface ListenerOptions extends ListenerBase {
  /** Protocol name for the TLS audit ("smtp", "submission", "imap", "pop3"). */
  protocol: string;
  /** The protocol's words for turning a client away (SMTP 421, POP3 -ERR, IMAP * BYE). */
  refusal: (why: Refusal, clientIp: string) => string;
  /** `log`: the connection's logger, bound to its session id, protocol and client address. */
  createSession: (conn: Connection, log: Logger, onClosed: () => void) => ProtocolSession;
  log: Logger;
}

export class Listener {
  readonly #opts: ListenerOptions;
  readonly #server: Server;
  /** Oldest first (a Set iterates in insertion order). */
  readonly #sessions = new Set<ProtocolSession>();
  /** Implicit-TLS handshakes in progress, oldest first, each with its way to give up. */
  readonly #handshakes = new Map<Socket, { abort: AbortController; startedAt: number }>();
  readonly #perIp = new AddressCounts();
  readonly #observers: SessionObserver[] = [];
  #draining = false;

  constructor(opts: ListenerOptions) {
    this.#opts = opts;
    this.#server = createServer({ noDelay: true }, (socket) => this.#onConnection(socket));
  }

  get name(): string {
    return this.#opts.name;
  }

  get port(): number {
    return boundPort(this.#server, this.#opts.port);
  }

  /** Bound and accepting: false before `listen` and from the start of `drain`. */
  get listening(): boolean {
    return this.#server.listening && !this.#draining;
  }

  get activeSessions(): number {
    return this.#sessions.size;
  }

  /** Adds an observer of ended sessions. */
  observe(observer: SessionObserver): void {
    this.#observers.push(observer);
  }

  listen(): Promise<void> {
    return listenOn(this.#server, this.#opts.address, this.#opts.port);
  }

  #onConnection(socket: Socket): void {
    socket.on("error", () => undefined);
    const { id, log } = this.#identify(socket);
    if (this.#draining) return this.#refuse(socket, log, "shutting-down");
    const release = this.#perIp.take(socket.remoteAddress, this.#opts.maxConnectionsPerIp());
    if (release === null) return this.#refuse(socket, log, "too-many-from-address");
    this.#serve(socket, id, log, release);
  }

  /**
   * A connection the primary process accepted and handed to this worker (src/workers): the
   * primary counted it against the per-address limit (the count is global there) and may already
   * have refused it; this process holds its share of the total. `release` tells the primary the
   * connection has ended, exactly once.
   */
  adopt(socket: Socket, refusal: Refusal | null, release: () => void): void {
    socket.on("error", () => undefined);
    const { id, log } = this.#identify(socket);
    const why = refusal ?? (this.#draining ? "shutting-down" : null);
    if (why !== null) {
      this.#refuse(socket, log, why);
      release();
      return;
    }
    this.#serve(socket, id, log, release);
  }

  /** One id per connection, from here on: its TLS event, log lines and login rows share it. */
  #identify(socket: Socket): { id: string; log: Logger } {
    const id = newSessionId();
    return { id, log: this.#opts.log.child({ session: id, proto: this.#opts.protocol, client: normalizeIp(socket.remoteAddress) }) };
  }

  #refuse(socket: Socket, log: Logger, why: Refusal): void {
    log.info("connection refused", { reason: why });
    // Implicit-TLS listeners cannot speak the protocol before a handshake: just close.
    if (this.#opts.implicitTls) socket.destroy();
    else socket.end(this.#opts.refusal(why, connectionKey(normalizeIp(socket.remoteAddress))));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** Within the total (making room if it can), then the handshake and the session; `done` frees the address's slot, once. */
  #serve(socket: Socket, id: string, log: Logger, done: () => void): void {
    if (this.#sessions.size + this.#handshakes.size >= this.#opts.maxConnections() && !this.#evictOne()) {
      done();
      return this.#refuse(socket, log, "too-many-connections");
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      done();
    };
    if (!this.#opts.implicitTls) {
      this.#startSession(new Connection(socket, this.#opts.transport, id), log, release);
      return;
    }
    const abort = new AbortController();
    this.#handshakes.set(socket, { abort, startedAt: Date.now() });
    this.#opts.transport
      .accept(socket, { protocol: this.#opts.protocol, port: this.port, mode: "implicit", session: id }, { signal: abort.signal })
      .then((r) => {
        this.#handshakes.delete(socket);
        if (r.ok) this.#startSession(new Connection(socket, this.#opts.transport, id, { socket: r.socket, info: r.info }), log, release);
        else release();
      })
      .catch((e: unknown) => {
        this.#handshakes.delete(socket);
        release();
        log.error(`${this.#opts.name}: implicit TLS accept failed`, e);
      });
  }

  /**
   * Frees one slot for a new client: the oldest of those waiting on their client without having
   * signed in — an implicit-TLS handshake or an idle session, by age, so a stream of bare connects
   * cannot push out real clients' handshakes — else the oldest idle one in a transaction. False if
   * none may go.
   */
  #evictOne(): boolean {
    let idle: ProtocolSession | null = null;
    let inTransaction: ProtocolSession | null = null;
    // Sessions iterate oldest first: the first idle one is the oldest.
    for (const s of this.#sessions) {
      const rank = s.evictionRank;
      if (rank === "idle") {
        idle = s;
        break;
      }
      if (rank === "transaction") inTransaction ??= s;
    }
    const handshake = this.#handshakes.entries().next().value;
    if (handshake !== undefined && (idle === null || handshake[1].startedAt <= idle.startedAt)) {
      const [socket, { abort }] = handshake;
      this.#handshakes.delete(socket);
      abort.abort("gave way to a new client: too many connections");
      return true;
    }
    const victim = idle ?? inTransaction;
    if (victim === null) return false;
    victim.evict();
    return true;
  }

  #startSession(conn: Connection, log: Logger, release: () => void): void {
    if (this.#draining) {
      conn.destroy();
      release();
      return;
    }
    const session = this.#opts.createSession(conn, log, () => {
      this.#sessions.delete(session);
      release();
      for (const o of this.#observers) o.sessionEnded(this.#opts.protocol, conn.tls?.version ?? null);
    });
    this.#sessions.add(session);
    session.start();
  }

  /** SIGTERM: stop accepting; idle sessions close now, busy ones after their work in flight. */
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
