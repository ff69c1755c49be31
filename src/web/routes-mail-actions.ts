/**
 * Changes to messages from the webmail (issue 14): the ONE endpoint `POST /mail/f/ID/actions`, used
 * by the message list and the message page alike, and "Empty Trash" (`POST /mail/f/ID/empty`).
 *
 * Contract of the actions endpoint: `uid` (one or many), `action` (read, unread, flag, unflag, move,
 * delete), `to` (a folder id, for move), `back` (a local path to return to; the folder's list
 * by default). It answers 303 to `back` with `?done=ACTION&n=COUNT` (and `&to=ID` for a move) or
 * `?problem=CODE`; deleting for good first shows a page that asks.
 *
 * Every change runs the store function the IMAP command runs — STORE's `storeFlags` (RFC 9051
 * §6.4.6), MOVE's `moveMessages` (RFC 6851 §3.1), STORE +FLAGS \Deleted then UID EXPUNGE's
 * `expunge` (RFC 4315 §2.1) — so IMAP clients see each change at once: the store tells every
 * session of the mailbox, and an IDLE session gets its EXISTS, EXPUNGE or FETCH.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { expunge, MailboxGoneError, mailboxStatus, moveMessages, storeFlags, uidsUpTo, type MailboxRow } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { localPath, requireUser } from "./guards.ts";
import { html } from "./html.ts";
import { folderLabel, MAIL, mailAccount, ownedFolder, positiveInt, specialFolder } from "./mail-common.ts";
import { csrfField, notice, sendPage } from "./page.ts";

const ACTIONS = ["read", "unread", "flag", "unflag", "move", "delete"] as const;
type Action = (typeof ACTIONS)[number];

/** What the list says was done (`?done=`), and why nothing was (`?problem=`). */
export const ACTION_DONE = ["read", "unread", "flagged", "unflagged", "moved", "trashed", "deleted", "emptied"] as const;
export type ActionDone = (typeof ACTION_DONE)[number];
export const ACTION_PROBLEMS = ["none", "target", "same", "gone", "nothing"] as const;
type ActionProblem = (typeof ACTION_PROBLEMS)[number];

/** UIDs in one post: a page has 50 rows; more is not a person's selection. */
const MAX_UIDS = 1000;
/** RFC 9051 §2.3.1.1: a UID is a 32-bit number. */
const MAX_UID = 4_294_967_295;

const ACTION_BODY = {
  body: {
    type: "object",
    required: ["action"],
    properties: {
      // One field or many (form encoding repeats the name); Fastify's schema check makes one an array of one.
      uid: { type: "array", items: { type: "integer", minimum: 1, maximum: MAX_UID }, maxItems: MAX_UIDS },
      action: { type: "string", enum: ACTIONS },
      to: { type: "string", maxLength: 20 },
      back: { type: "string", maxLength: 2048 },
      confirm: { type: "string", maxLength: 8 },
      _csrf: { type: "string" },
    },
  },
} as const;

interface ActionBody {
  uid?: number[];
  action: Action;
  to?: string;
  back?: string;
  confirm?: string;
}

const EMPTY_BODY = {
  body: {
    type: "object",
    properties: { confirm: { type: "string", maxLength: 8 }, upto: { type: "integer", minimum: 0, maximum: MAX_UID }, _csrf: { type: "string" } },
  },
} as const;

interface EmptyBody {
  confirm?: string;
  upto?: number;
}

/** The folders that can be emptied at once: Trash and Junk (RFC 6154 special uses). */
export function emptiable(box: MailboxRow): "\\Trash" | "\\Junk" | null {
  return box.specialUse === "\\Trash" || box.specialUse === "\\Junk" ? box.specialUse : null;
}

/**
 * `back` with the outcome in its query (replacing an earlier outcome's). Checked again once built:
 * URL parsing resolves dot segments ("/.//host" becomes "//host"), which must not become a redirect
 * to another host.
 */
function withOutcome(back: string, fallback: string, outcome: Record<string, string | number>): string {
  const url = new URL(back, "https://sealpost.invalid");
  for (const k of ["done", "n", "to", "problem"]) url.searchParams.delete(k);
  for (const [k, v] of Object.entries(outcome)) url.searchParams.set(k, String(v));
  const target = `${url.pathname}${url.search}`;
  return localPath(target, fallback) === target ? target : withOutcome(fallback, fallback, outcome);
}

/** Asks before deleting for good (a page, no JavaScript), with the same request ready to send again. */
function confirmDelete(req: FastifyRequest, reply: FastifyReply, box: MailboxRow, uids: readonly number[], back: string): FastifyReply {
  const l = req.t.mail.list;
  const main = html`${notice("problem", l.deleteWarning(uids.length))}
    <form method="post" action="${MAIL.actions(box.id)}" class="stack">${csrfField(reply)}${uids.map((u) => html`<input type="hidden" name="uid" value="${u}">`)}
      <input type="hidden" name="action" value="delete"><input type="hidden" name="confirm" value="yes"><input type="hidden" name="back" value="${back}">
      <button type="submit" class="danger">${l.deleteConfirm(uids.length)}</button></form>
    <p><a href="${back}">${l.keep}</a></p>`;
  return sendPage(req, reply, l.deleteTitle, main);
}

/** Marks the messages \Deleted and expunges exactly those (STORE +FLAGS \Deleted, UID EXPUNGE: RFC 4315 §2.1). */
async function deleteForGood(deps: WebDeps, box: number, uids: readonly number[]): Promise<number> {
  await storeFlags(deps.store, box, uids, "add", ["\\Deleted"]);
  return (await expunge(deps.store, box, uids)).length;
}

