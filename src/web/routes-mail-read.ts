/**
 * Reading a message in the webmail (issue 14). Three addresses:
 * - the message page (`MAIL.message`): the header fields, the text part or a frame for the HTML
 *   part, the attachments, and forms for what to do with the message. Opening it sets \Seen, as
 *   IMAP's BODY[] fetch does (RFC 9051 §6.4.5), through the store, so IMAP clients see it at once.
 *   One blob read and one MIME parse; it never sanitises (the frame's own request does).
 * - the frame (`MAIL.body`): the HTML part sanitised (mail-sanitize.ts) under its own CSP that
 *   allows no script, no form, no base, no plugin and no load but data: images (and http(s) images
 *   when the user asked to load remote content for this message), in an `<iframe sandbox>` without
 *   allow-scripts and allow-same-origin, so its document has an opaque origin and no scripts even
 *   if one slipped past the sanitiser. It has allow-popups (and allow-popups-to-escape-sandbox):
 *   every link the sanitiser keeps opens a new tab (target=_blank, rel=noopener noreferrer) as a
 *   normal page; without them a link in a mail could not be followed at all. Navigating the
 *   console itself (allow-top-navigation) is not allowed.
 * - one part as a download (`MAIL.part`): Content-Disposition attachment (RFC 6266), a type that no
 *   browser renders or runs (application/octet-stream for HTML, SVG, XML, PDF, scripts…), nosniff,
 *   and a CSP sandbox in case a browser shows it anyway; decoded in pieces as it is sent.
 * Another account's folder or message is as absent as a missing one: 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Readable } from "node:stream";
import { BlobGoneError, listMailboxes, messageRows, storeFlags, type MailboxRow } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { folderLabel, folderNav, inListOrder, MAIL, mailAccount, ownedFolder, positiveInt, withFolders } from "./mail-common.ts";
import { contentDisposition, downloadType, inlineImages, messageView, partAt, partBytes, partChunks, partText, type MessageView } from "./mail-message.ts";
import { HTML_MAX, mayLoadRemote, sanitizeMail } from "./mail-sanitize.ts";
import { csrfField, notice, sendPage } from "./page.ts";

interface Params {
  box: string;
  uid: string;
}

interface Found {
  accountId: number;
  box: MailboxRow;
  uid: number;
  flags: string;
  raw: Buffer;
}

/** The signed-in account's message at box/uid with its bytes, or null (missing, another account's, deleted meanwhile). */
async function findMessage(deps: WebDeps, req: FastifyRequest<{ Params: Params }>): Promise<Found | null> {
  const accountId = mailAccount(req);
  const uid = positiveInt(req.params.uid);
  if (accountId === null || uid === null) return null;
  const box = await ownedFolder(deps, accountId, req.params.box);
  if (box === undefined) return null;
  const row = (await messageRows(deps.db, box.id, [uid]))[0];
  if (row === undefined) return null;
  try {
    return { accountId, box, uid, flags: row.flags, raw: await deps.store.blobs.read(row.blob, row.size) };
  } catch (e) {
    if (e instanceof BlobGoneError) return null; // expunged between the row and the read
    throw e;
  }
}

function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(req, reply, req.t.errors.notFound, html`${notice("problem", req.t.mail.read.gone)}<p><a href="${MAIL.home}">${req.t.nav.mail}</a></p>`, 404);
}

const hasFlag = (flags: string, flag: string): boolean => flags.toLowerCase().split(" ").includes(flag.toLowerCase());

/** The headers a person reads, as a definition list (text only: decoded words never become markup). */
function headerList(req: FastifyRequest, v: MessageView): Html {
  const t = req.t.mail.read;
  const row = (label: string, value: string): Html | "" => (value === "" ? "" : html`<dt>${label}</dt><dd>${value}</dd>`);
  return html`<dl class="mail-headers" aria-label="${t.headers}">${row(t.from, v.from)}${row(t.to, v.to)}${row(t.cc, v.cc)}${row(t.date, v.date === null ? v.dateText : req.t.date(v.date))}</dl>`;
}

