/**
 * Reads an Outlook Autodiscover request (MS-OXDSCLI §2.2.3: `Autodiscover` / `Request` /
 * `EMailAddress`, `AcceptableResponseSchema`) with fast-xml-parser: its validator decides whether
 * the body's elements are well formed, its parser reads them with namespace prefixes removed and
 * entities left alone. A DOCTYPE is refused before either sees the body, so no entity is ever
 * defined or expanded (no "billion laughs", no external entities); the two values read are then
 * decoded here, where XML's five predefined entities and character references are all there is
 * (an undefined entity or a bare `&` refuses the request). The route's small body limit bounds the work.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

/** What the request asks: the address, and the response schema it accepts (null when it names none). */
interface AutodiscoverRequest {
  address: string;
  schema: string | null;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
});

const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&/g;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Text with its references resolved, or undefined for a bare `&`, an undefined entity, or a character XML does not allow. */
function decodeReferences(raw: string): string | undefined {
  let bad = false;
  const text = raw.replace(REFERENCE, (all, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name] ?? "";
    const code = dec !== undefined ? Number.parseInt(dec, 10) : hex !== undefined ? Number.parseInt(hex, 16) : -1;
    // XML 1.0 §4.1 (WFC: Legal Character).
    if (code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)) return String.fromCodePoint(code);
    bad = true;
    return all;
  });
  return bad ? undefined : text;
}

/** A child element's text, its references resolved: a string, or (text beside other nodes) the parser's "#text". */
function textOf(node: unknown): string | undefined {
  if (typeof node === "string") return decodeReferences(node);
  if (typeof node === "object" && node !== null && "#text" in node && typeof node["#text"] === "string") return decodeReferences(node["#text"]);
  return undefined;
}

const child = (node: unknown, name: string): unknown => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[name] : undefined);

/** The request's address and schema, or null when the body is not a well-formed Autodiscover request. */
export function readAutodiscoverRequest(body: string): AutodiscoverRequest | null {
  const text = body.startsWith("\uFEFF") ? body.slice(1) : body;
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return null;
  if (XMLValidator.validate(text) !== true) return null;
  const request = child(child(parser.parse(text), "Autodiscover"), "Request");
  const address = textOf(child(request, "EMailAddress"))?.trim();
  if (address === undefined || address === "") return null;
  const schemaNode = child(request, "AcceptableResponseSchema");
  const schema = schemaNode === undefined ? null : textOf(schemaNode)?.trim();
  return schema === undefined ? null : { address, schema };
}
