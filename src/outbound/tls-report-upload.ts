/**
 * A TLS report's HTTPS upload (RFC 8460 §5.4): POST of the gzipped JSON as
 * `application/tlsrpt+gzip` to the `https:` URI of the domain's rua, any 2xx meaning received. The
 * host is resolved through our Resolver and, unless `[tls_reports] https_private` allows it, every
 * address of the answer must be public: a TXT record anyone can publish must not make this server
 * send requests into its own network. The certificate is checked against the URI's host (the
 * system's roots and `[delivery] ca_file`); no redirects are followed; one deadline covers it all.
 */
import { request } from "node:https";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { rootCertificates } from "node:tls";
import { addressScope, resolverLookup, type Resolver } from "../dns/index.ts";

const DEFAULT_TIMEOUT_MS = 30_000;

interface UploadOptions {
  resolver: Resolver;
  /** Extra trust anchors (PEM), besides the system's roots. */
  ca: readonly string[];
  /** Private, loopback and link-local addresses allowed (tests, and a receiver on one's own network). */
  allowPrivate: boolean;
  timeoutMs?: number;
}

type UploadResult = { ok: true; status: number } | { ok: false; error: string };

/** `resolver` whose answers are refused when any address in them is not public. */
function publicAnswers(resolver: Resolver): Resolver {
  return {
    ...resolver,
    addresses: async (host) => {
      const found = await resolver.addresses(host);
      const refused = found.find((a) => addressScope(a) !== null);
      if (refused !== undefined) throw new Error(`${host} resolves to ${refused} (${addressScope(refused)}), not a public address`);
      return found;
    },
  };
}

/** POSTs `body` to `url`; every failure comes back as an error string (no secrets in it). */
export function uploadReport(url: string, body: Buffer, o: UploadOptions): Promise<UploadResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, error: "not a URL" });
  }
  if (target.protocol !== "https:") return Promise.resolve({ ok: false, error: "not an https: URL" });
  const host = target.hostname.replace(/^\[|\]$/g, "");
  // An address literal is never looked up: judge it here.
  const literalScope = isIP(host) !== 0 ? addressScope(host) : null;
  if (literalScope !== null && !o.allowPrivate) return Promise.resolve({ ok: false, error: `${host} is not a public address (${literalScope})` });
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: UploadResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({
      host,
      port: target.port === "" ? 443 : Number(target.port),
      path: `${target.pathname}${target.search}`,
      method: "POST",
      // SNI carries a name, never an address (RFC 6066 §3).
      ...(isIP(host) === 0 ? { servername: host } : {}),
      lookup: resolverLookup(o.allowPrivate ? o.resolver : publicAnswers(o.resolver)),
      ca: [...rootCertificates, ...o.ca],
      minVersion: "TLSv1.2",
      agent: false,
      headers: { "content-type": "application/tlsrpt+gzip", "content-length": String(body.length), connection: "close" },
    });
    // A deadline from the start, not an idle timer: a receiver that trickles gets no more time.
    const timer = setTimeout(() => finish({ ok: false, error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code === undefined ? err.message : `${err.code}: ${err.message}` }));
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      // §5.4: a 2xx says the report was received; anything else (a redirect too) is a failure.
      finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, error: `HTTP ${status}` });
    });
    req.end(body);
  });
}
