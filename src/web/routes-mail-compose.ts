/**
 * Writing mail in the webmail (issue 14): `/mail/compose` — a new message, a reply, a reply to
 * all, a forward (`?reply=<folder>.<uid>&mode=reply|all|forward`), or a draft again
 * (`?draft=<uid>`). "Send" builds the message (compose-build.ts), submits it through port 587's
 * path (smtp-server's submitMessage, via WebDeps.submit), puts the same bytes in Sent with \Seen,
 * marks the original \Answered (RFC 9051 §2.3.2) or $Forwarded (RFC 5788's keyword registry) and
 * removes the draft it came from. "Save draft" puts it in Drafts with \Draft and \Seen, replacing the
 * draft it continues (APPEND the new one, expunge the old: what IMAP clients do).
 *
 * Every change is a store write, so IMAP sessions see it at once. A form that cannot be sent comes
 * back with what the person wrote and the reason (not a 303: the text would be lost); whatever
 * was done answers 303. The upload parser is registered for these routes only (the console's other
 * forms keep the 64 KB body limit).
 */
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { appendMessage, expunge, OverQuotaError, storeFlags, type MailboxRow } from "../store/index.ts";
import { buildMessage, type Written } from "./compose-build.ts";
import { composeForm, composeFormReader, type Upload } from "./compose-form.ts";
import { composePage, EMPTY_STATE, type CarriedView, type ComposeState } from "./compose-view.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { folderLabel, folderNav, MAIL, mailAccount, positiveInt, specialFolder, withFolders } from "./mail-common.ts";
import { formatAddresses, isReplyMode, parseAddressField, parseMessageRef, parsePartRef, quoteText, replyRecipients, replySubject, threadHeaders, type Mailbox, type ReplyMode } from "./mail-compose.ts";
import { attachmentContent, readOriginal, type Original } from "./mail-original.ts";
import { notice, sendPage } from "./page.ts";
import type { Text } from "./text-en.ts";

const SENT_PAGE = `${MAIL.compose}/sent`;

export function registerMailCompose(app: FastifyInstance, deps: WebDeps): void {
  void app.register(async (scope) => {
    // Only here: multipart bodies on these routes, each read by composeFormReader within the size limit.
    // A file past the size limit is cut by busboy and marked, not thrown: compose-form.ts answers it.
    await scope.register(multipart, { throwFileSizeLimit: false });
    const readForm = composeFormReader(() => deps.maxMessageSize());

    scope.get(MAIL.compose, { preHandler: requireUser }, (req, reply) => showCompose(deps, req, reply));
    scope.post(MAIL.compose, { preHandler: [requireUser, readForm, scope.csrfProtection.bind(scope)] }, (req, reply) => postCompose(deps, req, reply));
    scope.get(SENT_PAGE, { preHandler: requireUser }, (req, reply) => showSent(deps, req, reply));
  });
}

function noMailbox(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(req, reply, req.t.mail.compose.title, html`<p>${req.t.account.consoleOnly}</p>`, 404);
}

async function showCompose(deps: WebDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const accountId = mailAccount(req);
  if (accountId === null) return noMailbox(req, reply);
  const t = req.t.mail.compose;
  const q = req.query as Record<string, unknown>;
  if (q.draft !== undefined) {
    const drafts = await specialFolder(deps, accountId, "\\Drafts");
    const uid = positiveInt(q.draft);
    const draft = drafts === undefined || uid === null ? undefined : await readOriginal(deps, accountId, drafts.id, uid);
    if (draft === undefined) return composePage(deps, req, reply, accountId, EMPTY_STATE, notice("problem", t.missingDraft), 404);
    const saved = q.saved === "1" && drafts !== undefined ? notice("ok", t.draftSaved(folderLabel(req.t, drafts))) : "";
    return composePage(deps, req, reply, accountId, draftState(draft), saved);
  }
  if (q.reply !== undefined || q.mode !== undefined) {
    const ref = parseMessageRef(q.reply);
    const mode = isReplyMode(q.mode) ? q.mode : null;
    const original = ref === null || mode === null ? undefined : await readOriginal(deps, accountId, ref.box, ref.uid);
    if (original === undefined || mode === null) return composePage(deps, req, reply, accountId, EMPTY_STATE, notice("problem", t.missingOriginal), 404);
    return composePage(deps, req, reply, accountId, replyState(req.t, original, mode, req.user?.address ?? ""));
  }
  return composePage(deps, req, reply, accountId, EMPTY_STATE);
}

