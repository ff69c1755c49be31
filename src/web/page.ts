/**
 * The page shell every page shares: language, title, the main navigation for the signed-in
 * account's role, the language switch and "Sign out" (both small forms: no JavaScript anywhere),
 * and one stylesheet. Pages are never cached (`no-store`): they show a person's own data.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { SignedIn } from "../auth/index.ts";
import { html, type Html } from "./html.ts";
import { LANGS, textFor } from "./i18n.ts";

const tokens = new WeakMap<FastifyReply, string>();

/**
 * A hidden field with the response's CSRF token, for every form that changes something. One token
 * per response: the first one made also sets the secret's cookie when the browser has none yet, and
 * a second would set another secret that the first token does not match.
 */
export function csrfField(reply: FastifyReply): Html {
  let token = tokens.get(reply);
  if (token === undefined) {
    token = reply.generateCsrf();
    tokens.set(reply, token);
  }
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

function navigation(req: FastifyRequest, user: SignedIn, csrf: Html): Html {
  const t = req.t;
  const link = (href: string, label: string): Html =>
    html`<li><a href="${href}"${req.url.split("?")[0] === href || (href !== "/account" && req.url.startsWith(href)) ? html` aria-current="page"` : ""}>${label}</a></li>`;
  return html`<nav aria-label="${t.nav.label}"><ul>
    ${link("/account", t.nav.account)}
    ${user.mailbox ? link("/mail", t.nav.mail) : ""}
    ${req.administers ? link("/domain", t.nav.domains) : ""}
    ${user.role === "admin" ? link("/admin", t.nav.admin) : ""}
    ${link("/check", t.nav.check)}
  </ul>
  <form method="post" action="/logout" class="signout">${csrf}<button type="submit">${t.nav.signOut}</button></form></nav>`;
}

function languageSwitch(req: FastifyRequest, csrf: Html): Html {
  const others = LANGS.filter((l) => l !== req.lang);
  return html`<form method="post" action="/lang" class="lang" aria-label="${req.t.nav.language}">${csrf}<input type="hidden" name="back" value="${req.url}">${others.map(
    (l) => html`<button type="submit" name="lang" value="${l}" lang="${l}">${textFor(l).languageName}</button>`,
  )}</form>`;
}

/** Sends a whole page. */
export function sendPage(req: FastifyRequest, reply: FastifyReply, title: string, main: Html, status = 200): FastifyReply {
  const csrf = csrfField(reply);
  const doc = html`<!doctype html>
<html lang="${req.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${req.t.product}</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header><span class="brand">${req.t.product}</span>${req.user === null ? "" : navigation(req, req.user, csrf)}${languageSwitch(req, csrf)}</header>
<main><h1>${title}</h1>${main}</main></body></html>`;
  return reply.code(status).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-store").send(doc.toString());
}

/** A table with one header row (`<th scope="col">` per column, for screen readers and the tests' role queries). */
export function table(columns: readonly string[], rows: readonly Html[], className?: string): Html {
  return html`<table${className !== undefined ? html` class="${className}"` : ""}><thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A one-line notice (role=status for good news, role=alert for a problem). */
export function notice(kind: "ok" | "problem", text: string): Html {
  return kind === "ok" ? html`<p class="notice ok" role="status">${text}</p>` : html`<p class="notice problem" role="alert">${text}</p>`;
}
