/**
 * Client auto-configuration on the web listener (issue 14), whatever the Host header
 * (autoconfig.DOMAIN, autodiscover.DOMAIN, DOMAIN or the server's own name):
 *
 * - `GET /mail/config-v1.1.xml` and `/.well-known/autoconfig/mail/config-v1.1.xml`: Thunderbird's
 *   autoconfig for the domain of `?emailaddress=` (or of the Host header minus `autoconfig.`);
 * - `POST /autodiscover/autodiscover.xml` (any case: clients differ): Outlook's Autodiscover (POX);
 * - `GET /account/mail.mobileconfig`: the signed-in account's Apple configuration profile.
 *
 * Only hosted domains get settings (a relay domain's mailboxes are elsewhere). The documents are
 * built in autoconfig.ts; this file only finds the domain and the address and answers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isHostedDomain, normalizeDomain } from "../directory/index.ts";
import { appleProfile, autodiscoverError, autodiscoverResponse, AutodiscoverCode, OUTLOOK_SCHEMA, thunderbirdConfig } from "./autoconfig.ts";
import { readAutodiscoverRequest } from "./autodiscover-request.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html } from "./html.ts";
import { notice, sendPage } from "./page.ts";

const THUNDERBIRD_PATHS = ["/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"];
/** Outlook asks for `/autodiscover/autodiscover.xml`, others `/Autodiscover/Autodiscover.xml`. */
const AUTODISCOVER_PATHS = ["/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml", "/AutoDiscover/AutoDiscover.xml"];
/** An Outlook request is about 400 bytes; nothing here needs more. */
const AUTODISCOVER_BODY_LIMIT = 8 * 1024;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets. */
const ADDRESS_MAX = 254;
const XML_TYPE = "application/xml; charset=utf-8";

/**
 * An address as a client gives it: the local part as typed (the documents escape it; Sealpost's
 * sign-in folds case itself) and the domain normalised. Null without one "@", with white space or
 * control characters, too long, or with a domain that is no domain name.
 */
function askedAddress(raw: string): { address: string; domain: string } | null {
  const at = raw.lastIndexOf("@");
  if (raw.length > ADDRESS_MAX || at <= 0 || /[\s\p{Cc}]/u.test(raw)) return null;
  const domain = hostDomain(raw.slice(at + 1));
  return domain === null ? null : { address: `${raw.slice(0, at)}@${domain}`, domain };
}

function hostDomain(name: string): string | null {
  try {
    return normalizeDomain(name);
  } catch {
    return null;
  }
}

function badRequest(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(req, reply, req.t.errors.badRequest, html`${notice("problem", req.t.errors.badRequest)}`, 400);
}

export function registerAutoconfig(app: FastifyInstance, deps: WebDeps): void {
  // Its own scope: the XML body parser (text, at most 8 KiB) applies to these routes only.
  void app.register((scope, _opts, done) => {
    scope.addContentTypeParser(["text/xml", "application/xml"], { parseAs: "string", bodyLimit: AUTODISCOVER_BODY_LIMIT }, (_req, body, parsed) => parsed(null, body));

    for (const path of THUNDERBIRD_PATHS) {
      scope.get(path, async (req, reply) => {
        const q = req.query as Record<string, unknown>;
        const raw = q.emailaddress;
        let asked: { address: string; domain: string } | null = null;
        if (raw !== undefined) {
          if (typeof raw !== "string" || (asked = askedAddress(raw)) === null) return badRequest(req, reply);
        }
        const domain = asked?.domain ?? hostDomain(req.hostname.replace(/^autoconfig\./i, ""));
        if (domain === null || !(await isHostedDomain(deps.db, domain))) return reply.callNotFound();
        // An address in the answer is a person's: not kept by caches on the way.
        return reply
          .header("content-type", XML_TYPE)
          .header("cache-control", asked === null ? "public, max-age=3600" : "no-store")
          .send(thunderbirdConfig(deps.mailSettings(), domain, asked?.address ?? null));
      });
    }

    for (const path of AUTODISCOVER_PATHS) {
      // Errors are Autodiscover error documents (MS-OXDSCLI §2.2.4.1.1.3) with a 4xx status: the
      // document says why, and the status tells Outlook this URL has no settings for the address, so
      // it goes on to its next candidate (a 200 would end its search with nothing).
      scope.post(path, async (req, reply) => {
        const error = (status: number, code: (typeof AutodiscoverCode)[keyof typeof AutodiscoverCode], message: string): FastifyReply =>
          reply.code(status).header("content-type", XML_TYPE).header("cache-control", "no-store").send(autodiscoverError(code, message, new Date()));
        const request = typeof req.body === "string" ? readAutodiscoverRequest(req.body) : null;
        if (request === null) return error(400, AutodiscoverCode.INVALID_REQUEST, "Invalid Request");
        if (request.schema !== null && request.schema !== OUTLOOK_SCHEMA) return error(400, AutodiscoverCode.NO_SUCH_SCHEMA, "No configuration of the requested type");
        const asked = askedAddress(request.address);
        if (asked === null) return error(400, AutodiscoverCode.INVALID_REQUEST, "Invalid Request");
        if (!(await isHostedDomain(deps.db, asked.domain))) return error(404, AutodiscoverCode.NOT_FOUND, "The email address cannot be found");
        return reply.header("content-type", XML_TYPE).header("cache-control", "no-store").send(autodiscoverResponse(deps.mailSettings(), asked.address));
      });
      // RFC 9110 §15.5.6: 405 names the methods the resource allows.
      scope.get(path, (_req, reply) => reply.code(405).header("allow", "POST").header("content-type", XML_TYPE).send(autodiscoverError(AutodiscoverCode.INVALID_REQUEST, "Invalid Request", new Date())));
    }

    scope.get("/account/mail.mobileconfig", { preHandler: requireUser }, async (req, reply) => {
      const user = req.user;
      if (user === null) throw new Error("profile without a user");
      const profile = user.mailbox ? appleProfile(deps.mailSettings(), user.address, req.t.account) : null;
      if (profile === null) return reply.callNotFound();
      return reply
        .header("content-type", "application/x-apple-aspen-config")
        .header("content-disposition", `attachment; filename="${profile.filename}"`)
        .header("cache-control", "no-store")
        .send(profile.body);
    });
    done();
  });
}