/** The forms that change the message (the list's actions endpoint) and the links to answer it. */
async function actionBar(deps: WebDeps, req: FastifyRequest, reply: FastifyReply, m: Found): Promise<Html> {
  const t = req.t.mail.read;
  const csrf = csrfField(reply);
  const here = MAIL.message(m.box.id, m.uid);
  const list = MAIL.folder(m.box.id);
  const form = (action: string, back: string, label: string, extra: Html | "" = ""): Html =>
    html`<form method="post" action="${MAIL.actions(m.box.id)}">${csrf}<input type="hidden" name="uid" value="${m.uid}"><input type="hidden" name="action" value="${action}"><input type="hidden" name="back" value="${back}">${extra}<button type="submit">${label}</button></form>`;
  const others = inListOrder(await listMailboxes(deps.db, m.accountId)).filter((b) => b.id !== m.box.id);
  const answer = (mode: string): string => `${MAIL.compose}?reply=${m.box.id}.${m.uid}&mode=${mode}`;
  const flagged = hasFlag(m.flags, "\\Flagged");
  return html`<div class="mail-actions" role="group" aria-label="${t.actions}">
    <p class="mail-answer"><a class="button" href="${answer("reply")}">${t.reply}</a> <a class="button" href="${answer("all")}">${t.replyAll}</a> <a class="button" href="${answer("forward")}">${t.forward}</a></p>
    ${form("unread", list, t.markUnread)}
    ${flagged ? form("unflag", here, t.unflag) : form("flag", here, t.flag)}
    ${
      others.length === 0
        ? ""
        : form("move", list, t.move, html`<label>${t.moveTo} <select name="to">${others.map((b) => html`<option value="${b.id}">${folderLabel(req.t, b)}</option>`)}</select></label> `)
    }
    ${form("delete", list, t.delete)}
  </div>`;
}

/** Plain text as the page shows it: escaped, wrapped, with http(s) addresses as links that open apart. */
function textBody(text: string): Html {
  const pieces: Html[] = [];
  const re = /\bhttps?:\/\/[^\s<>"'()]+[^\s<>"'().,;:!?]/g;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    pieces.push(html`${text.slice(at, m.index)}<a href="${m[0]}" rel="noopener noreferrer nofollow" target="_blank">${m[0]}</a>`);
    at = m.index + m[0].length;
  }
  pieces.push(html`${text.slice(at)}`);
  return html`<pre class="mail-text">${pieces}</pre>`;
}

/** The body: the HTML part in its frame, or the text part; the switch between them when both exist. */
function bodyArea(req: FastifyRequest, m: Found, v: MessageView, o: { plain: boolean; remote: boolean }): Html {
  const t = req.t.mail.read;
  const here = MAIL.message(m.box.id, m.uid);
  if (v.html !== null && !(o.plain && v.text !== null)) {
    // A look for remote references, not a sanitising pass: the frame's request does that.
    const remote = o.remote
      ? html`<div class="notice ok mail-remote" role="status"><p>${t.remoteShown}</p><p><a href="${here}">${t.hideRemote}</a></p></div>`
      : mayLoadRemote(partBytes(m.raw, v.html).toString("latin1"))
        ? html`<div class="notice warn mail-remote" role="status"><p>${t.remoteBlocked}</p><p><a class="button" href="${here}?remote=1">${t.loadRemote}</a></p></div>`
        : "";
    const other = v.text !== null ? html`<p><a href="${here}?view=text">${t.showPlain}</a></p>` : "";
    return html`${remote}${other}<iframe class="mail-frame" title="${t.frameTitle}" src="${MAIL.body(m.box.id, m.uid, o.remote)}" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer"></iframe>`;
  }
  const other = v.html !== null ? html`<p><a href="${here}">${t.showHtml}</a></p>` : "";
  if (v.text === null) return html`${other}<p class="muted">${t.noText}</p>`;
  const { text, cut } = partText(m.raw, v.text);
  return html`${other}${textBody(text)}${cut ? html`<p class="muted">${t.textCut}</p>` : ""}`;
}

