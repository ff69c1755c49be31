/**
 * The webmail's folders (`/mail/folders`, issue 14): every folder of the signed-in account with its
 * unread and total counts, and forms to create, rename and delete folders. They run the store
 * functions IMAP's CREATE, RENAME and DELETE run (src/store, mailbox-admin.ts), with the same rules
 * and in the same transactions, so an IMAP client sees each change at once: its next LIST, and a
 * session that has a deleted folder selected is told its messages are gone. Deleting a folder that
 * still holds messages asks first, on a page of its own (no JavaScript needed).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createMailbox, deleteMailbox, getMailbox, INBOX, listMailboxes, MailboxAdminError, mailboxStatus, renameMailbox, type MailboxAdminCode } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { folderLabel, inListOrder, MAIL, mailAccount } from "./mail-common.ts";
import { html, type Html } from "./html.ts";
import { csrfField, notice, sendPage } from "./page.ts";
import type { Text } from "./text-en.ts";

/** The store refuses longer names (mailbox-admin.ts); the form says so before. */
const NAME_MAX = 1000;
const PAGE = "/mail/folders";

type Done = "created" | "renamed" | "deleted";
const isDone = (v: unknown): v is Done => v === "created" || v === "renamed" || v === "deleted";

const NAME_BODY = {
  body: {
    type: "object",
    required: ["name"],
    properties: { name: { type: "string", maxLength: NAME_MAX }, to: { type: "string", maxLength: NAME_MAX }, confirm: { type: "string", maxLength: 8 }, _csrf: { type: "string" } },
  },
} as const;

interface NameBody {
  name: string;
  to?: string;
  confirm?: string;
}

const REFUSALS: readonly MailboxAdminCode[] = ["ALREADYEXISTS", "NONEXISTENT", "HASCHILDREN", "LIMIT", "CANNOT"];
const isRefusal = (v: unknown): v is MailboxAdminCode => REFUSALS.includes(v as MailboxAdminCode);

/** Why the store refused, in the reader's language. */
function refusal(t: Text, code: MailboxAdminCode): string {
  switch (code) {
    case "ALREADYEXISTS":
      return t.mail.exists;
    case "NONEXISTENT":
      return t.mail.missing;
    case "HASCHILDREN":
      return t.mail.hasChildren;
    case "LIMIT":
      return t.mail.limit;
    case "CANNOT":
      return t.mail.cannot;
  }
}

async function foldersPage(deps: WebDeps, req: FastifyRequest, reply: FastifyReply, message: Html | "" = "", status = 200): Promise<FastifyReply> {
  const t = req.t;
  const accountId = mailAccount(req);
  if (accountId === null) return sendPage(req, reply, t.mail.foldersTitle, html`<p>${t.account.consoleOnly}</p>`, 404);
  const boxes = inListOrder(await listMailboxes(deps.db, accountId));
  const counts = await Promise.all(boxes.map((b) => mailboxStatus(deps.db, b.id, { recent: false })));
  const csrf = csrfField(reply);
  const rows = boxes.map((b, i) => {
    const c = counts[i];
    const inbox = b.name === INBOX;
    // The name the pages show, and the stored one IMAP shows (and renaming starts from) when they differ.
    const label = folderLabel(t, b);
    return html`<tr><th scope="row"><a href="${MAIL.folder(b.id)}">${label}</a>${label === b.name ? "" : html` <span class="muted">(${b.name})</span>`}</th><td>${c?.unseen ?? 0}</td><td>${c?.messages ?? 0}</td>
      <td class="actions">${
        inbox
          ? ""
          : html`<form method="post" action="${PAGE}/rename">${csrf}<input type="hidden" name="name" value="${b.name}">
          <label>${t.mail.newName(b.name)}<input type="text" name="to" value="${b.name}" required maxlength="${NAME_MAX}"></label>
          <button type="submit">${t.mail.rename}</button></form>
        <form method="post" action="${PAGE}/delete">${csrf}<input type="hidden" name="name" value="${b.name}">
          <button type="submit" aria-label="${t.mail.deleteNamed(b.name)}">${t.mail.delete}</button></form>`
      }</td></tr>`;
  });
  const main = html`${message}
    <section aria-labelledby="folders"><h2 id="folders">${t.mail.yourFolders}</h2>
      <table><thead><tr><th scope="col">${t.mail.folder}</th><th scope="col">${t.mail.unread}</th><th scope="col">${t.mail.messages}</th><th scope="col">${t.mail.actions}</th></tr></thead>
      <tbody>${rows}</tbody></table></section>
    <section aria-labelledby="new-folder"><h2 id="new-folder">${t.mail.createTitle}</h2>
      <form method="post" action="${PAGE}/create" class="stack">${csrf}
        <label>${t.mail.folderName}<input type="text" name="name" required maxlength="${NAME_MAX}"></label>
        <p class="hint">${t.mail.nameHint}</p>
        <button type="submit">${t.mail.create}</button></form></section>`;
  return sendPage(req, reply, t.mail.foldersTitle, main, status);
}

