/**
 * CONDSTORE and QRESYNC (RFC 7162) where several commands meet them: enabling CONDSTORE by use
 * (§3.1), the SELECT/EXAMINE parameters (§3.1.8, §3.2.5), VANISHED (EARLIER) for SELECT and UID
 * FETCH (§3.2.5, §3.2.6), the FETCH modifiers (§3.1.4, §3.2.6) and HIGHESTMODSEQ on the tagged OK
 * of commands that expunge (§3.2.7; RFC 6851 §4.4 for MOVE).
 *
 * The view keeps no modseqs (an idle session stays small); what these answers need is read from
 * the store when they are given.
 */
import { changedSince, expungedSince, highestModseq, uidsUpTo, type MailboxRow } from "../../store/index.ts";
import type { ImapApi } from "../command.ts";
import { bad, ResponseCode } from "../errors.ts";
import {
  clipIntervals, formatSequenceSet, intervalsContain, resolveSequenceSet, type ArgParser, type SequenceSet,
} from "../parser/index.ts";
import type { MailboxView } from "../view.ts";

const MAX_UINT32 = 4294967295;
/** RFC 7162 §7: mod-sequence-value is a positive 63-bit number; kept within safe integers. */
const MAX_MODSEQ = Number.MAX_SAFE_INTEGER;

/**
 * A CONDSTORE-enabling command was used (RFC 7162 §3.1: STATUS HIGHESTMODSEQ, FETCH MODSEQ or
 * CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ, ENABLE). The first one while a mailbox is
 * selected tells the client that mailbox's HIGHESTMODSEQ, as SELECT would have.
 */
export async function useCondstore(s: ImapApi, capability: "CONDSTORE" | "QRESYNC" = "CONDSTORE"): Promise<boolean> {
  const was = s.condstore;
  const enabled = s.enable(capability);
  const view = s.selected;
  if (!was && view !== null) s.untagged(`OK [${ResponseCode.HIGHESTMODSEQ} ${await highestModseq(s.store.db, view.mailboxId)}] Highest.`);
  return enabled;
}

interface QresyncParams {
  uidvalidity: number;
  modseq: number;
  /** The UIDs the client knows; null: all of them (RFC 7162 §3.2.5). */
  knownUids: SequenceSet | null;
  /** Pairs of a message sequence number and the UID the client had at it, ascending. */
  seqMatch: Array<[number, number]> | null;
}

interface SelectParams {
  condstore: boolean;
  qresync: QresyncParams | null;
}

function readQresync(a: ArgParser): QresyncParams {
  // QRESYNC SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
  a.sp();
  a.expect("(");
  const uidvalidity = a.nzNumber();
  a.sp();
  const modseq = a.number(MAX_MODSEQ);
  let knownUids: SequenceSet | null = null;
  let seqMatch: Array<[number, number]> | null = null;
  if (!a.peekIs(")")) {
    a.sp();
    if (!a.peekIs("(")) knownUids = a.sequenceSet();
    if (!a.peekIs(")")) {
      if (knownUids !== null) a.sp();
      a.expect("(");
      const seqs = a.sequenceSet();
      a.sp();
      const uids = a.sequenceSet();
      a.expect(")");
      seqMatch = pairUp(seqs, uids);
    }
  }
  a.expect(")");
  return { uidvalidity, modseq, knownUids, seqMatch };
}

/** RFC 7162 §3.2.5: the two sets of seq-match-data name the same number of messages, in order. */
function pairUp(seqs: SequenceSet, uids: SequenceSet): Array<[number, number]> {
  const expand = (set: SequenceSet): number[] => {
    const out: number[] = [];
    if (set.type !== "set") throw bad("Invalid sequence match data.");
    for (const r of set.ranges) {
      if (r.from === "*" || r.to === "*") throw bad("Invalid sequence match data.");
      for (let n = Math.min(r.from, r.to); n <= Math.max(r.from, r.to); n++) {
        out.push(n);
        if (out.length > 10_000) throw bad("Sequence match data too long.");
      }
    }
    return out;
  };
  const s = expand(seqs);
  const u = expand(uids);
  if (s.length !== u.length) throw bad("Sequence match data of different lengths.");
  return s.map((seq, i) => [seq, u[i] ?? 0]);
}

/**
 * SELECT/EXAMINE mailbox [SP "(" select-param *(SP select-param) ")"] (RFC 4466 §2.1), after the
 * mailbox name: CONDSTORE (RFC 7162 §3.1.8) and QRESYNC (§3.2.5; BAD unless QRESYNC is enabled).
 */
export function readSelectParams(s: ImapApi, a: ArgParser): SelectParams {
  const params: SelectParams = { condstore: false, qresync: null };
  if (a.atEnd()) return params;
  a.sp();
  if (a.atEnd()) return params;
  a.expect("(");
  for (;;) {
    const name = a.keyword("SELECT parameter");
    if (name === "CONDSTORE") params.condstore = true;
    else if (name === "QRESYNC") {
      if (!s.qresync) throw bad("QRESYNC is not enabled.");
      params.qresync = readQresync(a);
    } else throw bad("Unknown SELECT parameter.");
    if (a.accept(")")) break;
    a.sp();
  }
  a.end();
  return params;
}

/**
 * The UIDs to announce as `VANISHED (EARLIER)` (RFC 7162 §3.2.5, §3.2.6): those of `within` (all
 * when null) expunged since `modseq`. When the tombstones of that time were pruned, every UID of
 * `within` below UIDNEXT that does not exist now (§3.2.5.2), less those below the last message
 * the client's seq-match-data shows in place. UIDs still in the session's view are left out: their
 * own VANISHED follows when the view lets them go. "" when there are none.
 */
