/**
 * The rules of writing a message in the webmail (issue 14), without I/O: the address fields as a
 * person types them, the subject of a reply or forward, the quoted original, the thread's
 * References (RFC 5322 §3.6.4), and who a reply goes to. The routes (routes-mail-compose.ts) read
 * the form and the original and build the message from what these return.
 */
import addressparser from "nodemailer/lib/addressparser";
import { isMailbox } from "../smtp/index.ts";
import { positiveInt } from "./mail-common.ts";

export interface Mailbox {
  /** The display name ("" when none). */
  name: string;
  address: string;
}

export type ReplyMode = "reply" | "all" | "forward";
export const isReplyMode = (v: unknown): v is ReplyMode => v === "reply" || v === "all" || v === "forward";

/** Longest address field the form takes (characters): far more than 100 recipients need. */
export const ADDRESS_FIELD_MAX = 20_000;

/**
 * A To, Cc or Bcc field as typed: addresses separated by commas (or semicolons, as Outlook users
 * type them), each bare or as `Name <address>`. The first that is not an address (RFC 5321 §4.1.2
 * Mailbox, the check RCPT makes) is returned as `bad`, as the person wrote it.
 */
export function parseAddressField(input: string): { ok: true; list: Mailbox[] } | { ok: false; bad: string } {
  const list: Mailbox[] = [];
  if (input.length > ADDRESS_FIELD_MAX) return { ok: false, bad: `${input.slice(0, 40)}…` };
  for (const piece of splitOutsideQuotes(input)) {
    if (piece.trim() === "") continue;
    // A line break or other control character belongs in no address or name (a header injection attempt).
    if (/[\x00-\x1f\x7f]/.test(piece.trim())) return { ok: false, bad: piece.trim() };
    const parsed = addressparser(piece, { flatten: true });
    const one = parsed.length === 1 ? parsed[0] : undefined;
    const address = one?.address?.trim() ?? "";
    if (one === undefined || !isMailbox(address)) return { ok: false, bad: piece.trim() };
    list.push({ name: one.name.trim(), address });
  }
  return { ok: true, list };
}

