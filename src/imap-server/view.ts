/**
 * The selected mailbox as one session sees it (RFC 9051 §2.3.1.2): message sequence numbers over
 * the UIDs this session has been told about. Other sessions' changes arrive as store events; the
 * session then reads only the rows changed since the view's modification sequence (and the UIDs,
 * when a count shows messages went away), and `applyChanges` yields the untagged responses that
 * bring the client up to date — EXPUNGE (highest first, so every number is valid when sent),
 * EXISTS, and FETCH FLAGS for messages whose modification sequence moved.
 *
 * The view also keeps what is this session's alone: which UIDs are \Recent to it (RFC 3501
 * §2.3.2: ranges of UIDs, claimed at SELECT and as new messages arrive, so an idle session with a
 * big mailbox keeps a few numbers, not a set), and which keywords the client has been told of in a
 * FLAGS response (RFC 3501 §7.2.6: derived from the distinct flag strings of the flag table).
 */
import type { MessageState } from "../store/index.ts";

/** RFC 9051 §2.3.2: the system flags, lower-cased; every other flag is a keyword. */
const SYSTEM = new Set(["\\answered", "\\flagged", "\\deleted", "\\seen", "\\draft"]);

interface ViewUpdate {
  /** Sequence numbers to announce as expunged, in the order to send them. */
  expunged: number[];
  /** New EXISTS count, if messages were added. */
  exists: number | null;
  /** Messages whose flags changed: [seq, uid, flags, modseq]. */
  flags: Array<[number, number, string, number]>;
  /** The UIDs of `expunged`, ascending (QRESYNC's VANISHED, RFC 7162 §3.2.10). */
  vanished: number[];
}

const interned = new Map<string, string>();
/** Flag strings repeat across thousands of messages and sessions; keep one copy of each. */
function intern(flags: string): string {
  let v = interned.get(flags);
  if (v === undefined) {
    if (interned.size > 10_000) interned.clear();
    interned.set(flags, flags);
    v = flags;
  }
  return v;
}

type Cells = Uint8Array | Uint16Array | Uint32Array;

/** The narrowest array that holds `v`, with room for `capacity` cells. */
function cellsFor(v: number, capacity: number): Cells {
  return v <= 0xff ? new Uint8Array(capacity) : v <= 0xffff ? new Uint16Array(capacity) : new Uint32Array(capacity);
}

/**
 * A growable column of small unsigned integers. Starts 8 bits wide and widens (to 16, then 32)
 * only when a value needs it: per message a view keeps a UID (2 bytes while UIDs stay below 65,536)
 * and an index into its own table of flag strings (1 byte for up to 256 distinct flag sets), 3
 * bytes instead of the 16 two JS arrays of numbers and strings would take.
 */
