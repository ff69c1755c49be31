/**
 * Parsed messages, shared by every IMAP session of a store. Blobs are written once and never
 * change, so a blob name is a cache key that can never go stale.
 *
 * Three bounded LRU tiers:
 * - `summary` (small, many entries): the formatted ENVELOPE, BODY and BODYSTRUCTURE (RFC 9051
 *   §7.5.2) and the Date SEARCH looks at (§6.4.4), all from the MIME tree (whose header fields
 *   are bounded), so FETCH ENVELOPE / BODYSTRUCTURE over a whole mailbox is served without I/O.
 * - `headers`: every header field, decoded, for SEARCH's header keys (§6.4.4) — built only when a
 *   SEARCH asks, in slices, as a header may have millions of fields.
 * - `loaded` (byte-budgeted): the raw bytes, with their MIME tree parsed on first use, for
 *   BODY[section], BINARY and body-text SEARCH (a whole-message BODY[] never parses).
 *
 * Plus, per mailbox, the columns of a message row that never change (blob name, size, internal
 * date; RFC 9051 §2.3.1.1: a UID names one message for as long as UIDVALIDITY stands), so FETCH
 * and SEARCH over a whole mailbox do not re-read a thousand rows per command.
 *
 * Concurrent requests for one blob share one read.
 */
import { envelope, bodyStructure, parseMime, type MimePart } from "../mime/index.ts";
import { BlobGoneError, messageRows, type Store } from "../store/index.ts";
import { headerIndexOf, type HeaderIndex } from "./commands/search-headers.ts";
import { formatBodyStructure, formatEnvelope } from "./parser/index.ts";
import { commonFields, sentDay } from "./commands/search-match.ts";

export interface MessageSummary {
  envelope: string;
  body: string;
  bodyStructure: string;
  /** The Date header's calendar day as YYYYMMDD, or null (SENTBEFORE/SENTON/SENTSINCE). */
  sentDay: number | null;
}

/** What SEARCH's header keys look at: every field of the message's header (RFC 9051 §6.4.4). */
interface SearchHeaders {
  /** Decoded, unfolded, lower-cased header fields (SEARCH HEADER). */
  headers: HeaderIndex;
  /** The same for From, To, Cc, Bcc, Subject (SEARCH FROM/TO/CC/BCC/SUBJECT). */
  common: Array<string | null>;
}

/** A message's bytes; the MIME tree is parsed when first asked for (and `onParsed` told). */
export class LoadedMessage {
  readonly raw: Buffer;
  #tree: MimePart | null = null;
  readonly #onParsed: ((tree: MimePart) => void) | undefined;
  constructor(raw: Buffer, onParsed?: (tree: MimePart) => void) {
    this.raw = raw;
    this.#onParsed = onParsed;
  }
  get tree(): MimePart {
    if (this.#tree === null) {
      this.#tree = parseMime(this.raw);
      this.#onParsed?.(this.#tree);
    }
    return this.#tree;
  }
}

/**
 * V8 heap bytes of a parsed tree, measured: about 80 bytes per header field plus two per character
 * of its name and values, and a few hundred per part. A message of 80,000 one-letter header lines
 * keeps 10,000 fields (~0.7 MB) for 240 KB of bytes, so the tree is counted, not guessed from the size.
 */
function treeCost(tree: MimePart): number {
  let cost = 0;
  const stack: MimePart[] = [tree];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    cost += 400;
    for (const f of p.headers) cost += 80 + 2 * (f.name.length + f.rawValue.length + f.value.length);
    stack.push(...p.children);
    if (p.message !== undefined) stack.push(p.message);
  }
  return cost;
}

/** The columns of a message row that never change. */
export interface StaticRow {
  blob: string;
  size: number;
  internalDate: number;
}

interface CacheLimits {
  /** Bytes of raw messages (and their trees) kept. */
  loadedBytes: number;
  /** Approximate bytes of summaries kept. */
  summaryBytes: number;
  /** Approximate bytes of SEARCH's header indexes kept. */
  headerBytes: number;
  /** Static rows kept, over all mailboxes (about 150 bytes each). */
  rows: number;
}

/** About 60,000 summaries (~1 KB each), 32 MiB of header indexes and 64 MiB of message bytes. */
const DEFAULT_LIMITS: CacheLimits = { loadedBytes: 64 * 1024 * 1024, summaryBytes: 64 * 1024 * 1024, headerBytes: 32 * 1024 * 1024, rows: 200_000 };

/**
 * A map bounded by the sum of its entries' costs, evicting with CLOCK (second chance), an LRU
 * approximation: a hit only sets a flag, so lookups never reorder the map — whole-mailbox scans by
 * many sessions cost one Map lookup per message. An entry flagged since the hand last passed is
 * moved to the young end instead of evicted.
 */