function attachmentList(req: FastifyRequest, m: Found, v: MessageView): Html | "" {
  const t = req.t.mail.read;
  if (v.attachments.length === 0) return "";
  const rows = v.attachments.map(
    (a) =>
      html`<tr><th scope="row"><a href="${MAIL.part(m.box.id, m.uid, a.section)}" download="${a.name}" aria-label="${t.download(a.name)}">${a.name}</a></th><td>${a.type}</td><td>${t.bytes(a.size)}</td></tr>`,
  );
  return html`<section aria-labelledby="attachments" class="mail-attachments"><h2 id="attachments">${t.attachments}</h2>
    <table><thead><tr><th scope="col">${t.name}</th><th scope="col">${t.type}</th><th scope="col">${t.size}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The frame's CSP: nothing but inline style and data: images (http(s) images too when asked), no script, form, base or plugin. */
function frameCsp(remote: boolean): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data:${remote ? " https: http:" : ""}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
    "sandbox allow-popups allow-popups-to-escape-sandbox",
  ].join("; ");
}

/** The frame's document around the sanitised body: UTF-8 declared, pictures kept inside the frame's width. */
function frameDocument(body: string, lang: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><style>body{margin:0;padding:.75rem;font-family:system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}table{max-width:100%}</style></head><body>${body}</body></html>`;
}

export function registerMailRead(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: Params }>("/mail/f/:box/:uid", { preHandler: requireUser }, async (req, reply) => {
    const m = await findMessage(deps, req);
    if (m === null) return notFound(req, reply);
    const q = req.query as Record<string, unknown>;
    const v = messageView(m.raw);
    // RFC 9051 §6.4.5: fetching BODY[] sets \Seen; so does reading it here (the store tells IMAP sessions).
    if (!hasFlag(m.flags, "\\Seen")) m.flags = (await storeFlags(deps.store, m.box.id, [m.uid], "add", ["\\Seen"]))[0]?.flags ?? m.flags;
    const t = req.t.mail.read;
    const main = html`<p><a href="${MAIL.folder(m.box.id)}">${t.back(folderLabel(req.t, m.box))}</a></p>
      ${headerList(req, v)}
      ${await actionBar(deps, req, reply, m)}
      <section class="mail-body" aria-label="${v.subject === "" ? t.noSubject : v.subject}">${bodyArea(req, m, v, { plain: q.view === "text", remote: q.remote === "1" })}</section>
      ${attachmentList(req, m, v)}`;
    const nav = await folderNav(deps, req, m.accountId, m.box.id);
    return sendPage(req, reply, v.subject === "" ? t.noSubject : v.subject, withFolders(nav, main));
  });

  // The frame sets its own CSP (per request: remote content or not); helmet sets the other headers.
  const own = { preHandler: requireUser, helmet: { contentSecurityPolicy: false as const } };

  app.get<{ Params: Params }>("/mail/f/:box/:uid/body", own, async (req, reply) => {
    const remote = (req.query as Record<string, unknown>).remote === "1";
    reply.header("content-security-policy", frameCsp(remote));
    const m = await findMessage(deps, req);
    if (m === null) return notFound(req, reply);
    const v = messageView(m.raw);
    const body = v.html === null ? "" : sanitizeMail(partText(m.raw, v.html, HTML_MAX).text, { remote, inline: inlineImages(m.raw, v) });
    return reply
      .header("content-type", "text/html; charset=utf-8")
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("cache-control", "no-store")
      .send(frameDocument(body, req.lang));
  });

  app.get<{ Params: Params & { section: string } }>("/mail/f/:box/:uid/part/:section", own, async (req, reply) => {
    reply.header("content-security-policy", "default-src 'none'; sandbox");
    const m = await findMessage(deps, req);
    const v = m === null ? null : messageView(m.raw);
    const part = v === null ? null : partAt(v.root, req.params.section);
    if (m === null || v === null || part === null) return notFound(req, reply);
    const name = v.attachments.find((a) => a.section === req.params.section)?.name ?? `part-${req.params.section}`;
    const type = `${part.contentType.type}/${part.contentType.subtype}`.toLowerCase();
    return reply
      .header("content-type", downloadType(type))
      .header("content-disposition", contentDisposition(name))
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "private, no-store")
      .send(Readable.from(partChunks(m.raw, part)));
  });
}