async function vanishedEarlier(s: ImapApi, view: MailboxView, modseq: number, within: SequenceSet | null, seqMatch: Array<[number, number]> | null): Promise<string> {
  const set = within === null ? [{ lo: 1, hi: MAX_UINT32 }] : resolveSequenceSet(within, MAX_UINT32);
  const gone = await expungedSince(s.store.db, view.mailboxId, modseq);
  if (gone.complete) return formatSequenceSet(gone.uids.filter((uid) => intervalsContain(set, uid) && view.seqOf(uid) === 0));
  // No record that old: everything the client may know that is not here now.
  let floor = 0;
  for (const [seq, uid] of seqMatch ?? []) {
    if (view.uidAt(seq) !== uid) break;
    floor = uid; // RFC 7162 §3.2.5.2: no message below one still at its old number went away
  }
  const here = new Set(await uidsUpTo(s.store.db, view.mailboxId, gone.uidnext - 1));
  for (const uid of Array.from(view.uids)) here.add(uid);
  const present = [...here].sort((a, b) => a - b);
  // The gaps between present UIDs, inside each interval: O(present + intervals), whatever their width.
  const out: string[] = [];
  const gap = (lo: number, hi: number): void => {
    if (lo <= hi) out.push(lo === hi ? `${lo}` : `${lo}:${hi}`);
  };
  let i = 0;
  for (const r of clipIntervals(set, gone.uidnext - 1)) {
    let next = Math.max(r.lo, floor + 1);
    while (i < present.length && (present[i] ?? 0) < next) i++;
    for (; i < present.length && (present[i] ?? 0) <= r.hi; i++) {
      gap(next, (present[i] ?? 0) - 1);
      next = (present[i] ?? 0) + 1;
    }
    gap(next, r.hi);
  }
  return out.join(",");
}

/**
 * After SELECT/EXAMINE (QRESYNC ...) with the mailbox's UIDVALIDITY (RFC 7162 §3.2.5): what vanished
 * since the client's modseq, then a FETCH (UID, FLAGS, MODSEQ) of every message changed since it —
 * of the known UIDs only, when the client named them. Another UIDVALIDITY: the parameter is ignored.
 */
export async function qresyncSelect(s: ImapApi, view: MailboxView, mailbox: MailboxRow, q: QresyncParams): Promise<void> {
  if (q.uidvalidity !== mailbox.uidvalidity) return;
  const known = q.knownUids === null ? null : resolveSequenceSet(q.knownUids, MAX_UINT32);
  const vanished = await vanishedEarlier(s, view, q.modseq, q.knownUids, q.seqMatch);
  let out = vanished === "" ? "" : `* VANISHED (EARLIER) ${vanished}\r\n`;
  for (const m of await changedSince(s.store.db, view.mailboxId, q.modseq)) {
    const seq = view.seqOf(m.uid);
    if (seq === 0 || (known !== null && !intervalsContain(known, m.uid))) continue;
    view.setFlags(seq, m.flags);
    out += `* ${seq} FETCH (UID ${m.uid} FLAGS (${m.flags}) MODSEQ (${m.modseq}))\r\n`;
  }
  if (out !== "") s.write(out);
}

interface FetchModifiers {
  changedSince: number | null;
  vanished: boolean;
}

/**
 * [SP "(" fetch-modifier *(SP fetch-modifier) ")"] after the FETCH items: CHANGEDSINCE
 * (RFC 7162 §3.1.4.1) and VANISHED (§3.2.6: UID FETCH only, with CHANGEDSINCE, once QRESYNC is
 * enabled; BAD otherwise).
 */
export function readFetchModifiers(s: ImapApi, a: ArgParser, uid: boolean): FetchModifiers {
  const mods: FetchModifiers = { changedSince: null, vanished: false };
  if (a.atEnd()) return mods;
  a.sp();
  if (a.atEnd()) return mods;
  a.expect("(");
  for (;;) {
    const name = a.keyword("FETCH modifier");
    if (name === "CHANGEDSINCE") {
      a.sp();
      mods.changedSince = a.number(MAX_MODSEQ);
    } else if (name === "VANISHED") {
      mods.vanished = true;
    } else throw bad("Unknown FETCH modifier.");
    if (a.accept(")")) break;
    a.sp();
  }
  a.end();
  if (mods.vanished && (!uid || !s.qresync || mods.changedSince === null)) throw bad("VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled.");
  return mods;
}

/** UID FETCH … (CHANGEDSINCE m VANISHED): the VANISHED (EARLIER) line for the UID set, before the FETCHes. */
export async function fetchVanished(s: ImapApi, view: MailboxView, set: SequenceSet, modseq: number): Promise<void> {
  const vanished = await vanishedEarlier(s, view, modseq, set, null);
  if (vanished !== "") s.untagged(`VANISHED (EARLIER) ${vanished}`);
}

/**
 * The HIGHESTMODSEQ code for the tagged OK of EXPUNGE, UID EXPUNGE (RFC 7162 §3.2.7) and MOVE
 * (RFC 6851 §4.4) once CONDSTORE is enabled; read after the change, so it covers it.
 */
export async function modseqCode(s: ImapApi, view: MailboxView): Promise<string | undefined> {
  if (!s.condstore) return undefined;
  return `${ResponseCode.HIGHESTMODSEQ} ${await highestModseq(s.store.db, view.mailboxId)}`;
}