export class Lru<V> {
  readonly #map = new Map<string, { value: V; cost: number; used: boolean }>();
  readonly #budget: number;
  #total = 0;
  constructor(budget: number) {
    this.#budget = budget;
  }
  get size(): number {
    return this.#map.size;
  }
  get total(): number {
    return this.#total;
  }
  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    e.used = true;
    return e.value;
  }
  /** Changes the cost of an entry that is still held (what it holds grew); evicts as needed. */
  recost(key: string, value: V, cost: number): void {
    if (this.#map.get(key)?.value === value) this.set(key, value, cost);
  }
  set(key: string, value: V, cost: number): void {
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#total -= old.cost;
      this.#map.delete(key);
    }
    if (cost > this.#budget) return;
    this.#map.set(key, { value, cost, used: true }); // a new entry gets one chance too
    this.#total += cost;
    while (this.#total > this.#budget) {
      const oldest = this.#map.entries().next();
      if (oldest.done === true) break;
      const [k, e] = oldest.value;
      this.#map.delete(k);
      if (e.used) {
        e.used = false;
        this.#map.set(k, e);
      } else {
        this.#total -= e.cost;
      }
    }
  }
}

/**
 * A fresh sequential copy of a string. Formatted strings are V8 cons-string trees (and slices of
 * header text) that pin every piece they were built from; a cached string should be one flat block.
 */
