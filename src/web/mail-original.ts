/**
 * The message a reply, a forward or a reopened draft starts from, read from the account's own
 * folder (another account's message is as absent as a missing one): its addresses and subject
 * decoded (RFC 2047), its text for quoting, and its attachments with their part numbers (RFC 9051
 * §6.4.5) so the form can carry them by reference instead of uploading them again.
 */
import sanitizeHtml from "sanitize-html";
import { decodeEncodedWords, envelope, parseDateField, type ImapAddress, type MimePart } from "../mime/index.ts";
import { messageRows, type MailboxRow } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { ownedFolder } from "./mail-common.ts";
import type { Mailbox, OriginalHeaders } from "./mail-compose.ts";
import { messageView, partAt, partBytes, partText, type MessageView } from "./mail-message.ts";

export interface Original extends OriginalHeaders {
  box: MailboxRow;
  uid: number;
  flags: string;
  /** The Date field as written, and as a time when it can be read. */
  date: string | null;
  time: number | null;
  bcc: Mailbox[];
  /** The text to quote: the text/plain body, else the HTML one as text. */
  text: string;
  /** Its files, as the message page lists them (the same part numbers, the same names). */
  attachments: MessageView["attachments"];
  /** The draft's own note of the message it answers ("12.34 reply"), when it is a draft of ours. */
  origin: string | null;
  raw: Buffer;
  tree: MimePart;
}

/** A draft's note of the message it replies to or forwards; never in a message that is sent. */
export const ORIGIN_HEADER = "X-Sealpost-Origin";

/** The account's message `uid` in folder `box`, read and parsed; undefined when there is none. */
export async function readOriginal(deps: WebDeps, accountId: number, boxId: number, uid: number): Promise<Original | undefined> {
  const box = await ownedFolder(deps, accountId, boxId);
  if (box === undefined) return undefined;
  const [row] = await messageRows(deps.db, box.id, [uid]);
  if (row === undefined) return undefined;
  const raw = await deps.store.blobs.read(row.blob, row.size);
  // The message page's reading of it: the same body parts, files and names.
  const view = messageView(raw);
  const tree = view.root;
  const env = envelope(tree);
  const field = (name: string): string | null => tree.headers.find((h) => h.name.toLowerCase() === name)?.value ?? null;
  const date = env.date;
  return {
    box,
    uid,
    flags: row.flags,
    from: mailboxes(env.from),
    replyTo: mailboxes(field("reply-to") === null ? null : env.replyTo),
    to: mailboxes(env.to),
    cc: mailboxes(env.cc),
    bcc: mailboxes(env.bcc),
    subject: env.subject === null ? "" : decodeEncodedWords(env.subject),
    messageId: env.messageId,
    inReplyTo: env.inReplyTo,
    references: field("references"),
    date,
    time: date === null ? null : parseDateField(date),
    text: view.text !== null ? partText(raw, view.text).text : view.html !== null ? htmlAsText(partText(raw, view.html).text) : "",
    attachments: view.attachments,
    origin: field(ORIGIN_HEADER.toLowerCase()),
    raw,
    tree,
  };
}

/** ENVELOPE addresses as mailboxes, names decoded; group markers left out. */
function mailboxes(list: ImapAddress[] | null): Mailbox[] {
  return (list ?? []).flatMap((a) => (a.mailbox === null || a.host === null ? [] : [{ name: a.name === null ? "" : decodeEncodedWords(a.name), address: `${a.mailbox}@${a.host}` }]));
}

/** HTML mail as plain text for quoting: no tags, entities resolved by sanitize-html's parser. */
function htmlAsText(h: string): string {
  const text = sanitizeHtml(h.replace(/<br\s*\/?>|<\/(p|div|tr|li|h[1-6])>/gi, "\n"), { allowedTags: [], allowedAttributes: {}, nonTextTags: ["style", "script", "textarea", "option", "title", "head"] });
  return text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", nbsp: " " })[e] ?? "").replace(/\n{3,}/g, "\n\n").trim();
}

/** A listed attachment's decoded bytes, with its name and type; undefined when the message has no such file. */
export function attachmentContent(o: Original, section: string): { filename: string; contentType: string; content: Buffer } | undefined {
  const a = o.attachments.find((x) => x.section === section);
  const part = a === undefined ? null : partAt(o.tree, section);
  return a === undefined || part === null ? undefined : { filename: a.name, contentType: a.type, content: partBytes(o.raw, part) };
}
