/**
 * The metrics endpoint: plain HTTP (node:http), `GET /metrics` and nothing else — any other path
 * is 404, another method on /metrics 405 (RFC 9110 §15.5.6, with Allow). Bounded like the mail
 * listeners: short header and request deadlines, no request body read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

interface MetricsEndpointOptions {
  address: string;
  port: number;
  scrape: () => Promise<{ contentType: string; body: string }>;
  log: (msg: string, err?: unknown) => void;
}

export class MetricsEndpoint {
  readonly #opts: MetricsEndpointOptions;
  readonly #server: Server;

  constructor(opts: MetricsEndpointOptions) {
    this.#opts = opts;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 15_000;
    this.#server.keepAliveTimeout = 5_000;
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

  #handle(req: IncomingMessage, res: ServerResponse): void {
    // Only the path counts: a query string (some scrapers add one) is ignored.
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics") return text(res, 404, "Not found: the metrics are at /metrics\n");
    if (req.method !== "GET" && req.method !== "HEAD") return text(res, 405, "Method not allowed\n", { Allow: "GET, HEAD" });
    this.#opts
      .scrape()
      .then(({ contentType, body }) => {
        res.writeHead(200, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      })
      .catch((e: unknown) => {
        this.#opts.log("metrics: collecting failed", e);
        text(res, 500, "Collecting the metrics failed; see the server log\n");
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

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