/** Splits at commas and semicolons outside quotes, angle brackets and comments, in one pass. */
function splitOutsideQuotes(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  let comment = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"' && comment === 0) quoted = !quoted;
    else if (quoted) continue;
    else if (c === "(") comment++;
    else if (c === ")" && comment > 0) comment--;
    else if (comment > 0) continue;
    else if (c === "<") angle = true;
    else if (c === ">") angle = false;
    else if ((c === "," || c === ";") && !angle) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Addresses for the form's fields again: `Name <address>` or the bare address; a name with specials is quoted (RFC 5322 §3.2.4). */
export function formatAddresses(list: readonly Mailbox[]): string {
  return list
    .map((m) => {
      if (m.name === "") return m.address;
      const name = /^[\p{L}\p{N} !#$%&'*+/=?^_`{|}~-]*$/u.test(m.name) ? m.name : `"${m.name.replace(/["\\]/g, "\\$&")}"`;
      return `${name} <${m.address}>`;
    })
    .join(", ");
}

/** The same addresses once each (compared without case), in their first order, leaving out `except`. */
function uniqueMailboxes(list: readonly Mailbox[], except: readonly string[] = []): Mailbox[] {
  const seen = new Set(except.map((a) => a.toLowerCase()));
  const out: Mailbox[] = [];
  for (const m of list) {
    const key = m.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}

/** What a reply needs of the original. */
export interface OriginalHeaders {
  from: Mailbox[];
  replyTo: Mailbox[];
  to: Mailbox[];
  cc: Mailbox[];
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
}

/**
 * Who a reply goes to (RFC 5322 §3.6.3: to Reply-To when the original has one, else to From).
 * Reply all adds the original's other To and Cc recipients (To stays To, Cc stays Cc), never the
 * writer's own address.
 */
export function replyRecipients(o: OriginalHeaders, mode: "reply" | "all", own: string): { to: Mailbox[]; cc: Mailbox[] } {
  const target = o.replyTo.length > 0 ? o.replyTo : o.from;
  if (mode === "reply") return { to: uniqueMailboxes(target), cc: [] };
  const to = uniqueMailboxes([...target, ...o.to], [own]);
  const cc = uniqueMailboxes(o.cc, [own, ...to.map((m) => m.address)]);
  // A reply to one's own message goes back to its recipients; only when nobody is left, to oneself.
  return { to: to.length > 0 || cc.length > 0 ? to : uniqueMailboxes(target), cc };
}

/** Prefixes people's mail programs put before a subject: "Re:", German "AW:", Nordic "SV:"; "Fwd:", "Fw:", German "WG:". */
const REPLY_PREFIX = /^(?:\s*(?:re|aw|sv|antw)(?:\[\d+\])?\s*:)+\s*/i;
const FORWARD_PREFIX = /^(?:\s*(?:fwd?|wg)\s*:)+\s*/i;

/** "Re: " or "Fwd: " before the subject, once (RFC 5322 §3.6.5: "Re: " marks a reply), however many the original had. */
export function replySubject(subject: string, mode: ReplyMode): string {
  const s = subject.trim();
  return mode === "forward" ? `Fwd: ${s.replace(FORWARD_PREFIX, "")}` : `Re: ${s.replace(REPLY_PREFIX, "")}`;
}

/** Message identifiers ("<left@right>") in a header value, in order; anything else between them is dropped. */
function messageIds(value: string | null): string[] {
  if (value === null) return [];
  return [...value.matchAll(/<[^<>\s"]{1,900}>/g)].map((m) => m[0]);
}

/** Most identifiers a References field keeps: the thread's first, and the newest ones (as Thunderbird trims it). */
const MAX_REFERENCES = 30;

/**
 * In-Reply-To and References of a reply (RFC 5322 §3.6.4): In-Reply-To is the parent's Message-ID;
 * References the parent's References (or, without them, its single In-Reply-To) followed by the
 * parent's Message-ID. A parent without a Message-ID gives neither.
 */
export function threadHeaders(o: Pick<OriginalHeaders, "messageId" | "inReplyTo" | "references">): { inReplyTo: string; references: string[] } | null {
  const id = messageIds(o.messageId)[0];
  if (id === undefined) return null;
  const parents = messageIds(o.references);
  const earlier = parents.length > 0 ? parents : messageIds(o.inReplyTo).length === 1 ? messageIds(o.inReplyTo) : [];
  let refs = [...earlier, id];
  if (refs.length > MAX_REFERENCES) refs = [refs[0] ?? id, ...refs.slice(refs.length - MAX_REFERENCES + 1)];
  return { inReplyTo: id, references: refs };
}

/** The original text quoted for a reply: the intro line, then every line with "> " before it (">" before an empty one). */
export function quoteText(intro: string, text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  return `${intro}\n${lines.map((l) => (l === "" ? ">" : l.startsWith(">") ? `>${l}` : `> ${l}`)).join("\n")}\n`;
}

/** A reference to a message of the account's, as the links write it: "<folder id>.<uid>". */
export function parseMessageRef(value: unknown): { box: number; uid: number } | null {
  const [b, u, ...rest] = typeof value === "string" ? value.split(".") : [];
  const box = positiveInt(b);
  const uid = positiveInt(u);
  return box === null || uid === null || rest.length > 0 ? null : { box, uid };
}

/** A carried attachment: "<folder id>.<uid>.<section>" (RFC 9051 §6.4.5 part number, "2" or "1.3"). */
export function parsePartRef(value: unknown): { box: number; uid: number; section: number[] } | null {
  if (typeof value !== "string") return null;
  const m = /^([1-9][0-9]{0,15}\.[1-9][0-9]{0,15})\.([1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,9})$/.exec(value);
  const ref = parseMessageRef(m?.[1]);
  if (m === null || ref === null) return null;
  return { ...ref, section: (m[2] ?? "").split(".").map(Number) };
}
