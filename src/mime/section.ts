/**
 * FETCH BODY[section]<partial>: RFC 9051 §6.4.5 (RFC 3501 §6.4.5). Part numbers address multipart
 * children; a non-multipart part has itself as part 1; after a message/rfc822 part, numbers address
 * the embedded message. HEADER, HEADER.FIELDS[.NOT] and TEXT apply to the message itself or to a
 * message/rfc822 part; MIME to a numbered part.
 */
import { fieldName, scanHeader } from "./header.ts";
import { decodeBinary } from "./transfer.ts";
import { isMultipart, type MimePart } from "./tree.ts";

type SectionText = "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";

/** A parsed section specification; `part` is empty for the message itself. */
export interface SectionSpec {
  part: number[];
  text?: SectionText;
  /** Field names for HEADER.FIELDS / HEADER.FIELDS.NOT. */
  fields?: string[];
}

/**
 * Parses the text between the brackets of BODY[...]: "", "1.2", "HEADER", "1.TEXT", "2.MIME",
 * "HEADER.FIELDS (From Subject)". Field names may be atoms or quoted strings. Returns null when invalid.
 */
export function parseSection(text: string): SectionSpec | null {
  const m = /^((?:[1-9][0-9]*)(?:\.[1-9][0-9]*)*)?(?:(?:^|\.)(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME))?(.*)$/is.exec(
    text,
  );
  if (m === null) return null;
  const [, nums, kind, rest = ""] = m;
  const part = nums === undefined ? [] : nums.split(".").map(Number);
  if (part.some((n) => !Number.isSafeInteger(n))) return null;
  const spec: SectionSpec = { part };
  if (kind === undefined) return rest === "" ? spec : null;
  spec.text = kind.toUpperCase() as SectionText;
  if (spec.text === "MIME" && part.length === 0) return null;
  if (spec.text === "HEADER.FIELDS" || spec.text === "HEADER.FIELDS.NOT") {
    const list = /^ \((.*)\)$/s.exec(rest);
    if (list === null) return null;
    const fields: string[] = [];
    const names = list[1] ?? "";
    const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))/y;
    let consumed = 0;
    for (let f = re.exec(names); f !== null; f = re.exec(names)) {
      fields.push(f[1]?.replace(/\\(.)/g, "$1") ?? f[2] ?? "");
      consumed = re.lastIndex;
    }
    if (fields.length === 0 || names.slice(consumed).trim() !== "") return null;
    spec.fields = fields;
    return spec;
  }
  return rest === "" ? spec : null;
}

/**
 * Resolves part numbers to a part: for each number, a multipart (or a message/rfc822 part's embedded
 * multipart) gives its child; a non-multipart message, embedded message or leaf part gives itself for 1,
 * once (so "1.1" of a single-part message does not exist, as with Dovecot). Null for a missing part.
 */
export function resolvePart(root: MimePart, numbers: readonly number[]): MimePart | null {
  let node = root;
  let selfStep = false; // the previous number selected a part as its own part 1
  for (let i = 0; i < numbers.length; i++) {
    const n = numbers[i] ?? 0;
    const base = i > 0 && node.message !== undefined ? node.message : node;
    if (isMultipart(base) && !base.truncated) {
      const child = base.children[n - 1];
      if (child === undefined) return null;
      node = child;
      selfStep = false;
    } else if (n === 1 && !(selfStep && base === node)) {
      node = base;
      selfStep = true;
    } else {
      return null;
    }
  }
  return node;
}

/**
 * The bytes of BODY[section] (without <partial>), or null when the section does not exist (Dovecot
 * answers an empty string there; NIL is also allowed). Header results include the ending blank line.
 */
export function extractSection(raw: Buffer, tree: MimePart, spec: SectionSpec): Buffer | null {
  const node = resolvePart(tree, spec.part);
  if (node === null) return null;
  if (spec.text === undefined) {
    return spec.part.length === 0 ? raw.subarray(tree.headerStart, tree.bodyEnd) : body(raw, node);
  }
  if (spec.text === "MIME") return raw.subarray(node.headerStart, node.bodyStart);
  // HEADER / TEXT: the message itself, or the message embedded in a message/rfc822 part.
  const message = spec.part.length === 0 ? node : node.message;
  if (message === undefined) return null;
  switch (spec.text) {
    case "TEXT":
      return body(raw, message);
    case "HEADER":
      return raw.subarray(message.headerStart, message.bodyStart);
    default:
      return headerFields(raw, message, spec.fields ?? [], spec.text === "HEADER.FIELDS.NOT");
  }
}

function body(raw: Buffer, part: MimePart): Buffer {
  return raw.subarray(part.bodyStart, part.bodyEnd);
}

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT: the matching (or non-matching) fields as written, in message order,
 * names compared case-insensitively, then a blank line (RFC 9051 §6.4.5).
 */
function headerFields(raw: Buffer, message: MimePart, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const chunks: Buffer[] = [];
  const eol = message.bodyStart - message.headerEnd === 1 ? "\n" : "\r\n";
  scanHeader(raw, message.headerStart, message.bodyStart, (start, colon, end) => {
    const name = fieldName(raw, start, colon);
    if (name === null) return; // not a field: matches no name; HEADER.FIELDS.NOT keeps only fields too
    if (wanted.has(name) === not) return;
    let field = raw.subarray(start, end);
    if (field.at(-1) !== 0x0a) field = Buffer.concat([field, Buffer.from(eol)]);
    chunks.push(field);
  });
  chunks.push(Buffer.from(eol));
  return Buffer.concat(chunks);
}

/** Applies <offset.length> (RFC 9051 §6.4.5): the bytes from `offset`, at most `length` of them. */
export function applyPartial(buf: Buffer, offset: number, length?: number): Buffer {
  const start = Math.min(Math.max(offset, 0), buf.length);
  const end = length === undefined ? buf.length : Math.min(start + Math.max(length, 0), buf.length);
  return buf.subarray(start, end);
}

/**
 * BINARY[part] (RFC 3516 §4.2): the part's body with its Content-Transfer-Encoding undone; null when the
 * part does not exist. The empty section gives the message as stored (not re-encoded). Throws
 * UnknownCteError for an encoding it cannot undo (the server answers NO [UNKNOWN-CTE]).
 */
export function extractBinary(raw: Buffer, tree: MimePart, part: readonly number[]): Buffer | null {
  if (part.length === 0) return raw.subarray(tree.headerStart, tree.bodyEnd);
  const node = resolvePart(tree, part);
  return node === null ? null : decodeBinary(node, raw);
}
