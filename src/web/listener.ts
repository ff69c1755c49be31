/**
 * The `web` role on the shared listener and TLS transport: every connection gets the same limits,
 * eviction and drain as the mail ports, and its ClientHello is captured and judged by the same
 * policy (a TLS 1.0 browser is refused and recorded with the version it offered). A completed
 * handshake hands its TLS socket to node:http, which speaks HTTP/1.1 with deadlines: the request
 * head within `headersTimeout`, the whole request within `requestTimeout`, keep-alive idling ends.
 * Port 80's plain HTTP (`createPlainHttpListener`) runs on the same listener and deadlines.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../log/index.ts";
import { Listener, type ListenerBase, type ProtocolSession } from "../net/index.ts";
import type { Connection, TlsInfo } from "../tls/index.ts";

/** What a request knows of its connection: its id (log lines, TLS event, login row), TLS, port. */
export interface ConnectionInfo {
  id: string;
  tls: TlsInfo;
  port: number;
  clientIp: string;
  log: Logger;
}

/** HTTP deadlines (ms) and sizes, after Node's and nginx's defaults, tightened for a console. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_HEADER_SIZE = 16 * 1024;

/** The connection behind each TLS socket handed to node:http. */
const connections = new WeakMap<Socket, HttpConnection>();

/** The connection behind a request (every request on the web listener has one; plain HTTP's have none). */
export function connectionOf(req: IncomingMessage): ConnectionInfo | undefined {
  return connections.get(req.socket)?.info ?? undefined;
}

class HttpConnection implements ProtocolSession {
  readonly conn: Connection;
  readonly startedAt = Date.now();
  /** Null on plain HTTP (port 80), which serves no page that needs it. */
  readonly info: ConnectionInfo | null;
  readonly #server: Server;
  readonly #onClosed: () => void;
  #inFlight = 0;
  #draining = false;

  constructor(conn: Connection, info: ConnectionInfo | null, server: Server, onClosed: () => void) {
    this.conn = conn;
    this.info = info;
    this.#server = server;
    this.#onClosed = onClosed;
  }

  start(): void {
    const stream = this.conn.handOver(() => this.#onClosed());
    connections.set(stream, this);
    this.#server.emit("connection", stream);
  }

  /** A keep-alive connection between requests costs its client nothing: it may give way. */
  get evictionRank(): "idle" | null {
    return this.#inFlight === 0 ? "idle" : null;
  }

  requestStarted(): void {
    this.#inFlight++;
  }

  requestEnded(): void {
    this.#inFlight--;
    if (this.#draining && this.#inFlight === 0) this.conn.destroy();
  }

  drain(): void {
    this.#draining = true;
    if (this.#inFlight === 0) this.conn.destroy();
  }

  evict(): void {
    this.conn.destroy();
  }
}

/**
 * The HTTP/1.1 server the web listener feeds: deadlines and sizes set, requests counted per
 * connection (a connection between requests may give way to a new client). The application adds
 * its request handler (Fastify's `serverFactory`) and its own clientError answer.
 */
export function createHttpServer(): Server {
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, maxHeaderSize: MAX_HEADER_SIZE });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.get(req.socket);
    if (connection === undefined) return;
    connection.requestStarted();
    res.once("close", () => connection.requestEnded());
  });
  return server;
}

export function createWebListener(base: ListenerBase, server: Server): Listener {
  return new Listener({
    ...base,
    protocol: "web",
    // Implicit TLS: a refused client is closed after the TLS alert; there is no HTTP to speak yet.
    refusal: () => "",
    createSession: (conn, log, onClosed) => {
      if (conn.tls === null) throw new Error("the web listener runs on implicit TLS only");
      return new HttpConnection(conn, { id: conn.id, tls: conn.tls, port: conn.localPort, clientIp: conn.remoteAddress, log }, server, onClosed);
    },
  });
}

/** RFC 9110 §15.6.4: what a client over the limits hears on plain HTTP before the connection closes. */
const PLAIN_REFUSAL = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/**
 * Plain HTTP (port 80) on the shared listener — the connection limits, eviction and drain of every
 * port — and the same HTTP/1.1 deadlines and sizes as the console; `handle` answers each request.
 */
export function createPlainHttpListener(base: Omit<ListenerBase, "implicitTls">, handle: (req: IncomingMessage, res: ServerResponse) => void): Listener {
  const server = createHttpServer();
  server.on("request", handle);
  return new Listener({
    ...base,
    implicitTls: false,
    protocol: "http",
    refusal: () => PLAIN_REFUSAL,
    createSession: (conn, _log, onClosed) => new HttpConnection(conn, null, server, onClosed),
  });
}
