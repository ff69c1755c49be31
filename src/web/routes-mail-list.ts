/**
 * The webmail's message list (issue 14): `/mail` leads to INBOX, `/mail/f/ID` shows a folder's
 * messages newest first, 50 a page, with the folders beside it; a search form (GET, so a result
 * is a link) runs IMAP's SEARCH engine over the folder. The rows sit in one form whose buttons post
 * to the actions endpoint (routes-mail-actions.ts): mark read or unread, flag, move, delete; Trash
 * and Junk have "Empty" besides. Plain forms and links: nothing here needs JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getMailbox, INBOX, listMailboxes, type MailboxRow } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { folderPage, SEARCH_FIELDS, SEARCH_MAX, type ListRow, type SearchField } from "./mail-list.ts";
import { folderLabel, folderNav, inListOrder, MAIL, mailAccount, ownedFolder, withFolders } from "./mail-common.ts";
import { csrfField, notice, sendPage } from "./page.ts";
import { ACTION_DONE, ACTION_PROBLEMS, emptiable, registerMailActions, type ActionDone } from "./routes-mail-actions.ts";
import type { Text } from "./text-en.ts";

interface ListQuery {
  page?: number;
  q?: string;
  field?: SearchField;
  done?: string;
  n?: number;
  to?: number;
  problem?: string;
}

const LIST_QUERY = {
  querystring: {
    type: "object",
    properties: {
      page: { type: "integer", minimum: 1, maximum: 1_000_000 },
      q: { type: "string", maxLength: SEARCH_MAX },
      field: { type: "string", enum: SEARCH_FIELDS },
      done: { type: "string", maxLength: 16 },
      n: { type: "integer", minimum: 0, maximum: 1_000_000 },
      to: { type: "integer", minimum: 1 },
      problem: { type: "string", maxLength: 16 },
    },
  },
} as const;

const isDone = (v: unknown): v is ActionDone => typeof v === "string" && (ACTION_DONE as readonly string[]).includes(v);
type Problem = keyof Text["mail"]["list"]["problems"];
const isProblem = (v: unknown): v is Problem => typeof v === "string" && (ACTION_PROBLEMS as readonly string[]).includes(v);

/** The notice an action left in the address (`?done=read&n=3`, `?problem=none`). */
function actionNotice(t: Text, q: ListQuery, folders: readonly MailboxRow[]): Html | "" {
  const l = t.mail.list;
  if (isProblem(q.problem)) return notice("problem", l.problems[q.problem]);
  if (!isDone(q.done)) return "";
  const n = q.n ?? 0;
  const target = folders.find((b) => b.id === q.to);
  const to = target === undefined ? "" : folderLabel(t, target);
  return notice("ok", q.done === "moved" || q.done === "trashed" ? l.done[q.done](n, to) : l.done[q.done](n));
}

/** A paper clip, drawn (an emoji may have no glyph on the reader's device). */
const CLIP = html`<svg viewBox="0 0 16 16" width="14" height="14" focusable="false"><path d="M11 4.5v6a3 3 0 0 1-6 0V4a2 2 0 0 1 4 0v6.5a1 1 0 0 1-2 0V5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>`;

/** Who a row names: the sender, or in Sent and Drafts the first recipient and how many more (as mail programs list them). */
function person(t: Text, m: ListRow, byRecipient: boolean): Html {
  const l = t.mail.list;
  if (!byRecipient) return m.from === null ? html`<span class="muted">${l.noSender}</span>` : html`<span title="${m.from.address}">${m.from.name}</span>`;
  if (m.to === null) return html`<span class="muted">${l.noRecipient}</span>`;
  return html`<span title="${m.to.address}">${m.to.name}</span>${
    m.recipients > 1 ? html` <span class="muted" title="${l.moreRecipients(m.recipients - 1)}"><span aria-hidden="true">+${m.recipients - 1}</span><span class="visually-hidden">${l.moreRecipients(m.recipients - 1)}</span></span>` : ""
  }`;
}

/** One row: the checkbox, sender (or recipient), subject (the row's header, a link to the message), date, size, marks. */
function row(t: Text, box: number, m: ListRow, byRecipient: boolean): Html {
  const l = t.mail.list;
  const subject = m.subject === "" ? l.noSubject : m.subject;
  const mark = (symbol: string | Html, label: string, cls: string): Html =>
    html`<span class="${cls}" title="${label}"><span aria-hidden="true">${symbol}</span><span class="visually-hidden">${label}</span></span>`;
  return html`<tr${m.seen ? "" : html` class="unread"`}>
    <td><input type="checkbox" name="uid" value="${m.uid}" aria-label="${l.select(subject)}"></td>
    <td class="from">${person(t, m, byRecipient)}</td>
    <th scope="row" class="subject"><a href="${MAIL.message(box, m.uid)}">${subject}</a></th>
    <td class="date">${l.date(m.date)}</td>
    <td class="size">${l.size(m.size)}</td>
    <td class="marks">${m.seen ? "" : mark("●", l.unread, "unread-mark")}${m.flagged ? mark("★", l.flagged, "flag") : ""}${m.answered ? mark("↩", l.answered, "answered") : ""}${m.attachment ? mark(CLIP, l.attachment, "clip") : ""}</td>
  </tr>`;
}

