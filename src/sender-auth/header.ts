/**
 * The Authentication-Results header field (RFC 8601): the one this host adds, and the ones a message
 * arrives with that claim to be this host's — forged, since only this host writes them (§5: an MTA
 * "MUST ... delete or otherwise obscure" such instances before delivery). They are removed.
 */
import { fieldAt, fieldName, withoutFields } from "../mime/index.ts";

/**
 * `Authentication-Results: ID;` and one method result (resinfo, §2.2) per folded line. A result
 * that holds a line break (it never should) is kept on its line, so it cannot start a field of its own.
 */
export function authResultsField(authservId: string, results: readonly string[]): string {
  // §2.2: "none" when no method was applied.
  const body = results.length === 0 ? " none" : results.map((r) => `\r\n\t${r.replace(/[\r\n]+/g, " ")}`).join(";");
  return `Authentication-Results: ${authservId};${body}\r\n`;
}

/**
 * The authserv-id of an Authentication-Results field body (§2.2: [CFWS] authserv-id, a token or a
 * quoted-string, RFC 2045 §5.1), lower-cased; "" when there is none.
 */
export function authservIdOf(value: string): string {
  let i = 0;
  // Blanks and comments (nested, with quoted-pairs; RFC 5322 §3.2.2) before it.
  for (let depth = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && depth > 0) i++;
    else if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (depth === 0 && c !== " " && c !== "\t" && c !== "\r" && c !== "\n") break;
  }
  if (value[i] === '"') {
    let out = "";
    for (i++; i < value.length && value[i] !== '"'; i++) out += value[i] === "\\" ? (value[++i] ?? "") : value[i];
    return out.toLowerCase();
  }
  return (/^[^\s;()"]*/.exec(value.slice(i))?.[0] ?? "").toLowerCase();
}

/** LF LF or LF CR LF: the empty line that ends a header section (RFC 5322 §2.1), as mime's scanner reads it. */
const ENDS = [Buffer.from("\n\n"), Buffer.from("\n\r\n")];

/** How many leading parts hold the whole header section: searched part by part, and across each seam. */
function headParts(parts: readonly Buffer[]): number {
  let tail: Buffer = Buffer.alloc(0);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? Buffer.alloc(0);
    const seam = Buffer.concat([tail, p.subarray(0, 2)]);
    if (ENDS.some((e) => seam.includes(e) || p.includes(e))) return i + 1;
    tail = p.length >= 2 ? p.subarray(p.length - 2) : Buffer.concat([tail, p]).subarray(-2);
  }
  return parts.length;
}

/**
 * The leading parts that hold the header section, as one buffer (the first part itself when it holds
 * all of it: no copy), and how many parts that is. The buffer may run on into the body.
 */
export function headOf(parts: readonly Buffer[]): { head: Buffer; n: number } {
  const n = headParts(parts);
  return { head: n === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts.slice(0, n)), n };
}

/**
 * `parts` without the Authentication-Results fields whose authserv-id is `authservId` (compared as
 * host names, ignoring case), and how many bytes went. The header section is read once — copied only
 * when it spans several parts — and rebuilt only when something is removed; the body parts are kept.
 */
export function withoutForgedResults(parts: readonly Buffer[], authservId: string): { parts: readonly Buffer[]; removed: number } {
  const { head, n } = headOf(parts);
  const ours = authservId.toLowerCase();
  const kept = withoutFields(head, (start, colon, end) => fieldName(head, start, colon) === "authentication-results" && authservIdOf(fieldAt(head, start, colon, end).value) === ours);
  if (kept === head) return { parts, removed: 0 };
  return { parts: [kept, ...parts.slice(n)], removed: head.length - kept.length };
}
