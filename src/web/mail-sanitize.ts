/**
 * HTML mail made safe to show (issue 14), on the server, with sanitize-html and an allow-list: what
 * is not named here does not pass. No script, no style sheets (a `<style>` element goes with its
 * text; style attributes keep only plain properties whose values load nothing), no forms, frames,
 * objects, embeds, `<base>`, `<meta>`, `<link>`, SVG or MathML, no event handlers (no attribute not
 * listed passes), links only to http, https and mailto, and each of them opens in a new browsing
 * context without an opener or a referrer.
 *
 * Remote content (anything the browser would fetch by itself: images, srcset, CSS url(), background
 * attributes, posters) is removed unless the user asked for it for this message; then only `<img
 * src>` over http(s) stays. Inline images (RFC 2392 cid: URLs) become data: URLs of the message's
 * own parts. This is one of two walls: the frame that shows the result is sandboxed without scripts
 * and under a CSP that forbids every load but data: images (routes-mail-read.ts), so what slips
 * through one is stopped by the other.
 */
import sanitizeHtml from "sanitize-html";

/** Decoded HTML longer than this is cut before sanitising (sanitize-html is linear, but a frame need not show 10 MB). */
export const HTML_MAX = 4 * 1024 * 1024;

const TAGS = [
  ...["address", "article", "aside", "footer", "header", "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "main", "nav", "section"],
  ...["blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "hr", "li", "menu", "ol", "p", "pre", "ul"],
  ...["a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"],
  ...["caption", "col", "colgroup", "table", "tbody", "td", "tfoot", "th", "thead", "tr"],
  // What old mail programs still write.
  ...["font", "center", "big", "tt", "strike", "del", "ins", "img"],
];

/** Attributes every kept element may have: layout and language, nothing that names a URL or runs anything. */
const COMMON = ["dir", "lang", "title", "align", "valign", "width", "height", "style", "bgcolor", "color"];

/**
 * Elements dropped with everything in them (sanitize-html's nonTextTags): their text is code or
 * a document of its own, not something to read. The rest of an element not allowed is dropped but
 * its text kept.
 */
const DROP_WITH_TEXT = ["script", "style", "textarea", "option", "select", "noscript", "noembed", "noframes", "template", "title", "head", "xmp", "iframe", "object", "svg", "math", "plaintext", "frameset"];

/**
 * A CSS value that loads nothing and escapes nothing: words, numbers, units, colours, quotes,
 * commas, and the colour functions. No "(" otherwise (url(), image-set(), expression(), var()),
 * no backslash (a CSS escape could spell "url"), no ":" or ";" or "@" or "<".
 */
const SAFE_VALUE = /^(?:[-\w\s#%.,'"!/+]|(?:rgba?|hsla?)\([\d\s.,%/]*\))*$/i;
const STYLE_PROPERTIES = [
  "color",
  "background-color",
  "background",
  "font",
  "font-family",
  "font-size",
  "font-style",
  "font-weight",
  "text-align",
  "text-decoration",
  "text-transform",
  "text-indent",
  "line-height",
  "letter-spacing",
  "white-space",
  "word-break",
  "vertical-align",
  "direction",
  "display",
  "width",
  "height",
  "max-width",
  "min-width",
  "max-height",
  "min-height",
  "border-collapse",
  "border-spacing",
  "table-layout",
  "list-style-type",
  ...["", "-top", "-right", "-bottom", "-left"].flatMap((side) => [`margin${side}`, `padding${side}`, `border${side}`, `border${side}-color`, `border${side}-style`, `border${side}-width`]),
  "border-radius",
];
const ALLOWED_STYLES = { "*": Object.fromEntries(STYLE_PROPERTIES.map((p) => [p, [SAFE_VALUE]])) };

/** data: images an `<img>` may carry in the message itself (no SVG: a document that can hold script and links). */
const DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=\s]*$/i;

interface SanitizeOptions {
  /** The user asked to load this message's remote images. */
  remote: boolean;
  /** A cid: reference's data: URL, or null (mail-message.ts inlineImages). */
  inline: (cid: string) => string | null;
}

/** An absolute http(s) or mailto URL as the browser would read it (tabs, newlines and entities already undone), or null. */
function linkTarget(href: string | undefined): string | null {
  if (href === undefined) return null;
  try {
    const url = new URL(href.trim());
    return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" ? url.href : null;
  } catch {
    return null; // relative, or no URL at all
  }
}

/** Sanitises one HTML body. */
export function sanitizeMail(input: string, o: SanitizeOptions): string {
  return sanitizeHtml(input.length > HTML_MAX ? input.slice(0, HTML_MAX) : input, {
    allowedTags: TAGS,
    allowedAttributes: {
      "*": COMMON,
      a: ["href", "target", "rel"],
      img: ["src", "alt"],
      table: ["border", "cellpadding", "cellspacing", "summary"],
      td: ["colspan", "rowspan", "nowrap", "headers", "scope"],
      th: ["colspan", "rowspan", "nowrap", "headers", "scope", "abbr"],
      col: ["span"],
      colgroup: ["span"],
      font: ["face", "size"],
      ol: ["start", "type", "reversed"],
      ul: ["type"],
      li: ["value"],
      time: ["datetime"],
      data: ["value"],
      q: [],
      blockquote: [],
      del: ["datetime"],
      ins: ["datetime"],
    },
    allowedStyles: ALLOWED_STYLES,
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["http", "https", "data"] },
    allowedSchemesAppliedToAttributes: ["href", "src", "cite", "action", "formaction", "data", "xlink:href", "poster", "background", "ping", "longdesc", "usemap", "codebase", "classid", "archive", "profile", "manifest", "itemid", "dynsrc", "lowsrc"],
    allowProtocolRelative: false,
    nonTextTags: DROP_WITH_TEXT,
    disallowedTagsMode: "discard",
    nestingLimit: 400,
    parseStyleAttributes: true,
    transformTags: {
      a: (tagName, attribs) => {
        const href = linkTarget(attribs.href);
        // RFC 9110 has no say here; HTML: target=_blank opens a new context, rel=noopener noreferrer gives it no handle on this one and no Referer.
        const out: Record<string, string> = href === null ? {} : { href, target: "_blank", rel: "noopener noreferrer" };
        if (attribs.title !== undefined) out.title = attribs.title;
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const src = (attribs.src ?? "").trim();
        const out: Record<string, string> = {};
        for (const a of [...COMMON, "alt"]) if (attribs[a] !== undefined) out[a] = attribs[a];
        if (/^cid:/i.test(src)) {
          const url = o.inline(src.slice(4));
          if (url !== null) out.src = url;
        } else if (DATA_IMAGE.test(src)) out.src = src;
        else if (/^(?:https?:)?\/\//i.test(src) || attribs.srcset !== undefined) {
          const url = linkTarget(src);
          if (o.remote && url !== null && !url.startsWith("mailto:")) out.src = url;
        }
        return { tagName, attribs: out };
      },
    },
  });
}

/**
 * Whether an HTML body seems to load something from elsewhere, found without sanitising it (the
 * message page must stay cheap; the frame's request sanitises): an attribute or CSS that names an
 * absolute http(s) or protocol-relative URL, an @import, a `<link>`. It may err towards yes (the
 * page then offers to load remote content that turns out to be none); each pattern is a literal
 * followed by single character classes, so the scan is linear.
 */
export function mayLoadRemote(input: string): boolean {
  const s = input.length > HTML_MAX ? input.slice(0, HTML_MAX) : input;
  return /(?:src|background|poster|srcset|data)\s*=[\s"']*(?:https?:)?\/\/|url\([\s"']*(?:https?:)?\/\/|@import|<link\b/i.test(s);
}
