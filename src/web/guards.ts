/** Who may see a page, checked on the server before its handler runs; and safe redirect targets. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { html } from "./html.ts";
import { notice, sendPage } from "./page.ts";

/** The session cookie. __Host- (RFC 6265bis §4.1.3.2): Secure, Path=/, no Domain — no sibling host can set or shadow it. */
export const SESSION_COOKIE = "__Host-sealpost";

/** A local path to go back to: only "/…", never "//host" or a scheme (no open redirect). */
export function localPath(value: unknown, fallback: string): string {
  return typeof value === "string" && /^\/(?![/\\])[\x21-\x7e]{0,512}$/.test(value) ? value : fallback;
}

/** preHandler: a signed-in account, else to the sign-in page (saying the session ended, if it did). */
export async function requireUser(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.user !== null) return;
  const back = encodeURIComponent(req.url);
  await reply.redirect(`/login?${req.sessionEnded ? "expired=1&" : ""}next=${back}`, 303);
}

/** preHandler: an administrator (the server's), else 403. */
export async function requireAdmin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  await requireUser(req, reply);
  if (reply.sent || req.user?.role === "admin") return;
  await sendPage(req, reply, req.t.errors.forbidden, html`${notice("problem", req.t.errors.forbidden)}`, 403);
}