/** A reply, reply to all or forward, prefilled from the original. */
function replyState(text: Text, o: Original, mode: ReplyMode, own: string): ComposeState {
  const t = text.mail.compose;
  const date = o.time !== null ? text.date(o.time) : (o.date ?? "");
  const base = { ...EMPTY_STATE, reply: `${o.box.id}.${o.uid}`, mode, subject: replySubject(o.subject, mode) };
  if (mode === "forward") {
    // Forwarded inline with its files carried along (not as message/rfc822): every mail program,
    // an old phone's too, shows the text and the files directly; the text is the person's to edit.
    const line = (label: string, value: string): string => (value === "" ? "" : `${label}: ${value}\n`);
    const head = `${t.forwarded}\n${line(t.from, formatAddresses(o.from))}${line(t.date, date)}${line(t.subject, o.subject)}${line(t.to, formatAddresses(o.to))}${line(t.cc, formatAddresses(o.cc))}`;
    return { ...base, text: `\n\n${head}\n${o.text}`, carried: o.attachments.map((a) => ({ ref: `${o.box.id}.${o.uid}.${a.section}`, filename: a.name, size: a.size })) };
  }
  const who = replyRecipients(o, mode, own);
  const author = o.from[0];
  const name = author === undefined ? "" : author.name !== "" ? author.name : author.address;
  return { ...base, to: formatAddresses(who.to), cc: formatAddresses(who.cc), text: `${quoteText(t.wrote(date, name), o.text)}\n` };
}

/** A draft as the form it was saved from. */
function draftState(d: Original): ComposeState {
  // The draft's note says which message it answers: "12.34 reply".
  const [ref, mode] = (d.origin ?? "").split(" ");
  const valid = parseMessageRef(ref) !== null && isReplyMode(mode);
  return {
    to: formatAddresses(d.to),
    cc: formatAddresses(d.cc),
    bcc: formatAddresses(d.bcc),
    subject: d.subject,
    text: d.text,
    reply: valid ? (ref ?? null) : null,
    mode: valid && isReplyMode(mode) ? mode : null,
    draft: d.uid,
    carried: d.attachments.map((a) => ({ ref: `${d.box.id}.${d.uid}.${a.section}`, filename: a.name, size: a.size })),
  };
}

/** Attachments carried by reference, read from the account's own messages (each message once). */
async function carriedFiles(deps: WebDeps, accountId: number, refs: readonly string[], budget: number): Promise<{ files: Upload[]; views: CarriedView[]; missing: number; tooLarge: boolean }> {
  const messages = new Map<string, Original | undefined>();
  const out = { files: [] as Upload[], views: [] as CarriedView[], missing: 0, tooLarge: false };
  let total = 0;
  for (const ref of new Set(refs)) {
    const p = parsePartRef(ref);
    if (p === null) {
      out.missing++;
      continue;
    }
    const key = `${p.box}.${p.uid}`;
    if (!messages.has(key)) messages.set(key, await readOriginal(deps, accountId, p.box, p.uid));
    const o = messages.get(key);
    const file = o === undefined ? undefined : attachmentContent(o, p.section.join("."));
    if (file === undefined) {
      out.missing++;
      continue;
    }
    total += file.content.length;
    if (total > budget) {
      out.tooLarge = true;
      break;
    }
    out.files.push(file);
    out.views.push({ ref, filename: file.filename, size: file.content.length });
  }
  return out;
}

