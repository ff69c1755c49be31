/**
 * A small plain-HTTP endpoint (node:http) for what needs no TLS and no session: the metrics for
 * the scraper on loopback, the port-80 redirect to HTTPS. Bounded like the mail listeners: short
 * header and request deadlines; the handler reads no body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

interface HttpEndpointOptions {
  address: string;
  port: number;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

export class HttpEndpoint {
  readonly #opts: HttpEndpointOptions;
  readonly #server: Server;

  constructor(opts: HttpEndpointOptions) {
    this.#opts = opts;
    this.#server = createServer({ headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 }, (req, res) => opts.handle(req, res));
  }

  get port(): number {
    const addr = this.#server.address();
    return typeof addr === "object" && addr !== null ? addr.port : this.#opts.port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host: this.#opts.address, port: this.#opts.port }, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  /** Stops accepting and closes open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
