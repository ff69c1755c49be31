/**
 * The web console's application: Fastify with its maintained plugins for forms, cookies, CSRF
 * tokens and security headers, on the HTTP server the web listener feeds. Every request learns its
 * connection (TLS version and cipher, the connection's id), its language, and who is signed in;
 * every page is authorised on the server (`requireUser`, `requireRole`), and every form that
 * changes something carries a CSRF token checked before its handler runs.
 */
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import Fastify, { type FastifyInstance } from "fastify";
import type { Server } from "node:http";
import { administersAny, setAccountLanguage } from "../directory/index.ts";
import { html, type Html } from "./html.ts";
import { isLang, pickLang, textFor } from "./i18n.ts";
import { connectionOf, type ConnectionInfo } from "./listener.ts";
import { notice, sendPage } from "./page.ts";
import { registerAccount } from "./routes-account.ts";
import { registerAdmin } from "./routes-admin.ts";
import { registerAutoconfig } from "./routes-autoconfig.ts";
import { registerCheck } from "./routes-check.ts";
import { registerDomain } from "./routes-domain.ts";
import { registerMailCompose } from "./routes-mail-compose.ts";
import { registerMailFolders } from "./routes-mail-folders.ts";
import { registerMailRead } from "./routes-mail-read.ts";
import { registerMailList } from "./routes-mail-list.ts";
import { registerMtaSts } from "./routes-mta-sts.ts";
import { registerSignIn } from "./routes-sign-in.ts";
import { registerStatus } from "./routes-status.ts";
import { STYLESHEET } from "./style.ts";
import type { Text } from "./text-en.ts";
import { SESSION_COOKIE, localPath } from "./guards.ts";
import type { WebDeps } from "./deps.ts";
import { ViewCache } from "./view-cache.ts";

const LANG_COOKIE = "sealpost-lang";
/** Form posts: a sign-in, a password change, a domain switch — nothing here is large. */
const BODY_LIMIT = 64 * 1024;
/** How old the account page's history may be: a sign-in elsewhere (IMAP, POP3, SMTP) shows within this. */
const ACCOUNT_VIEW_TTL_MS = 5_000;

export async function createWebApp(deps: WebDeps, server: Server): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    serverFactory: (handler) => {
      server.on("request", handler);
      return server;
    },
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  // __Host- (RFC 6265bis §4.1.3.2): Secure, Path=/, no Domain — no sibling host can set or shadow it.
  await app.register(csrf, { cookieKey: "__Host-csrf", cookieOpts: { path: "/", secure: true, httpOnly: true, sameSite: "strict" } });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        // The webmail shows a message's HTML in a frame of its own (routes-mail-read.ts), from this origin only.
        frameSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 63_072_000, includeSubDomains: true },
    referrerPolicy: { policy: "no-referrer" },
  });

  app.decorateRequest("lang", "en");
  app.decorateRequest("t", null as unknown as Text);
  app.decorateRequest("user", null);
  app.decorateRequest("administers", false);
  app.decorateRequest("webSession", null);
  app.decorateRequest("sessionEnded", false);
  app.decorateRequest("conn", null as unknown as ConnectionInfo);

  // The MTA-STS policy hosts, answered before the console looks at the request (no session, no cookie).
  registerMtaSts(app, deps);
  // Only the navigation asks (every page checks its own authorisation): a few seconds old is fine.
  const navigation = new ViewCache<boolean>({ ttlMs: ACCOUNT_VIEW_TTL_MS, max: 10_000 });
  app.addHook("onRequest", async (req) => {
    const conn = connectionOf(req.raw);
    if (conn === undefined) throw new Error("a request without a web connection");
    req.conn = conn;
    req.lang = pickLang(req.cookies[LANG_COOKIE], req.headers["accept-language"]);
    req.t = textFor(req.lang);
    const id = req.cookies[SESSION_COOKIE];
    if (id !== undefined) {
      const user = await deps.sessions.lookup(id);
      if (user === undefined) req.sessionEnded = true;
      else {
        req.user = user;
        req.webSession = id;
        req.administers = await navigation.get(user.accountId, "administers", () => administersAny(deps.db, user));
      }
    }
  });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const t = req.t ?? textFor("en");
    if (err.code === "FST_CSRF_INVALID_TOKEN" || err.code === "FST_CSRF_MISSING_SECRET") {
      return sendPage(req, reply, t.errors.forbidden, html`${notice("problem", t.errors.csrf)}<p><a href="${localPath(req.url, "/account")}">${t.errors.back}</a></p>`, 403);
    }
    const status = err.statusCode ?? 500;
    if (status === 413) return sendPage(req, reply, t.errors.tooLarge, html``, 413);
    // Fastify's own 4xx (a body that fails its schema, a malformed one): the person's words, not the framework's.
    if (status === 404) return sendPage(req, reply, t.errors.notFound, html``, 404);
    if (status >= 400 && status < 500) return sendPage(req, reply, t.errors.badRequest, html`${notice("problem", t.errors.badRequest)}`, status);
    req.conn?.log.error("web request failed", err);
    return sendPage(req, reply, t.errors.internal, html`${notice("problem", t.errors.internal)}`, 500);
  });
  app.setNotFoundHandler((req, reply) => sendPage(req, reply, req.t.errors.notFound, html`<p><a href="/account">${req.t.errors.back}</a></p>`, 404));

  app.get("/static/style.css", (_req, reply) => reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(STYLESHEET));
  app.get("/", (req, reply) => reply.redirect(req.user === null ? "/login" : "/account", 303));
  app.post("/lang", { preHandler: app.csrfProtection.bind(app) }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const lang = typeof body.lang === "string" && isLang(body.lang) ? body.lang : req.lang;
    // A signed-in account's choice is its language: the notices Sealpost mails it are written in it too.
    if (req.user !== null) await setAccountLanguage(deps.db, { id: req.user.accountId }, lang);
    reply.setCookie(LANG_COOKIE, lang, { path: "/", secure: true, httpOnly: true, sameSite: "lax", maxAge: 365 * 86_400 });
    return reply.redirect(localPath(body.back, "/"), 303);
  });

  // The account page's data, a few seconds old at most; an account's own web sign-in drops its entries.
  const views = new ViewCache<Html>({ ttlMs: ACCOUNT_VIEW_TTL_MS, max: 1000 });
  registerSignIn(app, deps, views);
  registerAccount(app, deps, views);
  registerDomain(app, deps);
  registerMailFolders(app, deps);
  registerMailRead(app, deps);
  registerMailCompose(app, deps);
  registerMailList(app, deps);
  registerAdmin(app, deps);
  registerCheck(app, deps);
  registerStatus(app, deps);
  registerAutoconfig(app, deps);
  return app;
}

