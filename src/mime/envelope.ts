/**
 * The IMAP ENVELOPE: RFC 9051 §7.5.2 (RFC 3501 §7.4.2). Field values are the raw header text, unfolded;
 * encoded-words (RFC 2047) are not decoded, as IMAP returns them as they are. The structure only: the
 * IMAP server writes it (imap-server's formatEnvelope), with its one set of string rules.
 */
import { parseAddressList, type ImapAddress } from "./address.ts";
import { findField, findFields, type HeaderField } from "./header.ts";
import type { MimePart } from "./tree.ts";

export interface ImapEnvelope {
  date: string | null;
  subject: string | null;
  from: ImapAddress[] | null;
  sender: ImapAddress[] | null;
  replyTo: ImapAddress[] | null;
  to: ImapAddress[] | null;
  cc: ImapAddress[] | null;
  bcc: ImapAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

function text(fields: readonly HeaderField[], name: string): string | null {
  return findField(fields, name)?.value ?? null;
}

/** Addresses of every field named `name` (repeated fields are concatenated), or null when none. */
function addresses(fields: readonly HeaderField[], name: string): ImapAddress[] | null {
  const list: ImapAddress[] = [];
  // One by one, not push(...): a field may hold more addresses than a spread may pass.
  for (const f of findFields(fields, name)) for (const a of parseAddressList(f.value)) list.push(a);
  return list.length > 0 ? list : null;
}

/**
 * Builds the ENVELOPE of a message (the root part, or a message/rfc822 part's `message`).
 * Sender and Reply-To default to From when absent or empty (RFC 9051 §7.5.2).
 */
export function envelope(message: MimePart): ImapEnvelope {
  const h = message.headers;
  const from = addresses(h, "from");
  return {
    date: text(h, "date"),
    subject: text(h, "subject"),
    from,
    sender: addresses(h, "sender") ?? from,
    replyTo: addresses(h, "reply-to") ?? from,
    to: addresses(h, "to"),
    cc: addresses(h, "cc"),
    bcc: addresses(h, "bcc"),
    inReplyTo: text(h, "in-reply-to"),
    messageId: text(h, "message-id"),
  };
}
