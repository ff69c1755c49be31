/**
 * Reads an Outlook Autodiscover request (MS-OXDSCLI §2.2.3: `Autodiscover` / `Request` /
 * `EMailAddress`, `AcceptableResponseSchema`). No XML parser is installed in the project yet, so this
 * is a strict reader of the XML 1.0 subset such a request uses, not a general parser: elements,
 * attributes, text, CDATA, comments and processing instructions; the five predefined entities and
 * character references. A DOCTYPE is refused outright, so no entity is ever defined or expanded
 * (no "billion laughs", no external entities). One pass over the text with sticky expressions
 * (linear), a nesting limit, and the route's small body limit. Anything else not well formed: null.
 */

/** Deeper than any real request (Autodiscover / Request / EMailAddress is 3). */
const MAX_DEPTH = 8;

const NAME = String.raw`[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?`;
const START_TAG = new RegExp(String.raw`<(${NAME})((?:\s+${NAME}\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(/?)>`, "y");
const END_TAG = new RegExp(String.raw`</(${NAME})\s*>`, "y");
const COMMENT = /<!--(?:[^-]|-(?!-))*-->/y;
const PI = /<\?[A-Za-z_][\w.-]*(?:\s[^?]*(?:\?(?!>)[^?]*)*)?\?>/y;
const CDATA = /<!\[CDATA\[([^\]]*(?:\](?!\]>)[^\]]*)*)\]\]>/y;
const TEXT = /[^<]+/y;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&/g;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Text with its references resolved, or null for a bare `&`, an undefined entity, or a character XML does not allow. */
function decodeText(raw: string): string | null {
  let bad = false;
  const text = raw.replace(REFERENCE, (all, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name] ?? "";
    const code = dec !== undefined ? Number.parseInt(dec, 10) : hex !== undefined ? Number.parseInt(hex, 16) : -1;
    // XML 1.0 §4.1 (WFC: Legal Character).
    if (code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)) return String.fromCodePoint(code);
    bad = true;
    return all;
  });
  // A bare "&" (the expression's last alternative) is no reference either: not well formed.
  return bad ? null : text;
}

const localName = (qname: string): string => qname.slice(qname.indexOf(":") + 1);

/** What the request asks: the address, and the response schema it accepts (null when it names none). */
interface AutodiscoverRequest {
  address: string;
  schema: string | null;
}

/** The request's address and schema, or null when the body is not a well-formed Autodiscover request. */
export function readAutodiscoverRequest(body: string): AutodiscoverRequest | null {
  const stack: string[] = [];
  const texts = new Map<string, string>();
  let seenRoot = false;
  let i = body.startsWith("\uFEFF") ? 1 : 0;
  const at = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    const m = re.exec(body);
    if (m !== null) i = re.lastIndex;
    return m;
  };
  while (i < body.length) {
    if (body.startsWith("<!DOCTYPE", i) || body.startsWith("<!ENTITY", i)) return null;
    let m: RegExpExecArray | null;
    if (at(COMMENT) !== null || at(PI) !== null) continue;
    if ((m = at(CDATA)) !== null) {
      if (stack.length === 0) return null;
      const path = stack.join("/");
      texts.set(path, (texts.get(path) ?? "") + (m[1] ?? ""));
      continue;
    }
    if ((m = at(END_TAG)) !== null) {
      if (stack.pop() !== localName(m[1] ?? "")) return null;
      continue;
    }
    if ((m = at(START_TAG)) !== null) {
      if (stack.length === 0 && seenRoot) return null;
      if (stack.length >= MAX_DEPTH) return null;
      seenRoot = true;
      const attributes = m[2] ?? "";
      for (const a of attributes.matchAll(/=\s*(?:"([^"]*)"|'([^']*)')/g)) if (decodeText(a[1] ?? a[2] ?? "") === null) return null;
      if (m[3] !== "/") stack.push(localName(m[1] ?? ""));
      continue;
    }
    if ((m = at(TEXT)) !== null) {
      const raw = m[0];
      if (stack.length === 0) {
        if (raw.trim() !== "") return null;
        continue;
      }
      const text = decodeText(raw);
      if (text === null) return null;
      const path = stack.join("/");
      texts.set(path, (texts.get(path) ?? "") + text);
      continue;
    }
    return null;
  }
  if (!seenRoot || stack.length !== 0) return null;
  const address = texts.get("Autodiscover/Request/EMailAddress")?.trim();
  if (address === undefined || address === "") return null;
  return { address, schema: texts.get("Autodiscover/Request/AcceptableResponseSchema")?.trim() ?? null };
}