class Column {
  #a: Cells;
  #n = 0;
  constructor(capacity: number) {
    this.#a = new Uint8Array(Math.max(16, capacity));
  }
  get length(): number {
    return this.#n;
  }
  get values(): Cells {
    return this.#a.subarray(0, this.#n);
  }
  at(i: number): number | undefined {
    return i >= 0 && i < this.#n ? this.#a[i] : undefined;
  }
  set(i: number, v: number): void {
    if (v >= 2 ** (8 * this.#a.BYTES_PER_ELEMENT)) this.#resize(v, this.#a.length);
    this.#a[i] = v;
  }
  push(v: number): void {
    if (this.#n === this.#a.length) this.#resize(0, this.#n * 2);
    this.set(this.#n++, v);
  }
  /** Copies into an array of `capacity` cells at least as wide as now and wide enough for `v`. */
  #resize(v: number, capacity: number): void {
    const widest = Math.max(v, 2 ** (8 * this.#a.BYTES_PER_ELEMENT) - 1);
    const grown = cellsFor(widest, capacity);
    grown.set(this.#a);
    this.#a = grown;
  }
  remove(i: number): void {
    this.#a.copyWithin(i, i + 1, this.#n);
    this.#n--;
  }
}

export class MailboxView {
  readonly mailboxId: number;
  readonly name: string;
  readonly readOnly: boolean;
  readonly uidvalidity: number;
  /** Per message only its UID and flags: an idle session holding a big mailbox stays small. */
  #uids: Column;
  #flagIndex: Column;
  /** The distinct flag strings of this mailbox; `#flagIndex` points into it. */
  #flagTable: string[] = [];
  #flagSlots = new Map<string, number>();
  /** The highest modseq seen in a snapshot of the mailbox (not raised by setFlags). */
  #known = 0;
  /** UID ranges [lo, hi] that are \Recent in this session (RFC 3501 §2.3.2); few, in claim order. */
  #recent: Array<[number, number]> = [];
  /** Keywords of the flag table by lower-cased name, and whether one was added since the last announcement. */
  #keywords = new Map<string, string>();
  #keywordsGrew = false;
  /**
   * SEARCHRES (RFC 5182): the saved search result (`$`) as UIDs, ascending. Each SELECT/EXAMINE
   * makes a new view, so it starts empty there (§2.1); kept as UIDs, expunged messages drop out
   * of it by themselves (§2.1) when `savedSeqs` maps it to this view.
   */
  savedUids: readonly number[] = [];

  constructor(mailbox: { id: number; name: string; uidvalidity: number }, readOnly: boolean, states: readonly MessageState[]) {
    this.mailboxId = mailbox.id;
    this.name = mailbox.name;
    this.uidvalidity = mailbox.uidvalidity;
    this.readOnly = readOnly;
    this.#uids = new Column(states.length);
    this.#flagIndex = new Column(states.length);
    for (const m of states) this.#push(m);
    // SELECT's FLAGS response names the keywords in use (RFC 3501 §7.1.2 PERMANENTFLAGS, §7.2.6).
    this.#keywordsGrew = false;
  }

  #slot(flags: string): number {
    let i = this.#flagSlots.get(flags);
    if (i === undefined) {
      i = this.#flagTable.length;
      const s = intern(flags);
      this.#flagTable.push(s);
      this.#flagSlots.set(s, i);
      // A keyword first appears in a flag string new to the table: only new strings are scanned.
      for (const f of s.split(" ")) {
        const lower = f.toLowerCase();
        if (f === "" || SYSTEM.has(lower) || this.#keywords.has(lower)) continue;
        this.#keywords.set(lower, f);
        this.#keywordsGrew = true;
      }
    }
    return i;
  }

  /** The keywords in use in this view's messages (and any seen since SELECT), in the order first seen. */
  get keywords(): string[] {
    return [...this.#keywords.values()];
  }

  /** Notes flags the session is about to show (a STORE's result): their keywords join the set. */
  learnFlags(flags: string): void {
    this.#slot(flags);
  }

  /**
   * Whether keywords were added since the last call: the client must then get a FLAGS response
   * before any FETCH that shows them (RFC 3501 §7.2.6).
   */
  takeNewKeywords(): boolean {
    const grew = this.#keywordsGrew;
    this.#keywordsGrew = false;
    return grew;
  }

  /** Marks UIDs lo..hi (hi may be Infinity) as \Recent in this session. */
  addRecent(lo: number, hi: number): void {
    if (lo <= hi) this.#recent.push([lo, hi]);
  }

  isRecent(uid: number): boolean {
    for (const [lo, hi] of this.#recent) if (uid >= lo && uid <= hi) return true;
    return false;
  }

  /** How many messages in the view are \Recent (the RECENT response, RFC 3501 §7.3.2). */
  get recentCount(): number {
    let n = 0;
    for (const [lo, hi] of this.#recent) n += this.#lowerBound(hi + 1) - this.#lowerBound(lo);
    return n;
  }

  /** FETCH FLAGS of a message: its stored flags, and \Recent when it is recent to this session. */
  fetchFlags(seq: number): string {
    return this.withRecent(this.uidAt(seq) ?? 0, this.flagsAt(seq));
  }

  /** `flags` of message `uid` as FETCH shows them. */
  withRecent(uid: number, flags: string): string {
    if (!this.isRecent(uid)) return flags;
    return flags === "" ? "\\Recent" : `${flags} \\Recent`;
  }

  /** The index of the first UID >= `uid`. */
  #lowerBound(uid: number): number {
    const uids = this.#uids.values;
    let lo = 0;
    let hi = uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((uids[mid] ?? 0) < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #push(m: MessageState): void {
    if (m.modseq > this.#known) this.#known = m.modseq;
    this.#uids.push(m.uid);
    this.#flagIndex.push(this.#slot(m.flags));
  }

  get exists(): number {
    return this.#uids.length;
  }

  /** Every change with a higher modseq is still to be looked at (`applyChanges`). */
  get knownModseq(): number {
    return this.#known;
  }

  get lastUid(): number {
    return this.#uids.at(this.#uids.length - 1) ?? 0;
  }

  /** The UIDs in sequence order; a view of the session's copy, valid until the next change. */
  get uids(): ArrayLike<number> {
    return this.#uids.values;
  }

  uidAt(seq: number): number | undefined {
    return this.#uids.at(seq - 1);
  }

  flagsAt(seq: number): string {
    const i = this.#flagIndex.at(seq - 1);
    return i === undefined ? "" : (this.#flagTable[i] ?? "");
  }

  /** Binary search: the sequence number of `uid`, or 0. */
  seqOf(uid: number): number {
    const uids = this.#uids.values;
    let lo = 0;
    let hi = uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = uids[mid] ?? 0;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** RFC 5182 §2.1: the sequence numbers of the saved result's messages still in the view, ascending. */
  savedSeqs(): number[] {
    const out: number[] = [];
    for (const uid of this.savedUids) {
      const seq = this.seqOf(uid);
      if (seq !== 0) out.push(seq);
    }
    return out;
  }

  /** Records flags this session set itself (STORE), so the next update does not echo them back. */
  setFlags(seq: number, flags: string): void {
    if (seq < 1 || seq > this.#uids.length) return;
    this.#flagIndex.set(seq - 1, this.#slot(flags));
  }

  /**
   * This session's own write took `modseq` and the view already shows all of it (`setFlags`): when
   * it is the next modseq after every change the view has seen, nothing up to it is left to read.
   */
  ownChange(modseq: number): void {
    if (modseq === this.#known + 1) this.#known = modseq;
  }

  /**
   * Brings the view up to date and says what changed: `changed` holds the messages whose modseq
   * is above `knownModseq` (changed flags, new messages), `present` the UIDs up to `lastUid` that
   * still exist — null when none of them went. Costs O(changes), not O(mailbox), when nothing was
   * expunged. With `allowExpunge` false (during FETCH, STORE, SEARCH: RFC 9051 §7.5.1) removed
   * messages stay in the view and are reported by a later call.
   */
  applyChanges(changed: readonly MessageState[], present: ReadonlySet<number> | null, allowExpunge: boolean): ViewUpdate {
    const update: ViewUpdate = { expunged: [], exists: null, flags: [], vanished: [] };
    if (present !== null && allowExpunge) {
      for (let i = this.#uids.length - 1; i >= 0; i--) {
        if (!present.has(this.#uids.at(i) ?? 0)) {
          update.expunged.push(i + 1);
          update.vanished.push(this.#uids.at(i) ?? 0);
          this.#uids.remove(i);
          this.#flagIndex.remove(i);
        }
      }
    }
    const last = this.lastUid;
    const before = this.#uids.length;
    for (const m of changed) {
      if (m.modseq > this.#known) this.#known = m.modseq;
      if (m.uid > this.lastUid) {
        this.#push(m);
        continue;
      }
      if (m.uid > last) continue;
      const seq = this.seqOf(m.uid);
      // Flags this session already reported (or set itself) are not announced again.
      if (seq === 0 || m.flags === this.flagsAt(seq)) continue;
      update.flags.push([seq, m.uid, m.flags, m.modseq]);
      this.setFlags(seq, m.flags);
    }
    if (this.#uids.length !== before) update.exists = this.#uids.length;
    update.vanished.reverse();
    return update;
  }
}
