/**
 * Fetching the policy file (RFC 8461 §3.3): HTTPS GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 * with the host resolved through our Resolver (never the system's), SNI and certificate checked
 * against mta-sts.DOMAIN, no redirects, no HTTP caching, text/plain only, a size limit and a timeout.
 */
import { request } from "node:https";
import { rootCertificates } from "node:tls";
import type { IncomingMessage } from "node:http";
import { resolverLookup } from "../dns/index.ts";
import { parsePolicy, type ParsePolicyResult } from "./policy.ts";
import type { FetchOptions } from "./types.ts";

const POLICY_PATH = "/.well-known/mta-sts.txt";
/** §3.3: "senders SHOULD impose a limit on the maximum size of the response body (e.g. 64 KB)". */
export const MAX_POLICY_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Fetches and parses the policy of `domain`; every failure comes back as an error string. */
export function fetchPolicy(domain: string, opts: FetchOptions): Promise<ParsePolicyResult> {
  const host = `mta-sts.${domain}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ParsePolicyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const failWith = (what: string): void => finish({ ok: false, error: `fetch ${host}: ${what}` });
    const req = request({
      host,
      port: opts.port ?? 443,
      path: POLICY_PATH,
      method: "GET",
      servername: host,
      // Our resolver, not getaddrinfo; the certificate is still checked against `host`.
      lookup: resolverLookup(opts.resolver),
      ca: opts.ca === undefined ? undefined : [...rootCertificates, ...opts.ca],
      minVersion: "TLSv1.2",
      // A fresh connection each time: no pooled sockets, nothing cached (§3.3).
      agent: false,
      headers: { accept: "text/plain", "cache-control": "no-cache", connection: "close" },
    });
    const timer = setTimeout(() => failWith(`timed out after ${timeoutMs} ms`), timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => failWith(err.code === undefined ? err.message : `${err.code}: ${err.message}`));
    req.on("response", (res: IncomingMessage) => {
      // §3.3: "HTTP 3xx redirects MUST NOT be followed"; only 200 carries a policy.
      if (res.statusCode !== 200) return failWith(`HTTP ${res.statusCode ?? "?"}${isRedirect(res.statusCode) ? " (redirects are not followed)" : ""}`);
      const type = (res.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "text/plain") return failWith(`content type ${JSON.stringify(res.headers["content-type"] ?? "")} is not text/plain`);
      const declared = Number(res.headers["content-length"] ?? "0");
      if (declared > MAX_POLICY_BYTES) return failWith(`policy of ${declared} bytes exceeds ${MAX_POLICY_BYTES}`);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_POLICY_BYTES) return failWith(`policy exceeds ${MAX_POLICY_BYTES} bytes`);
        chunks.push(chunk);
      });
      res.on("error", (err: Error) => failWith(err.message));
      res.on("aborted", () => failWith("connection closed before the policy was complete"));
      res.on("end", () => finish(parsePolicy(Buffer.concat(chunks).toString("utf8"))));
    });
    req.end();
  });
}

function isRedirect(status: number | undefined): boolean {
  return status !== undefined && status >= 300 && status < 400;
}
