/**
 * `[listeners.http]`: plain HTTP on port 80 that serves two things only. While ACME's HTTP-01
 * challenge for a token is pending, `GET /.well-known/acme-challenge/TOKEN` gets its key
 * authorization (RFC 8555 §8.3), any other token there a 404. Everything else gets a permanent
 * redirect to the console's HTTPS address (RFC 9110 §15.4.2), built from the configured host
 * name — never from the request's Host header, so the redirect cannot be pointed elsewhere.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendText, type Listener, type ListenerBase } from "../net/index.ts";
import { createPlainHttpListener } from "./listener.ts";

/** RFC 8555 §8.3: where the CA asks for a token's key authorization. */
const CHALLENGE_PATH = "/.well-known/acme-challenge/";

interface PortEighty {
  /** The console's HTTPS address. */
  target: () => { hostname: string; port: number };
  /** The key authorization of a pending HTTP-01 challenge, or undefined. */
  keyAuthorization: (token: string) => string | undefined;
}

export function createHttpListener(base: Omit<ListenerBase, "implicitTls">, opts: PortEighty): Listener {
  return createPlainHttpListener(base, (req, res) => answer(req, res, opts));
}

function answer(req: IncomingMessage, res: ServerResponse, opts: PortEighty): void {
  const url = req.url ?? "/";
  if (url.startsWith(CHALLENGE_PATH)) {
    const pending = req.method === "GET" || req.method === "HEAD" ? opts.keyAuthorization(url.slice(CHALLENGE_PATH.length)) : undefined;
    if (pending === undefined) return sendText(res, 404, "Not found\n");
    // RFC 8555 §8.3: the body is the key authorization, nothing around it.
    return sendText(res, 200, pending, { "Content-Type": "application/octet-stream" });
  }
  const { hostname, port } = opts.target();
  const path = /^\/[\x21-\x7e]*$/.test(url) ? url : "/";
  const location = `https://${hostname}${port === 443 ? "" : `:${port}`}${path}`;
  sendText(res, 301, `Moved to ${location}\n`, { Location: location });
}
