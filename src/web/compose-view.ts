/**
 * The compose form (`/mail/compose`): a plain form that works without JavaScript, posted as
 * multipart/form-data with its CSRF token as the first field. The sender is shown, not asked for:
 * it is always the account's own address.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import { folderNav, MAIL, withFolders } from "./mail-common.ts";
import { ADDRESS_FIELD_MAX, type ReplyMode } from "./mail-compose.ts";
import { csrfField, sendPage } from "./page.ts";

/** An attachment carried over from a message of the account's (a forwarded one, a draft). */
export interface CarriedView {
  /** "box.uid.section" */
  ref: string;
  filename: string;
  size: number;
}

/** What the form shows: as prefilled, or as the person wrote it before a refusal. */
export interface ComposeState {
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  text: string;
  /** The message answered or forwarded ("box.uid") and how. */
  reply: string | null;
  mode: ReplyMode | null;
  /** The draft (its UID in Drafts) this form continues. */
  draft: number | null;
  carried: CarriedView[];
}

export const EMPTY_STATE: ComposeState = { to: "", cc: "", bcc: "", subject: "", text: "", reply: null, mode: null, draft: null, carried: [] };

/** Longest subject and text the form offers (the server's message size limit bounds them anyway). */
const SUBJECT_MAX = 998;

export async function composePage(
  deps: WebDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  accountId: number,
  state: ComposeState,
  notices: Html | "" = "",
  status = 200,
): Promise<FastifyReply> {
  const t = req.t.mail.compose;
  const own = req.user?.address ?? "";
  const title = state.draft !== null ? t.draftTitle : state.mode === "forward" ? t.forwardTitle : state.mode !== null ? t.replyTitle : t.title;
  const hidden = (name: string, value: string | number | null): Html | "" => (value === null ? "" : html`<input type="hidden" name="${name}" value="${String(value)}">`);
  const address = (name: "to" | "cc" | "bcc", label: string, value: string): Html =>
    html`<label for="compose-${name}">${label}</label><input type="text" id="compose-${name}" name="${name}" value="${value}" maxlength="${ADDRESS_FIELD_MAX}" autocomplete="off" spellcheck="false" aria-describedby="address-hint">`;
  const carried =
    state.carried.length === 0
      ? ""
      : html`<fieldset class="carried"><legend>${t.carried}</legend>${state.carried.map(
          (c) => html`<label class="check"><input type="checkbox" name="keep" value="${c.ref}" checked> ${t.keep(c.filename, c.size)}</label>`,
        )}</fieldset>`;
  // The token first: the server reads it before any file (compose-form.ts).
  const form = html`${notices}<form method="post" action="${MAIL.compose}" enctype="multipart/form-data" class="compose">${csrfField(reply)}
    ${hidden("reply", state.reply)}${hidden("mode", state.mode)}${hidden("draft", state.draft)}
    <div class="compose-grid">
      <span class="from-label" id="compose-from-label">${t.from}</span><span class="from" aria-labelledby="compose-from-label">${own}</span>
      ${address("to", t.to, state.to)}
      ${address("cc", t.cc, state.cc)}
      ${address("bcc", t.bcc, state.bcc)}
      <span></span><p class="hint" id="address-hint">${t.addressHint}</p>
      <label for="compose-subject">${t.subject}</label><input type="text" id="compose-subject" name="subject" value="${state.subject}" maxlength="${SUBJECT_MAX}">
    </div>
    <label for="compose-text">${t.text}</label>
    <textarea id="compose-text" name="text" rows="18">
${state.text}</textarea>
    ${carried}
    <label for="compose-files">${t.files}</label>
    <input type="file" id="compose-files" name="files" multiple aria-describedby="files-hint">
    <p class="hint" id="files-hint">${t.filesHint(deps.maxMessageSize())}</p>
    <p class="actions"><button type="submit" name="action" value="send">${t.send}</button><button type="submit" name="action" value="draft" class="secondary">${t.saveDraft}</button></p>
  </form>`;
  const nav = await folderNav(deps, req, accountId, null);
  return sendPage(req, reply, title, withFolders(nav, form), status);
}
