/**
 * What SEARCH does with its result besides listing it: the ESEARCH answer to RETURN options
 * (RFC 4731 §3: `* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set`) and SEARCHRES's saved
 * result, "$" (RFC 5182): saved by RETURN (SAVE), kept as UIDs on the selected mailbox's view, and
 * put in place of "$" wherever a later search names it.
 */
import { formatSequenceSet, type SearchKey, type SequenceSet } from "../parser/index.ts";
import type { MailboxView } from "../view.ts";
import { uidsOf } from "./fetch-targets.ts";

/** Ascending numbers as a sequence set of their runs (an empty list names nothing). */
function runsOf(sorted: readonly number[]): SequenceSet {
  const ranges: Array<{ from: number; to: number }> = [];
  for (const n of sorted) {
    const last = ranges.at(-1);
    if (last !== undefined && n === last.to + 1) last.to = n;
    else ranges.push({ from: n, to: n });
  }
  return { type: "set", ranges };
}

/**
 * `key` with every "$" replaced by the saved UIDs: RFC 5182 §2.1, "$" names the same messages
 * whether it stands as a sequence set or after UID. The tree is fresh from the parser, so it is
 * changed in place, without recursion (an OR chain may hold 100,000 keys).
 */
export function withSavedResult(key: SearchKey, saved: readonly number[]): SearchKey {
  let set: SequenceSet | null = null;
  const replace = (k: SearchKey): SearchKey | null => {
    if ((k.type !== "seq" && k.type !== "uid") || k.set.type !== "saved") return null;
    set ??= runsOf(saved);
    return { type: "uid", set };
  };
  const top = replace(key);
  if (top !== null) return top;
  const stack: SearchKey[] = [key];
  for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
    if (k.type === "not") {
      const r = replace(k.key);
      if (r === null) stack.push(k.key);
      else k.key = r;
    } else if (k.type === "or" || k.type === "and") {
      for (let i = 0; i < k.keys.length; i++) {
        const sub = k.keys[i] as SearchKey;
        const r = replace(sub);
        if (r === null) stack.push(sub);
        else k.keys[i] = r;
      }
    }
  }
  return key;
}

/**
 * Saves the result when asked (RFC 5182 §2.4: with MIN and/or MAX but neither ALL nor COUNT, only
 * those messages) and returns the ESEARCH response line, or null when SAVE was the only option
 * (RFC 5182 §2.4: no ESEARCH response then). `seqs` ascending.
 */
export function answerEsearch(
  view: MailboxView,
  seqs: readonly number[],
  options: ReadonlySet<string>,
  /** `modseq`: the highest modseq found with a MODSEQ search key (RFC 7162 §3.1.5), else null. */
  cmd: { tag: string; uid: boolean; modseq: number | null },
): string | null {
  const first = seqs[0];
  const last = seqs.at(-1);
  if (options.has("SAVE")) {
    let saved = seqs;
    if (!options.has("ALL") && !options.has("COUNT") && (options.has("MIN") || options.has("MAX"))) {
      const picked: number[] = [];
      if (first !== undefined && last !== undefined) {
        if (options.has("MIN")) picked.push(first);
        if (options.has("MAX") && (last !== first || !options.has("MIN"))) picked.push(last);
      }
      saved = picked;
    }
    view.savedUids = uidsOf(view, saved);
  }
  if (options.size === 1 && options.has("SAVE")) return null;
  const nums = cmd.uid ? uidsOf(view, seqs) : seqs;
  const min = nums[0];
  const max = nums.at(-1);
  // A tag holds no '"' or '\' (RFC 9051 §9: ASTRING-CHAR), so it quotes as it is.
  let out = `* ESEARCH (TAG "${cmd.tag}")${cmd.uid ? " UID" : ""}`;
  // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched; COUNT is then 0.
  if (options.has("MIN") && min !== undefined) out += ` MIN ${min}`;
  if (options.has("MAX") && max !== undefined) out += ` MAX ${max}`;
  if (options.has("COUNT")) out += ` COUNT ${nums.length}`;
  if (options.has("ALL") && nums.length > 0) out += ` ALL ${formatSequenceSet(nums)}`;
  // RFC 7162 §3.1.5: a search with a MODSEQ key that found messages ends with their highest modseq.
  if (cmd.modseq !== null && nums.length > 0) out += ` MODSEQ ${cmd.modseq}`;
  return `${out}\r\n`;
}
