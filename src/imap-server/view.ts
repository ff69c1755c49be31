/**
 * The selected mailbox as one session sees it (RFC 9051 §2.3.1.2): message sequence numbers over
 * the UIDs this session has been told about. Other sessions' changes arrive as store events; the
 * session then reads only the rows changed since the view's modification sequence (and the UIDs,
 * when a count shows messages went away), and `applyChanges` yields the untagged responses that
 * bring the client up to date — EXPUNGE (highest first, so every number is valid when sent),
 * EXISTS, and FETCH FLAGS for messages whose modification sequence moved.
 */
import type { MessageState } from "../store/index.ts";

export interface ViewUpdate {
  /** Sequence numbers to announce as expunged, in the order to send them. */
  expunged: number[];
  /** New EXISTS count, if messages were added. */
  exists: number | null;
  /** Messages whose flags changed: [seq, uid, flags]. */
  flags: Array<[number, number, string]>;
}

const interned = new Map<string, string>();
/** Flag strings repeat across thousands of messages; keep one copy of each. */
function intern(flags: string): string {
  let v = interned.get(flags);
  if (v === undefined) {
    if (interned.size > 10_000) interned.clear();
    interned.set(flags, flags);
    v = flags;
  }
  return v;
}

export class MailboxView {
  readonly mailboxId: number;
  readonly name: string;
  readonly readOnly: boolean;
  readonly uidvalidity: number;
  #uids: number[] = [];
  /** Per message only UID and flags: an idle session holding a big mailbox stays small. */
  #flags: string[] = [];
  /** The highest modseq seen in a snapshot of the mailbox (not raised by setFlags). */
  #known = 0;

  constructor(mailbox: { id: number; name: string; uidvalidity: number }, readOnly: boolean, states: readonly MessageState[]) {
    this.mailboxId = mailbox.id;
    this.name = mailbox.name;
    this.uidvalidity = mailbox.uidvalidity;
    this.readOnly = readOnly;
    for (const m of states) this.#push(m);
  }

  #push(m: MessageState): void {
    if (m.modseq > this.#known) this.#known = m.modseq;
    this.#uids.push(m.uid);
    this.#flags.push(intern(m.flags));
  }

  get exists(): number {
    return this.#uids.length;
  }

  /** Every change with a higher modseq is still to be looked at (`applyChanges`). */
  get knownModseq(): number {
    return this.#known;
  }

  get lastUid(): number {
    return this.#uids[this.#uids.length - 1] ?? 0;
  }

  get uids(): readonly number[] {
    return this.#uids;
  }

  uidAt(seq: number): number | undefined {
    return this.#uids[seq - 1];
  }

  flagsAt(seq: number): string {
    return this.#flags[seq - 1] ?? "";
  }

  /** Binary search: the sequence number of `uid`, or 0. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.#uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.#uids[mid] ?? 0;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Records flags this session set itself (STORE), so the next update does not echo them back. */
  setFlags(seq: number, flags: string): void {
    if (seq < 1 || seq > this.#uids.length) return;
    this.#flags[seq - 1] = intern(flags);
  }

  /**
   * Brings the view up to date and says what changed: `changed` holds the messages whose modseq
   * is above `knownModseq` (changed flags, new messages), `present` the UIDs up to `lastUid` that
   * still exist — null when none of them went. Costs O(changes), not O(mailbox), when nothing was
   * expunged. With `allowExpunge` false (during FETCH, STORE, SEARCH: RFC 9051 §7.5.1) removed
   * messages stay in the view and are reported by a later call.
   */
  applyChanges(changed: readonly MessageState[], present: ReadonlySet<number> | null, allowExpunge: boolean): ViewUpdate {
    const update: ViewUpdate = { expunged: [], exists: null, flags: [] };
    if (present !== null && allowExpunge) {
      for (let i = this.#uids.length - 1; i >= 0; i--) {
        if (!present.has(this.#uids[i] ?? 0)) {
          update.expunged.push(i + 1);
          this.#uids.splice(i, 1);
          this.#flags.splice(i, 1);
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
      if (seq === 0 || m.flags === this.#flags[seq - 1]) continue;
      update.flags.push([seq, m.uid, m.flags]);
      this.#flags[seq - 1] = intern(m.flags);
    }
    if (this.#uids.length !== before) update.exists = this.#uids.length;
    return update;
  }
}
