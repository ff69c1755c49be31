/**
 * The webmail's message list (issue 14) without HTTP: a page of a folder, newest first, or of a
 * search's results, and per message the little a list shows — the sender's decoded name and
 * address, the subject, the date and whether it has an attachment.
 *
 * A plain page reads its own 50 rows (the (mailbox_id, uid) index, `newestMessages`) and its counts
 * from the mailbox's counters, never the whole mailbox. The summary is made once per blob: blob
 * files are written once and never change (a blob name is a cache key that never goes stale), so
 * summaries live in a bounded LRU shared by every request. A search runs IMAP's SEARCH engine
 * (`searchMailbox`, RFC 9051 §6.4.4), the one the mail programs use, and may scan the mailbox as
 * that does.
 */
import { Lru, searchMailbox, type SearchKey } from "../imap-server/index.ts";
import { decodeEncodedWords, isMultipart, paramValue, parseAddressList, parseDateField, parseMime, type MimePart } from "../mime/index.ts";
import { BlobGoneError, mailboxStatus, messageRows, newestMessages, type ListedMessage, type Store } from "../store/index.ts";

/** Messages on one page of the list. */
const PAGE_SIZE = 50;
/** The longest search string taken (the form and the query's schema say so too). */
export const SEARCH_MAX = 200;
/**
 * Bytes of summaries kept (about 350 each): a 100,000-message mailbox's all, so paging through a big
 * folder reads each message once, not again after the cache has turned over.
 */
const SUMMARY_BUDGET = 64 * 1024 * 1024;
/** Characters of a subject or a name kept for the list: it shows one line. */
const TEXT_MAX = 300;

interface Paging {
  /** The page shown, from 1, at most `pages`. */
  page: number;
  /** Pages in all: at least 1 (an empty folder has one, empty, page). */
  pages: number;
  /** Messages before this page's first. */
  offset: number;
}

/** Which page to show of `total` messages when `asked` for: past the last is the last. */
export function paging(total: number, asked: number, size = PAGE_SIZE): Paging {
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Math.floor(asked)), pages);
  return { page, pages, offset: (page - 1) * size };
}

interface Sender {
  /** The display name, RFC 2047 encoded-words decoded; the address when there is none. */
  name: string;
  address: string;
}

/** What the list shows of one message's content (from its header and MIME tree). */
interface ListSummary {
  from: Sender | null;
  /** The first recipient (To, else Cc), and how many To and Cc name in all: Sent and Drafts list them instead of the sender. */
  to: Sender | null;
  recipients: number;
  /** Decoded; "" when there is none. */
  subject: string;
  /** The Date header (RFC 5322 §3.3) in ms, or null when it is missing or unreadable. */
  date: number | null;
  attachment: boolean;
}

/** C0 and C1 controls (a header may carry them, encoded): shown as a space. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * Text as a row shows it, one short line. A fresh copy: a slice of the header's text would pin the
 * whole header (it may be megabytes) in the cache for as long as the summary lives.
 */
function shown(text: string): string {
  const s = text.replace(CONTROLS, " ").trim();
  return Buffer.from(s.length > TEXT_MAX ? `${s.slice(0, TEXT_MAX)}…` : s, "utf8").toString("utf8");
}

/** The mailboxes of an address field (RFC 5322 §3.4, §3.6.2-3), names decoded (RFC 2047 §6.2); a group's start and end markers left out. */
function mailboxesOf(value: string): Sender[] {
  const out: Sender[] = [];
  for (const a of parseAddressList(value)) {
    if (a.host === null || a.mailbox === null) continue; // a group's start or end (RFC 5322 §3.4)
    const address = shown(`${a.mailbox}@${a.host}`);
    const name = a.name === null ? "" : shown(decodeEncodedWords(a.name));
    out.push({ name: name === "" ? address : name, address });
  }
  return out;
}

