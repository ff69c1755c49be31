/**
 * `[listeners.http]`: plain HTTP on port 80 that serves nothing but a permanent redirect to the
 * console's HTTPS address (RFC 9110 §15.4.2), built from the configured host name — never from the
 * request's Host header, so the redirect cannot be pointed elsewhere.
 */
import { HttpEndpoint, sendText } from "../net/index.ts";

export function createRedirectServer(opts: { address: string; port: number; target: () => { hostname: string; port: number } }): HttpEndpoint {
  return new HttpEndpoint({
    address: opts.address,
    port: opts.port,
    handle: (req, res) => {
      const { hostname, port } = opts.target();
      const path = /^\/[\x21-\x7e]*$/.test(req.url ?? "") ? (req.url ?? "/") : "/";
      const location = `https://${hostname}${port === 443 ? "" : `:${port}`}${path}`;
      sendText(res, 301, `Moved to ${location}\n`, { Location: location });
    },
  });
}