const FLAG_ACTIONS: Record<"read" | "unread" | "flag" | "unflag", { op: "add" | "remove"; flag: string; done: ActionDone }> = {
  read: { op: "add", flag: "\\Seen", done: "read" },
  unread: { op: "remove", flag: "\\Seen", done: "unread" },
  flag: { op: "add", flag: "\\Flagged", done: "flagged" },
  unflag: { op: "remove", flag: "\\Flagged", done: "unflagged" },
};

async function act(deps: WebDeps, req: FastifyRequest<{ Params: { box: string }; Body: ActionBody }>, reply: FastifyReply): Promise<FastifyReply> {
  const t = req.t;
  const accountId = mailAccount(req);
  const box = accountId === null ? undefined : await ownedFolder(deps, accountId, req.params.box);
  if (accountId === null || box === undefined) return sendPage(req, reply, t.errors.notFound, html`<p><a href="${MAIL.home}">${t.errors.back}</a></p>`, 404);
  const list = MAIL.folder(box.id);
  const back = localPath(req.body.back, list);
  const go = (outcome: Record<string, string | number>): FastifyReply => reply.redirect(withOutcome(back, list, outcome), 303);
  const problem = (code: ActionProblem): FastifyReply => go({ problem: code });
  const uids = [...new Set(req.body.uid ?? [])].sort((a, b) => a - b);
  if (uids.length === 0) return problem("none");
  const { action } = req.body;
  switch (action) {
    case "read":
    case "unread":
    case "flag":
    case "unflag": {
      const f = FLAG_ACTIONS[action];
      const n = (await storeFlags(deps.store, box.id, uids, f.op, [f.flag])).length;
      return n === 0 ? problem("gone") : go({ done: f.done, n });
    }
    case "move": {
      const target = await ownedFolder(deps, accountId, positiveInt(req.body.to));
      if (target === undefined) return problem("target");
      if (target.id === box.id) return problem("same");
      return moveTo(deps, box, uids, target, "moved", go, problem);
    }
    case "delete": {
      // To Trash, as mail programs do; in Trash itself (or with no Trash), for good once confirmed.
      const trash = await specialFolder(deps, accountId, "\\Trash");
      if (trash !== undefined && trash.id !== box.id) return moveTo(deps, box, uids, trash, "trashed", go, problem);
      if (req.body.confirm !== "yes") return confirmDelete(req, reply, box, uids, back);
      const n = await deleteForGood(deps, box.id, uids);
      return n === 0 ? problem("gone") : go({ done: "deleted", n });
    }
  }
}

async function moveTo(
  deps: WebDeps,
  box: MailboxRow,
  uids: readonly number[],
  target: MailboxRow,
  done: ActionDone,
  go: (outcome: Record<string, string | number>) => FastifyReply,
  problem: (code: ActionProblem) => FastifyReply,
): Promise<FastifyReply> {
  try {
    const n = (await moveMessages(deps.store, box.id, uids, target.id)).srcUids.length;
    return n === 0 ? problem("gone") : go({ done, n, to: target.id });
  } catch (e) {
    // The target was deleted meanwhile (by IMAP, or another browser).
    if (e instanceof MailboxGoneError) return problem("target");
    throw e;
  }
}

/** "Empty Trash": asks first (how many go), then deletes for good the messages it counted, not ones that arrived since. */
async function empty(deps: WebDeps, req: FastifyRequest<{ Params: { box: string }; Body: EmptyBody }>, reply: FastifyReply): Promise<FastifyReply> {
  const t = req.t;
  const l = t.mail.list;
  const accountId = mailAccount(req);
  const box = accountId === null ? undefined : await ownedFolder(deps, accountId, req.params.box);
  const kind = box === undefined ? null : emptiable(box);
  if (box === undefined || kind === null) return sendPage(req, reply, t.errors.notFound, html`<p><a href="${MAIL.home}">${t.errors.back}</a></p>`, 404);
  const list = MAIL.folder(box.id);
  if (req.body.confirm !== "yes" || req.body.upto === undefined) {
    const status = await mailboxStatus(deps.db, box.id, { recent: false });
    const count = status?.messages ?? 0;
    if (count === 0) return reply.redirect(withOutcome(list, list, { problem: "nothing" }), 303);
    const title = kind === "\\Trash" ? l.emptyTrash : l.emptyJunk;
    const main = html`${notice("problem", l.emptyWarning(folderLabel(req.t, box), count))}
      <form method="post" action="${MAIL.empty(box.id)}" class="stack">${csrfField(reply)}<input type="hidden" name="confirm" value="yes"><input type="hidden" name="upto" value="${(status?.uidnext ?? 1) - 1}">
        <button type="submit" class="danger">${l.emptyConfirm(folderLabel(req.t, box), count)}</button></form>
      <p><a href="${list}">${l.keep}</a></p>`;
    return sendPage(req, reply, title, main);
  }
  const uids = await uidsUpTo(deps.db, box.id, req.body.upto);
  const n = uids.length === 0 ? 0 : await deleteForGood(deps, box.id, uids);
  return reply.redirect(withOutcome(list, list, n === 0 ? { problem: "nothing" } : { done: "emptied", n }), 303);
}

export function registerMailActions(app: FastifyInstance, deps: WebDeps): void {
  const guarded = [requireUser, app.csrfProtection.bind(app)];
  app.post<{ Params: { box: string }; Body: ActionBody }>("/mail/f/:box/actions", { schema: ACTION_BODY, preHandler: guarded }, (req, reply) => act(deps, req, reply));
  app.post<{ Params: { box: string }; Body: EmptyBody }>("/mail/f/:box/empty", { schema: EMPTY_BODY, preHandler: guarded }, (req, reply) => empty(deps, req, reply));
}
