/**
 * What every webmail page shares (issue 14): the signed-in account's mailbox, a folder of it named
 * by its id (a folder's id never changes while it exists, and a new folder of the same name gets a
 * new one, so `/mail/f/ID/UID` names one message for as long as it exists — like UIDVALIDITY and UID
 * in IMAP, RFC 9051 §2.3.1.1), the folders beside every page, and the webmail's addresses.
 */
import type { FastifyRequest } from "fastify";
import { DEFAULT_MAILBOXES, getMailboxById, INBOX, listMailboxes, mailboxStatus, type MailboxRow } from "../store/index.ts";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import type { Text } from "./text-en.ts";

/** The webmail's addresses, in one place (pages link to each other through these). */
export const MAIL = {
  home: "/mail",
  folders: "/mail/folders",
  compose: "/mail/compose",
  /** A folder's message list; `page` from 1, `q` a search, `field` where to search. */
  folder: (box: number, o: { page?: number; q?: string; field?: string } = {}): string => {
    const params = new URLSearchParams();
    if (o.q !== undefined && o.q !== "") params.set("q", o.q);
    if (o.field !== undefined && o.field !== "" && o.q !== undefined && o.q !== "") params.set("field", o.field);
    if (o.page !== undefined && o.page > 1) params.set("page", String(o.page));
    const query = params.toString();
    return `/mail/f/${box}${query === "" ? "" : `?${query}`}`;
  },
  /** Changes to messages of a folder (flags, move, delete), posted from the list and the message page. */
  actions: (box: number): string => `/mail/f/${box}/actions`,
  /** Empties a Trash or Junk folder (after asking). */
  empty: (box: number): string => `/mail/f/${box}/empty`,
  message: (box: number, uid: number): string => `/mail/f/${box}/${uid}`,
  /** The message's HTML body, for its sandboxed frame; `remote` when the user allowed remote content. */
  body: (box: number, uid: number, remote: boolean): string => `/mail/f/${box}/${uid}/body${remote ? "?remote=1" : ""}`,
  /** One MIME part (RFC 9051 §6.4.5 section number, "1.2"), downloaded as an attachment. */
  part: (box: number, uid: number, section: string): string => `/mail/f/${box}/${uid}/part/${section}`,
} as const;

/** The account behind a webmail request, if it has a mailbox (a relay domain's administrator has none). */
export function mailAccount(req: FastifyRequest): number | null {
  const user = req.user;
  if (user === null) throw new Error("a mail page without a user");
  return user.mailbox ? user.accountId : null;
}

/** A positive integer from a path or query parameter ("12"), else null: ids and UIDs are never anything else. */
export function positiveInt(value: unknown): number | null {
  if (typeof value !== "string" || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** The account's folder with this id, or undefined (another account's folder is as absent as a missing one). */
export async function ownedFolder(deps: WebDeps, accountId: number, id: unknown): Promise<MailboxRow | undefined> {
  const n = typeof id === "number" ? id : positiveInt(id);
  if (n === null) return undefined;
  const box = await getMailboxById(deps.db, n);
  return box?.accountId === accountId ? box : undefined;
}

/** The account's folder with a special use (RFC 6154: "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"). */
export async function specialFolder(deps: WebDeps, accountId: number, use: string): Promise<MailboxRow | undefined> {
  return (await listMailboxes(deps.db, accountId)).find((b) => b.specialUse === use);
}

/**
 * The name a person reads for a folder: the folders every account starts with (INBOX and RFC 6154's
 * special-use ones, while they keep their first names) in the reader's language — "Gesendet" for
 * Sent, as German mail programs show it; any other folder, or one its owner renamed, by its own
 * name. IMAP clients see the stored names; only the page translates.
 */
export function folderLabel(t: Text, box: Pick<MailboxRow, "name" | "specialUse">): string {
  const first = box.name === INBOX ? INBOX : DEFAULT_MAILBOXES.find((d) => d.specialUse !== null && d.specialUse === box.specialUse && d.name === box.name)?.name;
  return first === undefined ? box.name : (t.mail.defaultFolders[first] ?? box.name);
}

/** Where the folders every account starts with stand in a list: INBOX, then as mail programs order the special uses. */
const FIRST = [INBOX, "\\Drafts", "\\Sent", "\\Archive", "\\Junk", "\\Trash"];

/**
 * Folders as mail programs list them (Thunderbird, Roundcube): INBOX, then the special-use folders
 * (Drafts, Sent, Archive, Junk, Trash), then the others by name — not by stored name, which in German
 * would put "Gesendet" (Sent) after the account's own folders.
 */
export function inListOrder<T extends Pick<MailboxRow, "name" | "specialUse">>(boxes: readonly T[]): T[] {
  const rank = (b: T): number => {
    const i = FIRST.indexOf(b.name === INBOX ? INBOX : (b.specialUse ?? ""));
    return i < 0 ? FIRST.length : i;
  };
  return [...boxes].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The folders beside every webmail page, each with its unread count (the store's counters: one row
 * each, no message is read), the current one marked; and the links to write a message and to manage
 * the folders.
 */
export async function folderNav(deps: WebDeps, req: FastifyRequest, accountId: number, current: number | null): Promise<Html> {
  const t = req.t;
  const boxes = inListOrder(await listMailboxes(deps.db, accountId));
  const counts = await Promise.all(boxes.map((b) => mailboxStatus(deps.db, b.id, { recent: false })));
  const items = boxes.map((b, i) => {
    const unseen = counts[i]?.unseen ?? 0;
    const name = folderLabel(t, b);
    const label = unseen > 0 ? t.mail.folderUnread(name, unseen) : name;
    return html`<li><a href="${MAIL.folder(b.id)}"${b.id === current ? html` aria-current="page"` : ""} aria-label="${label}">${name}${unseen > 0 ? html` <span class="count" aria-hidden="true">${unseen}</span>` : ""}</a></li>`;
  });
  return html`<nav class="folders" aria-label="${t.mail.foldersNav}"><p><a class="button" href="${MAIL.compose}">${t.mail.write}</a></p><ul>${items}</ul><p><a href="${MAIL.folders}">${t.mail.manageFolders}</a></p></nav>`;
}

/** A webmail page's main area: the folders beside the page's own content. */
export function withFolders(nav: Html, content: Html): Html {
  return html`<div class="mail">${nav}<div class="mail-main">${content}</div></div>`;
}
