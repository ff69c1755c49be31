/**
 * HTML templates that escape by default: `html\`<td>${value}</td>\`` escapes every interpolated
 * string and number; only another `html` result (or an array of them) goes in as markup. There is
 * no other way to make markup, so a value from the database or the client cannot become a tag.
 */

export class Html {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** What a template accepts: text (escaped), markup, lists of either, and nothing (null, undefined, false). */
type Part = string | number | Html | null | undefined | false | readonly Part[];

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * XML 1.0 §2.2 (Char): C0 controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF
 * may not appear in an XML document, not even as character references: escaping cannot save them,
 * so they become U+FFFD.
 */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const escapeXml = (text: string): string => escapeHtml(text.replace(NOT_XML_CHAR, "\uFFFD"));

/** A tagged template that escapes every interpolated string and number with `escape`. */
function template(escape: (text: string) => string): (strings: TemplateStringsArray, ...values: Part[]) => Html {
  const render = (part: Part): string => {
    if (part === null || part === undefined || part === false) return "";
    if (part instanceof Html) return part.toString();
    if (typeof part === "number") return String(part);
    if (typeof part === "string") return escape(part);
    return part.map(render).join("");
  };
  return (strings, ...values) => {
    let out = strings[0] ?? "";
    for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
    return new Html(out);
  };
}

export const html = template(escapeHtml);

/** The same for XML documents (the settings documents mail programs read): also drops what XML cannot carry. */
export const xml = template(escapeXml);
