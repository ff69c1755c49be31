/**
 * BODY and BODYSTRUCTURE: RFC 9051 §7.5.2 (RFC 3501 §7.4.2) and the `body` grammar of RFC 9051 §9.
 * BODY carries no extension data; BODYSTRUCTURE carries all of it (body-ext-1part / body-ext-mpart).
 * The structure only: the IMAP server writes it (imap-server's formatBodyStructure).
 */
import { envelope, type ImapEnvelope } from "./envelope.ts";
import type { MimeParam } from "./params.ts";
import { isEmbeddedMessageType, isMultipart, type MimePart } from "./tree.ts";

/** Extension data shared by both kinds (RFC 9051 body-ext-1part / body-ext-mpart). */
export interface ImapBodyExtension {
  disposition: { type: string; params: MimeParam[] | null } | null;
  language: string[] | null;
  location: string | null;
}

export interface ImapSinglePart {
  kind: "single";
  type: string;
  subtype: string;
  params: MimeParam[] | null;
  id: string | null;
  description: string | null;
  encoding: string;
  size: number;
  /** text/* and message/rfc822: body-fld-lines. */
  lines: number | null;
  /** message/rfc822: the embedded message's envelope and body. */
  envelope: ImapEnvelope | null;
  body: ImapBodyStructure | null;
  /** BODYSTRUCTURE only: md5 then the common extension data. */
  extension: (ImapBodyExtension & { md5: string | null }) | null;
}

interface ImapMultipart {
  kind: "multipart";
  children: ImapBodyStructure[];
  subtype: string;
  /** BODYSTRUCTURE only: the parameters then the common extension data. */
  extension: (ImapBodyExtension & { params: MimeParam[] | null }) | null;
}

export type ImapBodyStructure = ImapSinglePart | ImapMultipart;

const nonEmpty = <T>(list: T[] | null): T[] | null => (list === null || list.length === 0 ? null : list);

function commonExtension(part: MimePart): ImapBodyExtension {
  const d = part.disposition;
  return {
    disposition: d === null ? null : { type: d.type, params: nonEmpty(d.params) },
    language: nonEmpty(part.language),
    location: part.location,
  };
}

/** text/* without a charset parameter gets ("charset" "us-ascii") appended (RFC 2045 §5.2), as Dovecot does. */
function typeParams(part: MimePart): MimeParam[] | null {
  const ct = part.contentType;
  if (ct.type.toLowerCase() === "text" && !ct.params.some((p) => p.name.toLowerCase() === "charset")) {
    return [...ct.params, { name: "charset", value: "us-ascii" }];
  }
  return nonEmpty(ct.params);
}

/** An empty text/plain part: what a multipart without any body part reports (the grammar needs one). */
function emptyTextPart(extended: boolean): ImapSinglePart {
  return {
    kind: "single",
    type: "text",
    subtype: "plain",
    params: [{ name: "charset", value: "us-ascii" }],
    id: null,
    description: null,
    encoding: "7bit",
    size: 0,
    lines: 0,
    envelope: null,
    body: null,
    extension: extended ? { md5: null, disposition: null, language: null, location: null } : null,
  };
}

/**
 * The BODY (extended = false) or BODYSTRUCTURE (extended = true) of a part. A multipart with no body
 * part (missing or unused boundary) reports one empty text/plain part; a part a parser limit left
 * unexamined (`truncated`) reports as application/octet-stream.
 */
export function bodyStructure(part: MimePart, extended: boolean): ImapBodyStructure {
  if (isMultipart(part) && !part.truncated) {
    const children = part.children.map((c) => bodyStructure(c, extended));
    if (children.length === 0) children.push(emptyTextPart(extended));
    return {
      kind: "multipart",
      children,
      subtype: part.contentType.subtype,
      extension: extended ? { params: nonEmpty(part.contentType.params), ...commonExtension(part) } : null,
    };
  }
  const opaque = part.truncated;
  const type = opaque ? "application" : part.contentType.type;
  const subtype = opaque ? "octet-stream" : part.contentType.subtype;
  const lower = type.toLowerCase();
  const embedded = !opaque && part.message !== undefined && isEmbeddedMessageType(part.contentType);
  return {
    kind: "single",
    type,
    subtype,
    params: opaque ? null : typeParams(part),
    id: part.id,
    description: part.description,
    encoding: part.encoding,
    size: part.size,
    lines: lower === "text" || embedded ? part.lineCount : null,
    envelope: embedded && part.message ? envelope(part.message) : null,
    body: embedded && part.message ? bodyStructure(part.message, extended) : null,
    extension: extended ? { md5: part.md5, ...commonExtension(part) } : null,
  };
}
