/**
 * ENVELOPE, BODY and BODYSTRUCTURE as they go out (RFC 9051 §7.5.2 and the `envelope` and `body`
 * grammar of §9; RFC 3501 §7.4.2), written from the structures mime builds (envelope, bodyStructure)
 * with the one set of string rules (format.ts). No UTF-8 option: the result is cached for every
 * session, so 8-bit values go out as literals, valid for every client (as Dovecot does).
 */
import type { ImapAddress, ImapBodyExtension, ImapBodyStructure, ImapEnvelope, MimeParam } from "../../mime/index.ts";
import { formatNstring, formatString } from "./format.ts";

/** A parenthesised list of already-formatted items, or NIL when null or empty. */
function list(items: readonly string[] | null): string {
  return items === null || items.length === 0 ? "NIL" : "(" + items.join(" ") + ")";
}

function formatAddress(a: ImapAddress): string {
  return `(${formatNstring(a.name)} ${formatNstring(a.adl)} ${formatNstring(a.mailbox)} ${formatNstring(a.host)})`;
}

function formatAddresses(addresses: ImapAddress[] | null): string {
  // One string per address, joined once: a field may hold hundreds of thousands of them.
  return addresses === null || addresses.length === 0 ? "NIL" : "(" + addresses.map(formatAddress).join("") + ")";
}

/** An envelope in IMAP syntax: `("date" "subject" ((...)) ... "message-id")`. */
export function formatEnvelope(env: ImapEnvelope): string {
  return list([
    formatNstring(env.date),
    formatNstring(env.subject),
    formatAddresses(env.from),
    formatAddresses(env.sender),
    formatAddresses(env.replyTo),
    formatAddresses(env.to),
    formatAddresses(env.cc),
    formatAddresses(env.bcc),
    formatNstring(env.inReplyTo),
    formatNstring(env.messageId),
  ]);
}

/** body-fld-param: ("name" "value" ...) or NIL. */
function formatParams(params: MimeParam[] | null): string {
  return list(params === null ? null : params.flatMap((p) => [formatString(p.name), formatString(p.value)]));
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc. */
function formatExtension(ext: ImapBodyExtension): string {
  const d = ext.disposition;
  const disposition = d === null ? "NIL" : `(${formatString(d.type)} ${formatParams(d.params)})`;
  const language = list(ext.language === null ? null : ext.language.map((l) => formatString(l)));
  return `${disposition} ${language} ${formatNstring(ext.location)}`;
}

/** A BODY / BODYSTRUCTURE value in IMAP syntax (RFC 9051 §9 `body`). */
export function formatBodyStructure(bs: ImapBodyStructure): string {
  if (bs.kind === "multipart") {
    let s = "(" + bs.children.map(formatBodyStructure).join("") + " " + formatString(bs.subtype);
    if (bs.extension !== null) {
      s += ` ${formatParams(bs.extension.params)} ${formatExtension(bs.extension)}`;
    }
    return s + ")";
  }
  let s =
    `(${formatString(bs.type)} ${formatString(bs.subtype)} ${formatParams(bs.params)} ` +
    `${formatNstring(bs.id)} ${formatNstring(bs.description)} ${formatString(bs.encoding)} ${bs.size}`;
  if (bs.envelope !== null && bs.body !== null) {
    s += ` ${formatEnvelope(bs.envelope)} ${formatBodyStructure(bs.body)}`;
  }
  if (bs.lines !== null) s += ` ${bs.lines}`;
  if (bs.extension !== null) {
    s += ` ${formatNstring(bs.extension.md5)} ${formatExtension(bs.extension)}`;
  }
  return s + ")";
}
