/**
 * The message a person wrote, as MIME (nodemailer's MailComposer): RFC 5322 header fields with
 * RFC 2047 encoded words, RFC 2231 file names, multipart/mixed with the attachments,
 * quoted-printable or base64 bodies, a Message-ID with the server's host name (RFC 5322 §3.6.4) and
 * the Date. The Bcc field is kept: the copy in Sent and a draft keep it (as Thunderbird's do), and
 * submission removes it from what is delivered (smtp-server's submitMessage, RFC 5322 §3.6.3).
 */
import { randomUUID } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";
import type { Upload } from "./compose-form.ts";
import type { Mailbox } from "./mail-compose.ts";
import { ORIGIN_HEADER } from "./mail-original.ts";

export interface Written {
  from: string;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  subject: string;
  text: string;
  attachments: Upload[];
  /** RFC 5322 §3.6.4, when it answers a message. */
  thread: { inReplyTo: string; references: string[] } | null;
  /** A draft's note of the message it answers ("12.34 reply"); only drafts carry it. */
  origin: string | null;
}

export async function buildMessage(w: Written, hostname: string, date = new Date()): Promise<Buffer> {
  const composer = new MailComposer({
    from: w.from,
    to: w.to,
    cc: w.cc,
    bcc: w.bcc,
    subject: w.subject,
    // Line breaks as the form sent them (CRLF from browsers) or not: one kind, LF, for the composer.
    text: w.text.replace(/\r\n?/g, "\n"),
    attachments: w.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
    messageId: `<${randomUUID()}@${hostname}>`,
    date,
    ...(w.thread === null ? {} : { inReplyTo: w.thread.inReplyTo, references: w.thread.references }),
    ...(w.origin === null ? {} : { headers: { [ORIGIN_HEADER]: w.origin } }),
    // Only the bytes given here: never a file of the server's or a URL (nodemailer can load either).
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: "\r\n",
  });
  const node = composer.compile();
  node.keepBcc = true;
  return node.build();
}
