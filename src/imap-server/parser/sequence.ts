/**
 * Sequence sets (RFC 9051 §9 `sequence-set`, RFC 3501 §9): message sequence numbers or UIDs,
 * `*` for the largest one in use, ranges in either order (`*:4` = `4:*`), and `$` for the saved
 * search result (RFC 5182 SEARCHRES). Sets stay as ranges: resolving, membership and selection
 * against a UID list never materialise a range, so `1:4294967295` costs as little as `1`.
 */
import { ImapParseError } from "./errors.ts";

const MAX_UINT32 = 4294967295;

/** A number of the set, or "*" (the largest number in use). */
type SeqNumber = number | "*";

interface SeqRange {
  readonly from: SeqNumber;
  readonly to: SeqNumber;
}

export type SequenceSet =
  | { readonly type: "set"; readonly ranges: readonly SeqRange[] }
  /** RFC 5182: "$", the result saved by the last SEARCH RETURN (SAVE). */
  | { readonly type: "saved" };

/** A closed interval lo..hi, lo <= hi. */
interface Interval {
  lo: number;
  hi: number;
}

function seqNumber(text: string): SeqNumber {
  if (text === "*") return "*";
  // nz-number = digit-nz *DIGIT; uniqueid and seq-number are at most 4294967295 (RFC 9051 §9).
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new ImapParseError("Invalid sequence set");
  const n = Number(text);
  if (n > MAX_UINT32) throw new ImapParseError("Invalid sequence set");
  return n;
}

export function parseSequenceSet(text: string, opts: { allowSaved?: boolean } = {}): SequenceSet {
  if (text === "$") {
    if (opts.allowSaved !== true) throw new ImapParseError("Invalid sequence set");
    return { type: "saved" };
  }
  const ranges: SeqRange[] = [];
  for (const item of text.split(",")) {
    const colon = item.indexOf(":");
    if (colon < 0) {
      const n = seqNumber(item);
      ranges.push({ from: n, to: n });
    } else {
      ranges.push({ from: seqNumber(item.slice(0, colon)), to: seqNumber(item.slice(colon + 1)) });
    }
  }
  return { type: "set", ranges };
}

/**
 * The set as sorted, merged intervals, with `*` standing for `star` (the message count for
 * sequence numbers, the highest UID for UIDs). RFC 9051 §6.4.8: `559:*` includes the last UID
 * even when 559 is higher.
 */
export function resolveSequenceSet(set: SequenceSet, star: number): Interval[] {
  if (set.type === "saved") throw new Error("resolveSequenceSet: the saved result ($) must be substituted first");
  const raw = set.ranges.map((r) => {
    const a = r.from === "*" ? star : r.from;
    const b = r.to === "*" ? star : r.to;
    return a <= b ? { lo: a, hi: b } : { lo: b, hi: a };
  });
  raw.sort((x, y) => x.lo - y.lo);
  const out: Interval[] = [];
  for (const r of raw) {
    const last = out.at(-1);
    if (last !== undefined && r.lo <= last.hi + 1) last.hi = Math.max(last.hi, r.hi);
    else out.push({ lo: r.lo, hi: r.hi });
  }
  return out;
}

/** Intervals cut to 1..max (sequence numbers that exist in a mailbox of `max` messages). */
export function clipIntervals(intervals: readonly Interval[], max: number): Interval[] {
  const out: Interval[] = [];
  for (const r of intervals) {
    const lo = Math.max(r.lo, 1);
    const hi = Math.min(r.hi, max);
    if (lo <= hi) out.push({ lo, hi });
  }
  return out;
}

/** Whether n is in sorted, merged intervals (binary search). */
export function intervalsContain(intervals: readonly Interval[], n: number): boolean {
  let a = 0;
  let b = intervals.length - 1;
  while (a <= b) {
    const m = (a + b) >>> 1;
    const r = intervals[m];
    if (r === undefined) return false;
    if (n < r.lo) b = m - 1;
    else if (n > r.hi) a = m + 1;
    else return true;
  }
  return false;
}

/** Every number of the intervals, in order (callers clip first: the count is the caller's bound). */
export function* iterateIntervals(intervals: readonly Interval[]): Generator<number> {
  for (const r of intervals) for (let n = r.lo; n <= r.hi; n++) yield n;
}

/** The first index i with sorted[i] >= n. */
function lowerBound(sorted: ArrayLike<number>, n: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if ((sorted[m] ?? 0) < n) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * The indexes (0-based, ascending) of the ascending `uids` that the UID set selects; `*` is the
 * last UID. Costs O(ranges · log n + matches), whatever the ranges' width.
 */
export function selectUids(set: SequenceSet, uids: ArrayLike<number>): number[] {
  const intervals = resolveSequenceSet(set, uids[uids.length - 1] ?? 0);
  const out: number[] = [];
  for (const r of intervals) {
    for (let i = lowerBound(uids, r.lo); i < uids.length && (uids[i] ?? 0) <= r.hi; i++) out.push(i);
  }
  return out;
}

/**
 * A compact sequence set for numbers (UIDPLUS COPYUID/APPENDUID, RFC 4315; ESEARCH ALL,
 * RFC 4731): `1:3,5,9:10`. Sorted and de-duplicated unless `sort: false`, which keeps the given
 * order and only joins ascending runs (COPYUID pairs source and destination sets by position).
 */
export function formatSequenceSet(numbers: Iterable<number>, opts: { sort?: boolean } = {}): string {
  let list = Array.from(numbers);
  if (opts.sort !== false) {
    list.sort((a, b) => a - b);
    list = list.filter((n, i) => i === 0 || n !== list[i - 1]);
  }
  const parts: string[] = [];
  let i = 0;
  while (i < list.length) {
    const lo = list[i] ?? 0;
    let hi = lo;
    while (i + 1 < list.length && list[i + 1] === hi + 1) {
      hi += 1;
      i++;
    }
    parts.push(lo === hi ? `${lo}` : `${lo}:${hi}`);
    i++;
  }
  return parts.join(",");
}

/** Formats intervals as a sequence set (`lo:hi`, or `lo` alone). */
export function formatIntervals(intervals: readonly Interval[]): string {
  return intervals.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}:${r.hi}`)).join(",");
}
