/**
 * LIST / LSUB pattern matching (RFC 9051 §6.3.9, RFC 3501 §6.3.8): "*" matches any run of
 * characters, "%" any run without the hierarchy delimiter. INBOX is case-insensitive (§5.1), so
 * the first five characters of "INBOX" and "INBOX/..." match the pattern without regard to case.
 *
 * Matching simulates the pattern's NFA over the name instead of building a backtracking regular
 * expression, so time is bounded by name length × (wildcards + 1) — "*a*a*a*…" cannot blow up.
 * Runs of wildcards are collapsed first ("%*" is "*", "%%" is "%").
 */

const STAR = -1;
const PERCENT = -2;
/** At most this many wildcards after collapsing (each adds a live state per input character). */
export const MAX_PATTERN_WILDCARDS = 64;

export class PatternTooComplexError extends Error {
  override name = "PatternTooComplexError";
}

export interface CompiledPattern {
  readonly source: string;
  /** The pattern ends with "%": matching hierarchy levels are listed too (RFC 9051 §6.3.9). */
  readonly endsWithPercent: boolean;
  matches(name: string): boolean;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** Length of the case-insensitive INBOX prefix of a stored name: 5 for "INBOX" and "INBOX/…", else 0. */
function inboxPrefix(name: string, delimiter: number): number {
  return name.startsWith("INBOX") && (name.length === 5 || name.charCodeAt(5) === delimiter) ? 5 : 0;
}

export function compilePattern(source: string, delimiter = "/"): CompiledPattern {
  const delim = delimiter.charCodeAt(0);
  const tokens: number[] = [];
  let wildcards = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "*" || ch === "%") {
      const tok = ch === "*" ? STAR : PERCENT;
      const prev = tokens[tokens.length - 1];
      if (prev === STAR || prev === PERCENT) {
        if (tok === STAR) tokens[tokens.length - 1] = STAR;
        continue;
      }
      tokens.push(tok);
      wildcards++;
    } else {
      tokens.push(source.charCodeAt(i));
    }
  }
  if (wildcards > MAX_PATTERN_WILDCARDS) throw new PatternTooComplexError(`LIST pattern has more than ${MAX_PATTERN_WILDCARDS} wildcards`);
  const m = tokens.length;
  const literals = tokens.length - wildcards;
  const mark = new Uint32Array(m + 1);
  let generation = 0;
  let next: number[] = [];
  let current: number[] = [];

  /** Adds state `s` and, through wildcards (which may match nothing), the states after it. */
  function add(list: number[], s: number): void {
    for (let i = s; i <= m; i++) {
      if (mark[i] === generation) return;
      mark[i] = generation;
      list.push(i);
      const t = tokens[i];
      if (t !== STAR && t !== PERCENT) return;
    }
  }

  function matches(name: string): boolean {
    if (literals > name.length) return false;
    const ci = inboxPrefix(name, delim);
    current = [];
    generation++;
    add(current, 0);
    for (let pos = 0; pos < name.length && current.length > 0; pos++) {
      const c = name.charCodeAt(pos);
      generation++;
      next = [];
      for (const s of current) {
        const t = tokens[s];
        if (t === undefined) continue; // the accepting state consumes nothing
        if (t === STAR) add(next, s);
        else if (t === PERCENT) {
          if (c !== delim) add(next, s);
        } else if (t === c || (pos < ci && lower(t) === lower(c))) add(next, s + 1);
      }
      [current, next] = [next, current];
    }
    return current.includes(m);
  }

  return { source, endsWithPercent: tokens[m - 1] === PERCENT, matches };
}
