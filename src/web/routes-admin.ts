/**
 * The administration page (`/admin`), for the server's administrators only: the server's
 * listeners, certificates and TLS figures, the TLS 1.0/1.1 cut-off campaign, the queue with its actions, outbound TLS per
 * destination, domains and accounts — each part in its own file (`routes-admin-*.ts`), each
 * calling the functions the CLI calls. Every action is a POST with a CSRF token, checked after the
 * role (a user's own valid token does not make them an admin); it redirects back (303) with a
 * notice, or shows the page again with the problem.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { SignedIn } from "../auth/index.ts";
import type { WebDeps } from "./deps.ts";
import { requireAdmin } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { csrfField, notice, sendPage } from "./page.ts";
import { campaignSection } from "./routes-admin-campaign.ts";
import { directoryActions, directorySections } from "./routes-admin-directory.ts";
import type { AdminOutcome } from "./routes-admin-parts.ts";
import { queueActions, queueSection } from "./routes-admin-queue.ts";
import { serverSections } from "./routes-admin-server.ts";
import type { Text } from "./text-en.ts";

async function adminPage(deps: WebDeps, req: FastifyRequest, reply: FastifyReply, message: Html | "", status = 200): Promise<FastifyReply> {
  const t = req.t;
  const csrf = csrfField(reply);
  const [server, queue, directory, campaign] = await Promise.all([
    serverSections(t, deps),
    queueSection(t, deps, csrf),
    directorySections(t, deps, req.user as SignedIn, csrf),
    campaignSection(t, deps),
  ]);
  return sendPage(req, reply, t.admin.title, html`${message}${server.top}${campaign}${queue}${server.outbound}${directory}`, status);
}

type Done = keyof Text["admin"]["done"];

/** The notice a redirect after an action asked for: a known one only, about a subject of printable characters without spaces (an id, a domain, an address: no crafted sentence). */
function doneNotice(t: Text, query: { done?: string; subject?: string }): Html | "" {
  const key = Object.keys(t.admin.done).find((k): k is Done => k === query.done);
  const subject = query.subject ?? "";
  if (key === undefined || !/^[\x21-\x7e]{0,320}$/.test(subject)) return "";
  return notice("ok", t.admin.done[key](subject));
}

function respond(deps: WebDeps, req: FastifyRequest, reply: FastifyReply, outcome: AdminOutcome): Promise<FastifyReply> | FastifyReply {
  if ("done" in outcome) {
    const subject = outcome.subject === "" ? "" : `&subject=${encodeURIComponent(outcome.subject)}`;
    return reply.redirect(`/admin?done=${outcome.done}${subject}#${outcome.section}`, 303);
  }
  if ("problem" in outcome) return adminPage(deps, req, reply, notice("problem", outcome.problem), outcome.status);
  return sendPage(req, reply, outcome.title, outcome.main);
}

export function registerAdmin(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Querystring: { done?: string; subject?: string } }>("/admin", { preHandler: requireAdmin }, (req, reply) => adminPage(deps, req, reply, doneNotice(req.t, req.query)));
  for (const [path, action] of Object.entries({ ...queueActions, ...directoryActions })) {
    app.post(`/admin/${path}`, { preHandler: [requireAdmin, app.csrfProtection.bind(app)] }, async (req, reply) => respond(deps, req, reply, await action(deps, req)));
  }
}
