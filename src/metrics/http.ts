/**
 * The metrics endpoint: plain HTTP (node:http), `GET /metrics` and nothing else — any other path
 * is 404, another method on /metrics 405 (RFC 9110 §15.5.6, with Allow). Bounded like the mail
 * listeners: short header and request deadlines, no request body read.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpEndpoint, sendText } from "../net/index.ts";

interface MetricsEndpointOptions {
  address: string;
  port: number;
  scrape: () => Promise<{ contentType: string; body: string }>;
  log: (msg: string, err?: unknown) => void;
}

export class MetricsEndpoint {
  readonly #opts: MetricsEndpointOptions;
  readonly #endpoint: HttpEndpoint;

  constructor(opts: MetricsEndpointOptions) {
    this.#opts = opts;
    this.#endpoint = new HttpEndpoint({ address: opts.address, port: opts.port, handle: (req, res) => this.#handle(req, res) });
  }

  get port(): number {
    return this.#endpoint.port;
  }

  listen(): Promise<void> {
    return this.#endpoint.listen();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    // Only the path counts: a query string (some scrapers add one) is ignored.
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics") return sendText(res, 404, "Not found: the metrics are at /metrics\n");
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "Method not allowed\n", { Allow: "GET, HEAD" });
    this.#opts
      .scrape()
      .then(({ contentType, body }) => {
        res.writeHead(200, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      })
      .catch((e: unknown) => {
        this.#opts.log("metrics: collecting failed", e);
        sendText(res, 500, "Collecting the metrics failed; see the server log\n");
      });
  }

  /** Stops accepting and closes open connections. */
  close(): Promise<void> {
    return this.#endpoint.close();
  }
}
