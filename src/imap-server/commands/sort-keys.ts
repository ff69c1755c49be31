/**
 * What SORT and THREAD order by (RFC 5256 §2, §3; RFC 5957): per message, from the header fields
 * of its parsed MIME tree (the shared message cache's, through mime's ENVELOPE), the sent date with
 * its zone, the base subject (§2.1), the first From/To/Cc mailbox and display name, and the
 * Message-ID, References and In-Reply-To ids. Computed once per blob and kept in a bounded cache
 * shared by every session, so a SORT over a mailbox reads each message at most once.
 */
import { decodeEncodedWords, envelope, type ImapAddress, type MimePart } from "../../mime/index.ts";
import type { ImapApi } from "../command.ts";
import { loadedOrGone, Lru, messageCache, readAhead } from "../message-cache.ts";
import type { Store } from "../../store/index.ts";
import type { MailboxView } from "../view.ts";

interface MessageKeys {
  /** The Date header as milliseconds UTC, its zone applied; null when missing or unparsable. */
  sent: number | null;
  /** The base subject (RFC 5256 §2.1), case-folded for comparison. */
  subject: string;
  /** Extracting the base subject removed a Re:, Fwd:, "(fwd)" or "[fwd: …]" (RFC 5256 §3, REFERENCES step 5). */
  replyOrForward: boolean;
  /** addr-mailbox of the first address (RFC 5256 §3 FROM, TO, CC), case-folded; "" when none. */
  from: string;
  to: string;
  cc: string;
  /** The first address's decoded display name, else its addr-spec (RFC 5957 §3), case-folded. */
  displayFrom: string;
  displayTo: string;
  /** The Message-ID's id (without angle brackets); null when it has none. */
  messageId: string | null;
  /** The References ids in order, or the first In-Reply-To id when References has none (RFC 5256 §3). */
  references: string[];
}

const NO_KEYS: MessageKeys = {
  sent: null, subject: "", replyOrForward: false, from: "", to: "", cc: "", displayFrom: "", displayTo: "", messageId: null, references: [],
};

/**
 * RFC 5256 §3 collates as I18NLEVEL=1 does (RFC 5255 §4), with i;unicode-casemap (RFC 5051): here
 * the simple upper-case of every character stands in for its title-case (I18NLEVEL is not advertised).
 */
function fold(s: string): string {
  return s.toUpperCase();
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
/** RFC 5322 §4.3 obsolete zones; military letters (and anything unknown) count as +0000. */
const ZONES: Record<string, number> = { ut: 0, gmt: 0, z: 0, edt: -4, est: -5, cdt: -5, cst: -6, mdt: -6, mst: -7, pdt: -7, pst: -8 };

/** A Date header's instant (RFC 5322 §3.3, obsolete years and zones included), or null. */
export function sentTime(value: string): number | null {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{2,4})\s+(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*([+-]\d{4}|[A-Za-z]+)?/.exec(value);
  if (m === null) return null;
  const [, d, mon, y, hh, mm, ss, zone] = m;
  const month = MONTHS.indexOf((mon ?? "").toLowerCase());
  let year = Number(y);
  if ((y ?? "").length === 2) year += year < 50 ? 2000 : 1900;
  else if ((y ?? "").length === 3) year += 1900;
  const [day, hour, minute, second] = [Number(d), Number(hh), Number(mm), Number(ss ?? "0")];
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0; // minutes east of UTC
  if (zone !== undefined && /^[+-]\d{4}$/.test(zone)) {
    const n = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3));
    offset = zone.startsWith("-") ? -n : n;
  } else if (zone !== undefined) {
    offset = (ZONES[zone.toLowerCase()] ?? 0) * 60;
  }
  return Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
}

const isWsp = (c: string | undefined): boolean => c === " " || c === "\t";

/** subj-blob = "[" *BLOBCHAR "]" *WSP at `i`: the index past it, or -1. */
function blobEnd(s: string, i: number): number {
  if (s[i] !== "[") return -1;
  let j = i + 1;
  while (j < s.length && s[j] !== "]" && s[j] !== "[") j++;
  if (s[j] !== "]") return -1;
  j++;
  while (isWsp(s[j])) j++;
  return j;
}

/** subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" at `i`, case-insensitive: the index past it, or -1. */
function refwdEnd(s: string, i: number): number {
  const head = s.slice(i, i + 3).toLowerCase();
  let j = head.startsWith("re") ? i + 2 : head === "fwd" ? i + 3 : head.startsWith("fw") ? i + 2 : -1;
  if (j < 0) return -1;
  while (isWsp(s[j])) j++;
  const b = blobEnd(s, j);
  if (b >= 0) j = b;
  return s[j] === ":" ? j + 1 : -1;
}

/**
 * The base subject of RFC 5256 §2.1, and whether a reply or forward marker was removed on the way.
 * Linear in the subject: each step moves an index forward or an end backward.
 */