/** The first mailbox of a From field (RFC 5322 §3.6.2), its name decoded (RFC 2047 §6.2). */
export function senderOf(value: string): Sender | null {
  return mailboxesOf(value)[0] ?? null;
}

/**
 * Whether a message has an attachment: a part with Content-Disposition "attachment" (RFC 2183 §2.2),
 * or a leaf that is neither text nor multipart and carries a file name (RFC 2183 §2.3 filename, or
 * the older Content-Type name parameter). An attached message counts as one part: its own parts
 * are not looked into. The parser bounds the parts (parseMime's maxParts).
 */
export function hasAttachment(tree: MimePart): boolean {
  const stack: MimePart[] = [tree];
  for (let part = stack.pop(); part !== undefined; part = stack.pop()) {
    if (part.disposition?.type.toLowerCase() === "attachment") return true;
    if (isMultipart(part) && !part.truncated) {
      for (const child of part.children) stack.push(child);
      continue;
    }
    if (part.contentType.type.toLowerCase() === "text" || isMultipart(part)) continue;
    const name = paramValue(part.disposition?.params ?? [], "filename") ?? paramValue(part.contentType.params, "name");
    if (name !== undefined && name !== "") return true;
  }
  return false;
}

/** The list's summary of a message's bytes. */
export function summarize(raw: Buffer): ListSummary {
  const tree = parseMime(raw);
  const field = (name: string): string | undefined => tree.headers.find((f) => f.name.toLowerCase() === name)?.value;
  const from = field("from");
  const date = field("date");
  // RFC 5322 §3.6.3: To and Cc (Bcc is the writer's own business, and only their copy has it).
  const recipients = [...mailboxesOf(field("to") ?? ""), ...mailboxesOf(field("cc") ?? "")];
  return {
    from: from === undefined ? null : senderOf(from),
    to: recipients[0] ?? null,
    recipients: recipients.length,
    subject: shown(decodeEncodedWords(field("subject") ?? "")),
    date: date === undefined ? null : parseDateField(date),
    attachment: hasAttachment(tree),
  };
}

/** Heap bytes of a summary, roughly: the object and its strings (two bytes a character at most). */
function summaryCost(s: ListSummary): number {
  const chars = (p: Sender | null): number => (p === null ? 0 : p.name.length + p.address.length);
  return 250 + 2 * (s.subject.length + chars(s.from) + chars(s.to));
}

/**
 * Summaries by blob name, shared by every request: a bounded LRU, one read per blob even when many
 * requests ask at once, and at most `readers` blobs read at a time, so a page of big messages
 * never holds more than a few of them in memory (the bytes are dropped once summarised).
 */
export class SummaryCache {
  readonly #read: (blob: string, size: number) => Promise<Buffer>;
  readonly #lru: Lru<ListSummary>;
  readonly #inflight = new Map<string, Promise<ListSummary | null>>();
  readonly #readers: number;
  #reading = 0;
  readonly #waiting: Array<() => void> = [];
  /** Blobs read (for tests). */
  reads = 0;

  constructor(read: (blob: string, size: number) => Promise<Buffer>, opts: { budgetBytes?: number; readers?: number } = {}) {
    this.#read = read;
    this.#lru = new Lru(opts.budgetBytes ?? 32 * 1024 * 1024);
    this.#readers = opts.readers ?? 4;
  }

  /** The summary of a blob; null when its file is gone (the message was deleted since its row was read). */
  get(blob: string, size: number): Promise<ListSummary | null> {
    const hit = this.#lru.get(blob);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = this.#inflight.get(blob);
    if (p === undefined) {
      p = this.#make(blob, size).finally(() => this.#inflight.delete(blob));
      this.#inflight.set(blob, p);
    }
    return p;
  }

  async #make(blob: string, size: number): Promise<ListSummary | null> {
    while (this.#reading >= this.#readers) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#reading++;
    let raw: Buffer;
    try {
      this.reads++;
      raw = await this.#read(blob, size);
    } catch (e) {
      if (e instanceof BlobGoneError) return null;
      throw e;
    } finally {
      this.#reading--;
      this.#waiting.shift()?.();
    }
    const s = summarize(raw);
    this.#lru.set(blob, s, summaryCost(s));
    return s;
  }
}