/** After a change: back to the list (303, so a reload does not post again), saying what was done. */
function done(reply: FastifyReply, what: Done, name: string): FastifyReply {
  return reply.redirect(`${PAGE}?done=${what}&name=${encodeURIComponent(name)}`, 303);
}

/** Runs a folder change; a refusal goes back to the list too (303), which says why. */
async function change(deps: WebDeps, req: FastifyRequest, reply: FastifyReply, work: (accountId: number) => Promise<FastifyReply>): Promise<FastifyReply> {
  const accountId = mailAccount(req);
  if (accountId === null) return foldersPage(deps, req, reply);
  try {
    return await work(accountId);
  } catch (e) {
    if (e instanceof MailboxAdminError) return reply.redirect(`${PAGE}?problem=${e.code}`, 303);
    throw e;
  }
}

export function registerMailFolders(app: FastifyInstance, deps: WebDeps): void {
  const guarded = { schema: NAME_BODY, preHandler: [requireUser, app.csrfProtection.bind(app)] };

  app.get(PAGE, { preHandler: requireUser }, (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const message = isDone(q.done) && typeof q.name === "string" ? notice("ok", req.t.mail.done[q.done](q.name)) : isRefusal(q.problem) ? notice("problem", refusal(req.t, q.problem)) : "";
    return foldersPage(deps, req, reply, message, isRefusal(q.problem) ? 409 : 200);
  });

  app.post<{ Body: NameBody }>(`${PAGE}/create`, guarded, (req, reply) =>
    change(deps, req, reply, async (accountId) => done(reply, "created", (await createMailbox(deps.store, accountId, req.body.name)).name)),
  );

  app.post<{ Body: NameBody }>(`${PAGE}/rename`, guarded, (req, reply) =>
    change(deps, req, reply, async (accountId) => {
      const to = req.body.to ?? "";
      await renameMailbox(deps.store, accountId, req.body.name, to);
      return done(reply, "renamed", to);
    }),
  );

  app.post<{ Body: NameBody }>(`${PAGE}/delete`, guarded, (req, reply) =>
    change(deps, req, reply, async (accountId) => {
      const t = req.t;
      const { name } = req.body;
      const box = await getMailbox(deps.db, accountId, name);
      const count = box === undefined ? 0 : ((await mailboxStatus(deps.db, box.id, { recent: false }))?.messages ?? 0);
      // A folder with messages: deleted only once the user has seen how many go with it.
      if (count > 0 && req.body.confirm !== "yes") {
        const main = html`${notice("problem", t.mail.deleteWarning(name, count))}
          <form method="post" action="${PAGE}/delete" class="stack">${csrfField(reply)}<input type="hidden" name="name" value="${name}"><input type="hidden" name="confirm" value="yes">
            <button type="submit">${t.mail.deleteConfirm(count)}</button></form>
          <p><a href="${PAGE}">${t.mail.keep}</a></p>`;
        return sendPage(req, reply, t.mail.deleteNamed(name), main);
      }
      await deleteMailbox(deps.store, accountId, name);
      return done(reply, "deleted", name);
    }),
  );
}