export function baseSubject(subject: string): { base: string; replyOrForward: boolean } {
  // (1) encoded-words decoded; tabs and line breaks become spaces; runs of spaces one.
  let s = decodeEncodedWords(subject).replace(/[\t\r\n]/g, " ").replace(/ {2,}/g, " ");
  let refwd = false;
  for (;;) {
    // (2) trailing "(fwd)" and blanks.
    let end = s.length;
    for (;;) {
      if (isWsp(s[end - 1])) end--;
      else if (end >= 5 && s.slice(end - 5, end).toLowerCase() === "(fwd)") {
        end -= 5;
        refwd = true;
      } else break;
    }
    s = s.slice(0, end);
    // (3)-(5) leading blanks, subj-refwd after any blobs, and blobs that leave a non-empty subject.
    let i = 0;
    for (;;) {
      if (isWsp(s[i])) {
        i++;
        continue;
      }
      let j = i;
      let lastBlob = i;
      for (let b = blobEnd(s, j); b >= 0; b = blobEnd(s, j)) {
        lastBlob = j;
        j = b;
      }
      const r = refwdEnd(s, j);
      if (r >= 0) {
        i = r;
        refwd = true;
        continue;
      }
      // (4) Blobs not before a subj-refwd go while something is left after them: all of them, or
      // all but the last when nothing follows it (what follows a blob never starts with a blank).
      if (j > i) i = j < s.length ? j : lastBlob;
      break;
    }
    s = s.slice(i);
    // (6) "[fwd: …]" around the whole subject: removed, and back to (2).
    if (s.length >= 6 && s.slice(0, 5).toLowerCase() === "[fwd:" && s.endsWith("]")) {
      s = s.slice(5, -1);
      refwd = true;
      continue;
    }
    return { base: s, replyOrForward: refwd };
  }
}

/** The ids (between angle brackets) in a Message-ID, References or In-Reply-To value. */
function messageIds(value: string | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.from(value.matchAll(/<([^<>\s]+)>/g), (m) => m[1] ?? "");
}

/** The first address that is not a group marker. */
function firstAddress(list: readonly ImapAddress[] | null): ImapAddress | undefined {
  return list?.find((a) => a.host !== null);
}

function displayName(a: ImapAddress | undefined): string {
  if (a === undefined) return "";
  const name = a.name === null ? "" : decodeEncodedWords(a.name).trim();
  return fold(name !== "" ? name : `${a.mailbox ?? ""}@${a.host ?? ""}`);
}

/** The sort and thread keys of a message from its parsed header (the root part). */
export function messageKeys(tree: MimePart): MessageKeys {
  const env = envelope(tree);
  const { base, replyOrForward } = baseSubject(env.subject ?? "");
  const from = firstAddress(env.from);
  const to = firstAddress(env.to);
  const refsField = tree.headers.find((f) => f.name.toLowerCase() === "references");
  let references = messageIds(refsField?.value);
  if (references.length === 0) references = messageIds(env.inReplyTo).slice(0, 1);
  return {
    sent: env.date === null ? null : sentTime(env.date),
    subject: fold(base),
    replyOrForward,
    from: fold(from?.mailbox ?? ""),
    to: fold(to?.mailbox ?? ""),
    cc: fold(firstAddress(env.cc)?.mailbox ?? ""),
    displayFrom: displayName(from),
    displayTo: displayName(to),
    messageId: messageIds(env.messageId)[0] ?? null,
    references,
  };
}

function keysCost(k: MessageKeys): number {
  let chars = k.subject.length + k.from.length + k.to.length + k.cc.length + k.displayFrom.length + k.displayTo.length + (k.messageId?.length ?? 0);
  for (const r of k.references) chars += r.length + 16;
  return 200 + 2 * chars;
}

/** About 16 MiB of keys: some 20,000 to 40,000 messages, by the length of their References. */
const KEYS_BUDGET = 16 * 1024 * 1024;
const caches = new WeakMap<Store, Lru<MessageKeys>>();

function keysCache(store: Store): Lru<MessageKeys> {
  let c = caches.get(store);
  if (c === undefined) {
    c = new Lru(KEYS_BUDGET);
    caches.set(store, c);
  }
  return c;
}

/** One message as SORT and THREAD see it. */
export interface SortFacts {
  seq: number;
  uid: number;
  /** RFC822.SIZE (SORT SIZE). */
  size: number;
  /** The internal date (SORT ARRIVAL). */
  arrival: number;
  /** The sent date, or the internal date when the Date header gives none (RFC 5256 §2.2). */
  date: number;
  keys: MessageKeys;
}

/**
 * The facts of the messages `seqs` of the view, in that order: keys from the cache, or from one
 * read of the message (through the shared message cache, a few reads ahead). A message expunged
 * meanwhile (its row or file gone) sorts with empty keys.
 */
export async function sortFacts(s: ImapApi, view: MailboxView, seqs: readonly number[], opts: { header: boolean }): Promise<SortFacts[]> {
  const cache = messageCache(s.store);
  const keys = keysCache(s.store);
  const uids = seqs.map((seq) => view.uidAt(seq) ?? 0);
  const rows = await cache.rows(view, uids);
  const blobs = opts.header ? uids.map((uid) => rows.get(uid)) : [];
  const load = readAhead(cache, blobs, (blob) => keys.get(blob) !== undefined);
  const out: SortFacts[] = [];
  for (let i = 0; i < seqs.length; i++) {
    const uid = uids[i] ?? 0;
    const row = rows.get(uid);
    let k = NO_KEYS;
    if (opts.header && row !== undefined) {
      const hit = keys.get(row.blob);
      if (hit !== undefined) {
        k = hit;
      } else {
        const loaded = await loadedOrGone(load(i) ?? cache.load(row.blob, row.size));
        if (loaded !== null) {
          k = messageKeys(loaded.tree);
          keys.set(row.blob, k, keysCost(k));
        }
      }
    }
    const arrival = row?.internalDate ?? 0;
    out.push({ seq: seqs[i] ?? 0, uid, size: row?.size ?? 0, arrival, date: k.sent ?? arrival, keys: k });
  }
  return out;
}
