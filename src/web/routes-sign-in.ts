/**
 * Sign-in and sign-out. A web sign-in is checked by the same Authenticator as IMAP, POP3 and
 * submission: the same accounts, the same rate limits, the same answer and delay for an unknown
 * account as for a wrong password, and a row in the login history with protocol `web`, the TLS
 * version and cipher of the connection and the browser as the client name. A good sign-in always
 * gets a new session id (no session fixation); signing out deletes the session on the server.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuthContext } from "../auth/index.ts";
import type { WebDeps } from "./deps.ts";
import { browserName } from "./browser-name.ts";
import { SESSION_COOKIE, localPath } from "./guards.ts";
import { html, type Html } from "./html.ts";
import type { Text } from "./text-en.ts";
import type { ViewCache } from "./view-cache.ts";
import { csrfField, notice, sendPage } from "./page.ts";

interface SignInBody {
  address: string;
  password: string;
}

const SIGN_IN_SCHEMA = {
  body: {
    type: "object",
    required: ["address", "password"],
    properties: { address: { type: "string", maxLength: 320 }, password: { type: "string", maxLength: 1024 }, _csrf: { type: "string" } },
  },
} as const;

/** A web sign-in as the Authenticator records it: protocol web, the connection's port, TLS and id, the browser in words. */
export function webSignIn(req: FastifyRequest): AuthContext {
  return { protocol: "web", port: req.conn.port, clientIp: req.conn.clientIp, tls: req.conn.tls, clientName: browserName(req.headers["user-agent"]), session: req.conn.id, log: req.conn.log };
}

export function registerSignIn(app: FastifyInstance, deps: WebDeps, views: ViewCache<Html>): void {
  const form = (next: string, reply: FastifyReply, t: Text, address = ""): Html => html`
    <p>${t.login.intro}</p>
    <form method="post" action="/login?next=${encodeURIComponent(next)}" class="stack">${csrfField(reply)}
      <label>${t.login.address}<input type="email" name="address" autocomplete="username" required maxlength="320" value="${address}"></label>
      <label>${t.login.password}<input type="password" name="password" autocomplete="current-password" required maxlength="1024"></label>
      <button type="submit">${t.login.submit}</button>
    </form>
    <p><a href="/status">${t.login.status}</a></p>`;

  app.get("/login", (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const next = localPath(q.next, "/account");
    if (req.user !== null) return reply.redirect(next, 303);
    const t = req.t;
    const banner = q.expired !== undefined ? notice("problem", t.login.expired) : q.out !== undefined ? notice("ok", t.login.signedOut) : "";
    return sendPage(req, reply, t.login.title, html`${banner}${form(next, reply, t)}`);
  });

  app.post<{ Body: SignInBody }>("/login", { schema: SIGN_IN_SCHEMA, preHandler: app.csrfProtection.bind(app) }, async (req, reply) => {
    const t = req.t;
    const next = localPath((req.query as Record<string, string | undefined>).next, "/account");
    const { address, password } = req.body;
    const abort = new AbortController();
    reply.raw.once("close", () => abort.abort());
    const ctx = webSignIn(req);
    const outcome = await deps.auth.login(ctx, address, password, "password", abort.signal);
    if (!outcome.ok) {
      const message = outcome.refusal === "rate-limited" ? t.login.throttled : t.login.failed;
      return sendPage(req, reply, t.login.title, html`${notice("problem", message)}${form(next, reply, t, address)}`, outcome.refusal === "rate-limited" ? 429 : 401);
    }
    // A new id at every sign-in; the one the browser brought (if any) ends.
    if (req.webSession !== null) await deps.sessions.end(req.webSession);
    const id = await deps.sessions.create(outcome.accountId, { ip: ctx.clientIp, name: ctx.clientName });
    reply.setCookie(SESSION_COOKIE, id, { path: "/", secure: true, httpOnly: true, sameSite: "strict", maxAge: deps.sessionMaxSeconds() });
    // The account page it leads to shows this sign-in at the top.
    await deps.flushAudit();
    views.forget(outcome.accountId);
    return reply.redirect(next, 303);
  });

  app.post("/logout", { preHandler: app.csrfProtection.bind(app) }, async (req, reply) => {
    if (req.webSession !== null) await deps.sessions.end(req.webSession);
    reply.clearCookie(SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "strict" });
    return reply.redirect("/login?out=1", 303);
  });
}