function flat(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

function summarize(tree: MimePart): MessageSummary {
  return {
    envelope: flat(formatEnvelope(envelope(tree))),
    body: flat(formatBodyStructure(bodyStructure(tree, false))),
    bodyStructure: flat(formatBodyStructure(bodyStructure(tree, true))),
    sentDay: sentDay(tree.headers),
  };
}

/** V8 heap bytes of a summary, measured: about 100 bytes of objects plus one or two bytes per character. */
function summaryCost(s: MessageSummary): number {
  return 160 + s.envelope.length + s.body.length + s.bodyStructure.length;
}

function headersCost(h: SearchHeaders): number {
  let chars = h.headers.length;
  for (const v of h.common) chars += v === null ? 0 : v.length + 20;
  return 120 + chars;
}

export class MessageCache {
  readonly #store: Store;
  readonly #loaded: Lru<LoadedMessage>;
  readonly #summaries: Lru<MessageSummary>;
  readonly #headers: Lru<SearchHeaders>;
  readonly #rows: Lru<{ uidvalidity: number; rows: Map<number, StaticRow> }>;
  readonly #inflight = new Map<string, Promise<LoadedMessage>>();
  /** Blob reads, for tests and metrics. */
  reads = 0;

  constructor(store: Store, limits: Partial<CacheLimits> = {}) {
    this.#store = store;
    const l = { ...DEFAULT_LIMITS, ...limits };
    this.#loaded = new Lru(l.loadedBytes);
    this.#summaries = new Lru(l.summaryBytes);
    this.#headers = new Lru(l.headerBytes);
    this.#rows = new Lru(l.rows);
  }

  /** The bytes of a blob (its tree parsed on demand); `size`, when known, saves an fstat. */
  load(blob: string, size?: number): Promise<LoadedMessage> {
    const hit = this.#loaded.get(blob);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = this.#inflight.get(blob);
    if (p === undefined) {
      p = this.#read(blob, size).finally(() => this.#inflight.delete(blob));
      this.#inflight.set(blob, p);
    }
    return p;
  }

  async #read(blob: string, size: number | undefined): Promise<LoadedMessage> {
    this.reads++;
    return this.#keep(blob, await this.#store.blobs.read(blob, size));
  }

  #keep(blob: string, raw: Buffer): LoadedMessage {
    // The tree is counted once it is parsed: a header of many short fields costs more than its bytes.
    const loaded: LoadedMessage = new LoadedMessage(raw, (tree) => this.#loaded.recost(blob, loaded, 512 + raw.length + treeCost(tree)));
    this.#loaded.set(blob, loaded, 512 + raw.length);
    return loaded;
  }

  /**
   * The bytes of a blob this process has just written (APPEND), kept as a read would keep them: the
   * FETCH that usually follows (a client showing its new message) needs no file I/O. Copied, so a
   * slice of the session's input buffer is not what the cache pins.
   */
  remember(blob: string, bytes: Uint8Array): void {
    if (this.#loaded.get(blob) !== undefined) return;
    const raw = Buffer.allocUnsafeSlow(bytes.byteLength);
    raw.set(bytes);
    this.#keep(blob, raw);
  }

  /** The summary if it is cached (no I/O). */
  cachedSummary(blob: string): MessageSummary | undefined {
    return this.#summaries.get(blob);
  }

  async summary(blob: string): Promise<MessageSummary> {
    return this.#summaries.get(blob) ?? this.summaryOf(blob, await this.load(blob));
  }

  /** The summary of a blob whose bytes the caller has loaded already. */
  summaryOf(blob: string, loaded: LoadedMessage): MessageSummary {
    let s = this.#summaries.get(blob);
    if (s === undefined) {
      s = summarize(loaded.tree);
      this.#summaries.set(blob, s, summaryCost(s));
    }
    return s;
  }

  /** SEARCH's view of a blob's header if it is cached. */
  cachedHeaders(blob: string): SearchHeaders | undefined {
    return this.#headers.get(blob);
  }

  /** SEARCH's view of the header of a blob the caller has loaded: built in slices, yielding between them. */
  async headersOf(blob: string, loaded: LoadedMessage): Promise<SearchHeaders> {
    let h = this.#headers.get(blob);
    if (h === undefined) {
      const headers = flat(await headerIndexOf(loaded.raw, loaded.tree));
      h = { headers, common: commonFields(headers).map((v) => (v === null ? null : flat(v))) };
      this.#headers.set(blob, h, headersCost(h));
    }
    return h;
  }

  /**
   * The static rows of `uids` in a mailbox, from the cache or one read of the missing ones. A UID
   * expunged after it was cached still answers (RFC 2180 §4.1.1 lets a server serve it), but only
   * its row: its file goes in the next sweep, and loading it then throws BlobGoneError, which FETCH
   * answers with NO [EXPUNGEISSUED] as it does a UID never seen (missing here). `uidvalidity`
   * guards against a mailbox id reused after a DELETE.
   */
  async rows(mailbox: { mailboxId: number; uidvalidity: number }, uids: readonly number[]): Promise<Map<number, StaticRow>> {
    const key = String(mailbox.mailboxId);
    let entry = this.#rows.get(key);
    if (entry?.uidvalidity !== mailbox.uidvalidity) entry = { uidvalidity: mailbox.uidvalidity, rows: new Map() };
    const out = new Map<number, StaticRow>();
    const missing: number[] = [];
    for (const uid of uids) {
      const r = entry.rows.get(uid);
      if (r === undefined) missing.push(uid);
      else out.set(uid, r);
    }
    if (missing.length > 0 || this.#rows.get(key) !== entry) {
      for (const r of await messageRows(this.#store.db, mailbox.mailboxId, missing)) {
        const row: StaticRow = { blob: r.blob, size: r.size, internalDate: r.internalDate };
        entry.rows.set(r.uid, row);
        out.set(r.uid, row);
      }
      this.#rows.set(key, entry, entry.rows.size + 1);
    }
    return out;
  }
}

/**
 * Walks `blobs` in order, keeping up to `window` loads in flight ahead of the one asked for, so
 * cold reads overlap (the thread pool reads files in parallel) while results are used in order.
 * `skip(blob)` says a blob needs no load (e.g. its summary is cached). Undefined: no message.
 */
export function readAhead(
  cache: MessageCache,
  blobs: ReadonlyArray<StaticRow | undefined>,
  skip: (blob: string) => boolean = () => false,
  window = 8,
): (i: number) => Promise<LoadedMessage> | null {
  const pending = new Map<number, Promise<LoadedMessage>>();
  let next = 0;
  return (i) => {
    for (next = Math.max(next, i); next < blobs.length && next < i + window; next++) {
      const row = blobs[next];
      if (row === undefined || skip(row.blob)) continue;
      const p = cache.load(row.blob, row.size);
      p.catch(() => undefined); // awaited by the caller; must not count as unhandled meanwhile
      pending.set(next, p);
    }
    const p = pending.get(i);
    pending.delete(i);
    if (p !== undefined) return p;
    const row = blobs[i];
    return row === undefined || skip(row.blob) ? null : cache.load(row.blob, row.size);
  };
}

/** The loaded message, or null when its file is gone: expunged by another session and swept since. */
export async function loadedOrGone(pending: Promise<LoadedMessage>): Promise<LoadedMessage | null> {
  try {
    return await pending;
  } catch (e) {
    if (e instanceof BlobGoneError) return null;
    throw e;
  }
}

const caches = new WeakMap<Store, MessageCache>();

/** The cache shared by all sessions on `store`. */
export function messageCache(store: Store): MessageCache {
  let c = caches.get(store);
  if (c === undefined) {
    c = new MessageCache(store);
    caches.set(store, c);
  }
  return c;
}