async function listPage(deps: WebDeps, req: FastifyRequest<{ Params: { box: string }; Querystring: ListQuery }>, reply: FastifyReply): Promise<FastifyReply> {
  const t = req.t;
  const l = t.mail.list;
  const accountId = mailAccount(req);
  if (accountId === null) return sendPage(req, reply, t.errors.notFound, html`<p>${t.account.consoleOnly}</p>`, 404);
  const box = await ownedFolder(deps, accountId, req.params.box);
  if (box === undefined) return sendPage(req, reply, t.errors.notFound, html`<p><a href="${MAIL.home}">${t.errors.back}</a></p>`, 404);
  const q = req.query;
  const text = (q.q ?? "").trim();
  const field = q.field ?? "all";
  const search = text === "" ? undefined : { field, q: text };
  const [folders, nav, found] = await Promise.all([
    listMailboxes(deps.db, accountId).then(inListOrder),
    folderNav(deps, req, accountId, box.id),
    folderPage(deps.store, box.id, { page: q.page ?? 1, ...(search === undefined ? {} : { search }) }),
  ]);
  const { page, pages } = found.paging;
  const here = (p: number): string => MAIL.folder(box.id, { page: p, ...(search === undefined ? {} : { q: text, field }) });
  const csrf = csrfField(reply);
  const others = folders.filter((b) => b.id !== box.id);
  const empty = emptiable(box);

  const searchForm = html`<form method="get" action="${MAIL.folder(box.id)}" class="inline search" role="search" aria-label="${l.searchNav}">
    <span><label for="search-q">${l.searchFor}</label><input type="search" id="search-q" name="q" value="${text}" maxlength="${SEARCH_MAX}"></span>
    <span><label for="search-field">${l.searchIn}</label><select id="search-field" name="field">${SEARCH_FIELDS.map((f) => html`<option value="${f}"${f === field ? html` selected` : ""}>${l.fields[f]}</option>`)}</select></span>
    <button type="submit">${l.search}</button>${search === undefined ? "" : html` <a href="${MAIL.folder(box.id)}">${l.showAll}</a>`}</form>`;
  const emptyForm =
    empty === null || search !== undefined || found.total === 0
      ? ""
      : html`<form method="post" action="${MAIL.empty(box.id)}" class="empty">${csrf}<button type="submit" class="danger">${empty === "\\Trash" ? l.emptyTrash : l.emptyJunk}</button></form>`;
  const summary = search === undefined ? html`<p class="muted">${l.count(found.total)}</p>` : html`<p role="status">${l.found(found.total, text)}</p>`;
  const deleteLabel = empty === "\\Trash" ? l.deleteForGood : l.delete;
  const toolbar = html`<div class="toolbar" role="group" aria-label="${l.toolbar}">
      <button type="submit" name="action" value="read">${l.markRead}</button>
      <button type="submit" name="action" value="unread">${l.markUnread}</button>
      <button type="submit" name="action" value="flag">${l.flag}</button>
      <button type="submit" name="action" value="unflag">${l.unflag}</button>
      ${
        others.length === 0
          ? ""
          : html`<span class="move"><label for="move-to">${l.moveTo}</label><select id="move-to" name="to"><option value="">${l.chooseFolder}</option>${others.map((b) => html`<option value="${b.id}">${folderLabel(t, b)}</option>`)}</select>
      <button type="submit" name="action" value="move">${l.move}</button></span>`
      }
      <button type="submit" name="action" value="delete" class="danger">${deleteLabel}</button></div>`;
  const c = l.columns;
  const byRecipient = box.specialUse === "\\Sent" || box.specialUse === "\\Drafts";
  const rows =
    found.rows.length === 0
      ? html`<p>${search === undefined ? l.empty : ""}</p>`
      : html`<form method="post" action="${MAIL.actions(box.id)}">${csrf}<input type="hidden" name="back" value="${here(page)}">
      ${toolbar}
      <table class="messages"><caption class="visually-hidden">${l.caption(folderLabel(t, box))}</caption>
        <thead><tr><th scope="col"><span class="visually-hidden">${c.select}</span></th><th scope="col">${byRecipient ? c.to : c.from}</th><th scope="col">${c.subject}</th><th scope="col">${c.date}</th><th scope="col">${c.size}</th><th scope="col"><span class="visually-hidden">${c.marks}</span></th></tr></thead>
        <tbody>${found.rows.map((m) => row(t, box.id, m, byRecipient))}</tbody></table></form>`;
  const pager =
    pages <= 1
      ? ""
      : html`<nav class="pages" aria-label="${l.pagesNav}">${page > 1 ? html`<a href="${here(page - 1)}" rel="prev">${l.newer}</a>` : ""}<span>${l.pageOf(page, pages)}</span>${page < pages ? html`<a href="${here(page + 1)}" rel="next">${l.older}</a>` : ""}</nav>`;
  const main = html`${actionNotice(t, q, folders)}${searchForm}<div class="list-head">${summary}${emptyForm}</div>${rows}${pager}`;
  return sendPage(req, reply, folderLabel(t, box), withFolders(nav, main));
}

/** The list's pages and the changes posted from them (routes-mail-actions.ts). */
export function registerMailList(app: FastifyInstance, deps: WebDeps): void {
  registerMailActions(app, deps);
  app.get(MAIL.home, { preHandler: requireUser }, async (req, reply) => {
    const accountId = mailAccount(req);
    const inbox = accountId === null ? undefined : await getMailbox(deps.db, accountId, INBOX);
    return reply.redirect(inbox === undefined ? MAIL.folders : MAIL.folder(inbox.id), 303);
  });
  app.get<{ Params: { box: string }; Querystring: ListQuery }>("/mail/f/:box", { schema: LIST_QUERY, preHandler: requireUser }, (req, reply) => listPage(deps, req, reply));
}