async function postCompose(deps: WebDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const accountId = mailAccount(req);
  const own = req.user?.address;
  if (accountId === null || own === undefined) return noMailbox(req, reply);
  const t = req.t.mail.compose;
  const form = composeForm(req);
  const f = form.fields;
  const max = deps.maxMessageSize();
  const ref = parseMessageRef(f.reply);
  const mode = isReplyMode(f.mode) ? f.mode : null;
  const draftUid = positiveInt(f.draft);
  const carried = await carriedFiles(deps, accountId, form.keep, max);
  const state: ComposeState = {
    to: f.to ?? "",
    cc: f.cc ?? "",
    bcc: f.bcc ?? "",
    subject: f.subject ?? "",
    text: f.text ?? "",
    reply: ref === null || mode === null ? null : `${ref.box}.${ref.uid}`,
    mode: ref === null ? null : mode,
    draft: draftUid,
    carried: carried.views,
  };
  // The form again, as written, with the reasons; chosen files cannot be put back into a file input.
  const again = (problems: readonly string[], status: number): Promise<FastifyReply> => {
    const lost = form.uploads.length > 0 || form.tooLarge ? [t.filesLost] : [];
    const gone = carried.missing > 0 ? [t.carriedGone(carried.missing)] : [];
    return composePage(deps, req, reply, accountId, state, html`${[...problems, ...gone, ...lost].map((p) => notice("problem", p))}`, status);
  };
  if (form.tooLarge || carried.tooLarge) return again([t.tooLarge(max)], 413);

  const lists: Record<"to" | "cc" | "bcc", Mailbox[]> = { to: [], cc: [], bcc: [] };
  for (const field of ["to", "cc", "bcc"] as const) {
    const parsed = parseAddressField(state[field]);
    if (!parsed.ok) return again([t.badAddress(t[field], parsed.bad)], 400);
    lists[field] = parsed.list;
  }
  const action = f.action === "draft" ? "draft" : "send";
  const original = ref === null || mode === null ? undefined : await readOriginal(deps, accountId, ref.box, ref.uid);
  const written: Written = {
    // The sender is the account's own address whatever was posted (a "from" field is not read).
    from: own,
    ...lists,
    subject: state.subject,
    text: state.text,
    attachments: [...carried.files, ...form.uploads],
    // RFC 5322 §3.6.4: a reply names its parent; a forward starts a thread of its own.
    thread: original !== undefined && mode !== "forward" ? threadHeaders(original) : null,
    origin: action === "draft" && state.reply !== null ? `${state.reply} ${mode}` : null,
  };
  const drafts = await specialFolder(deps, accountId, "\\Drafts");

  if (action === "draft") {
    if (drafts === undefined) return again([t.noFolder("Drafts")], 409);
    const bytes = await buildMessage(written, deps.mailSettings().hostname);
    if (bytes.length > max) return again([t.tooLarge(max)], 413);
    const saved = await appendMessage(deps.store, drafts.id, bytes, "\\Draft \\Seen", Date.now());
    if (draftUid !== null) await removeDraft(deps, drafts, draftUid);
    return reply.redirect(`${MAIL.compose}?draft=${saved.uid}&saved=1`, 303);
  }

  const recipients = uniqueAddresses([...lists.to, ...lists.cc, ...lists.bcc]);
  if (recipients.length === 0) return again([t.noRecipient], 400);
  const bytes = await buildMessage(written, deps.mailSettings().hostname);
  if (bytes.length > max) return again([t.tooLarge(max)], 413);
  const outcome = await deps.submit({
    account: { accountId, address: own },
    client: { ip: req.conn.clientIp, tls: req.conn.tls, connectionId: req.conn.id, port: req.conn.port },
    from: own,
    recipients,
    message: bytes,
  });
  if (!outcome.sent) {
    const reasons = outcome.refusals.map((r) => {
      const said = `${r.code} ${r.status} ${r.text}`;
      return r.address === null ? t.refusedWhole(said) : t.refusedRecipient(r.address, said);
    });
    return again([t.notSent, ...reasons], 422);
  }
  req.conn.log.info("webmail message submitted", { id: outcome.id, recipients: recipients.length });
  // Sent: the same bytes (Bcc kept), already read.
  const sent = await specialFolder(deps, accountId, "\\Sent");
  let target = SENT_PAGE;
  if (sent !== undefined) {
    try {
      target += `?uid=${(await appendMessage(deps.store, sent.id, bytes, "\\Seen", Date.now())).uid}`;
    } catch (e) {
      if (!(e instanceof OverQuotaError)) throw e;
      target += "?nocopy=1";
    }
  }
  if (original !== undefined && mode !== null) {
    await storeFlags(deps.store, original.box.id, [original.uid], "add", [mode === "forward" ? "$Forwarded" : "\\Answered"]);
  }
  if (drafts !== undefined && draftUid !== null) await removeDraft(deps, drafts, draftUid);
  return reply.redirect(target, 303);
}

/** The addresses of a message's envelope, once each (RCPT names a recipient once). */
function uniqueAddresses(list: readonly Mailbox[]): string[] {
  const seen = new Map<string, string>();
  for (const m of list) if (!seen.has(m.address.toLowerCase())) seen.set(m.address.toLowerCase(), m.address);
  return [...seen.values()];
}

/** The draft a saved or sent form continued: flagged \Deleted and expunged (only that one). */
async function removeDraft(deps: WebDeps, drafts: MailboxRow, uid: number): Promise<void> {
  await storeFlags(deps.store, drafts.id, [uid], "add", ["\\Deleted"]);
  await expunge(deps.store, drafts.id, [uid]);
}

async function showSent(deps: WebDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const accountId = mailAccount(req);
  if (accountId === null) return noMailbox(req, reply);
  const t = req.t.mail.compose;
  const q = req.query as Record<string, unknown>;
  const sent = await specialFolder(deps, accountId, "\\Sent");
  const uid = positiveInt(q.uid);
  const copy = sent === undefined || uid === null ? undefined : await readOriginal(deps, accountId, sent.id, uid);
  const lines: Html[] = [];
  if (copy !== undefined && sent !== undefined) {
    const who = [...copy.to, ...copy.cc, ...copy.bcc].map((m) => m.address).join(", ");
    lines.push(notice("ok", t.sentTo(who)), html`<p>${t.sentCopy(folderLabel(req.t, sent))}</p>`);
  } else {
    lines.push(notice("ok", t.sentTitle));
    if (q.nocopy === "1" && sent !== undefined) lines.push(notice("problem", t.noCopy(folderLabel(req.t, sent))));
  }
  const links = html`<p class="actions"><a class="button" href="${MAIL.compose}">${t.writeAnother}</a>${sent === undefined ? "" : html`<a href="${MAIL.folder(sent.id)}">${t.openFolder(folderLabel(req.t, sent))}</a>`}</p>`;
  return sendPage(req, reply, t.sentTitle, withFolders(await folderNav(deps, req, accountId, null), html`${lines}${links}`));
}