const caches = new WeakMap<Store, SummaryCache>();

/** The summary cache of a store (one per process and store). */
function summaryCache(store: Store): SummaryCache {
  let c = caches.get(store);
  if (c === undefined) {
    c = new SummaryCache((blob, size) => store.blobs.read(blob, size), { budgetBytes: SUMMARY_BUDGET });
    caches.set(store, c);
  }
  return c;
}

/** Where a search looks: "to" is To or Cc, "all" any of them and the body. */
export const SEARCH_FIELDS = ["all", "from", "to", "subject", "body"] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** IMAP SEARCH's key for a webmail search (RFC 9051 §6.4.4: FROM, TO, CC, SUBJECT, BODY; OR). */
export function searchKey(field: SearchField, q: string): SearchKey {
  const header = (name: string): SearchKey => ({ type: "header", field: name, value: q });
  switch (field) {
    case "from":
      return header("From");
    case "to":
      return { type: "or", keys: [header("To"), header("Cc")] };
    case "subject":
      return header("Subject");
    case "body":
      return { type: "body", value: q };
    case "all":
      return { type: "or", keys: [header("From"), header("To"), header("Cc"), header("Subject"), { type: "body", value: q }] };
  }
}

/** One row of the list. */
export interface ListRow {
  uid: number;
  size: number;
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  from: Sender | null;
  /** The first recipient and how many there are (Sent and Drafts show them). */
  to: Sender | null;
  recipients: number;
  subject: string;
  /** The Date header's time, else the internal date (when the server got it). */
  date: number;
  attachment: boolean;
}

interface FolderPage {
  rows: ListRow[];
  paging: Paging;
  /** Messages in the folder, or found by the search. */
  total: number;
}

function hasFlag(flags: string, flag: string): boolean {
  return flags.split(" ").some((f) => f.toLowerCase() === flag);
}

/**
 * A page of a folder, newest (highest UID) first: its own rows only, or, with `search`, a page of
 * the UIDs IMAP's SEARCH finds. Messages deleted while the page was read are left out.
 */
export async function folderPage(store: Store, mailboxId: number, opts: { page: number; search?: { field: SearchField; q: string } }): Promise<FolderPage> {
  let total: number;
  let paged: Paging;
  let rows: ListedMessage[];
  if (opts.search === undefined) {
    total = (await mailboxStatus(store.db, mailboxId, { recent: false }))?.messages ?? 0;
    paged = paging(total, opts.page);
    rows = await newestMessages(store.db, mailboxId, paged.offset, PAGE_SIZE, total);
  } else {
    const found = await searchMailbox(store, mailboxId, searchKey(opts.search.field, opts.search.q));
    total = found.length;
    paged = paging(total, opts.page);
    const end = found.length - paged.offset;
    const uids = found.slice(Math.max(0, end - PAGE_SIZE), Math.max(0, end));
    rows = (await messageRows(store.db, mailboxId, uids)).sort((a, b) => b.uid - a.uid);
  }
  const cache = summaryCache(store);
  const summaries = await Promise.all(rows.map((r) => cache.get(r.blob, r.size)));
  const out: ListRow[] = [];
  rows.forEach((r, i) => {
    const s = summaries[i];
    if (s === null || s === undefined) return;
    out.push({
      uid: r.uid,
      size: r.size,
      seen: hasFlag(r.flags, "\\seen"),
      flagged: hasFlag(r.flags, "\\flagged"),
      answered: hasFlag(r.flags, "\\answered"),
      from: s.from,
      to: s.to,
      recipients: s.recipients,
      subject: s.subject,
      date: s.date ?? r.internalDate,
      attachment: s.attachment,
    });
  });
  return { rows: out, paging: paged, total };
}
