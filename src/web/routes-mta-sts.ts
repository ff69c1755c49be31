/**
 * The MTA-STS policy of a hosted domain (RFC 8461 §3.2, §3.3): `GET /.well-known/mta-sts.txt` with
 * `Host: mta-sts.DOMAIN` answers 200 `text/plain` with the policy in the mode the domain publishes
 * (`sealpost domain set DOMAIN --mta-sts MODE`), naming this server's `hostname` as its one MX.
 *
 * A policy host serves the policy and nothing else: every other path on an `mta-sts.` host, the
 * policy path on any other host, and a domain without a policy get a plain 404 — no redirect (§3.3:
 * senders do not follow them), no cookie, no console page. It is answered before the console's
 * hooks run (no session lookup), with one row read by the domain's unique name: the CLI that
 * changes the mode may be another process, and the next request serves the change.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { normalizeDomain, publishedMtaSts } from "../directory/index.ts";
import { policyText } from "../mta-sts/index.ts";
import type { WebDeps } from "./deps.ts";
import { connectionOf } from "./listener.ts";

/** §3.3: "https://mta-sts.DOMAIN/.well-known/mta-sts.txt". */
const POLICY_PATH = "/.well-known/mta-sts.txt";
const POLICY_HOST = "mta-sts.";

/** The domain whose policy host `hostname` is (Fastify's hostname: the Host header without its port), or null. */
function policyDomain(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (!host.startsWith(POLICY_HOST)) return null;
  try {
    return normalizeDomain(host.slice(POLICY_HOST.length));
  } catch {
    return null;
  }
}

function plain(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header("content-type", "text/plain").send(body);
}

export function registerMtaSts(app: FastifyInstance, deps: WebDeps): void {
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split("?")[0];
    const isPolicyHost = req.hostname.toLowerCase().startsWith(POLICY_HOST);
    if (path !== POLICY_PATH && !isPolicyHost) return; // the console's
    const domain = policyDomain(req.hostname);
    if (path !== POLICY_PATH || domain === null) return plain(reply, 404, "Not found\n");
    // RFC 9110 §15.5.6: 405 names the methods the resource allows.
    if (req.method !== "GET" && req.method !== "HEAD") return plain(reply.header("allow", "GET, HEAD"), 405, "Method not allowed\n");
    const policy = await publishedMtaSts(deps.db, domain).catch((e: unknown) => {
      connectionOf(req.raw)?.log.error("MTA-STS policy: could not read the domain", e);
      return undefined;
    });
    if (policy === undefined) return plain(reply, 503, "Try again later\n");
    if (policy === null) return plain(reply, 404, "Not found\n");
    return plain(reply, 200, policyText(policy.mode, [deps.mailSettings().hostname]));
  });
}
