/** The webmail's compose page in English (`/mail/compose`): `text-en.ts`'s `mail.compose`. */

const SIZE = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });

/** A size as people read it: bytes, KB or MB (1024-based, as mail programs show them). */
const size = (bytes: number): string =>
  bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${SIZE.format(bytes / 1024)} KB` : `${SIZE.format(bytes / 1024 / 1024)} MB`;

export const composeEn = {
  title: "Write a message",
  replyTitle: "Reply",
  forwardTitle: "Forward",
  draftTitle: "Draft",
  from: "From",
  to: "To",
  cc: "Cc",
  bcc: "Bcc",
  subject: "Subject",
  text: "Message",
  addressHint: "Several addresses: separate them with commas. Bcc recipients get the message without the others seeing them.",
  files: "Attach files",
  filesHint: (max: number): string => `Together at most ${size(max)}.`,
  carried: "Attachments",
  keep: (name: string, bytes: number): string => `Keep ${name} (${size(bytes)})`,
  send: "Send",
  saveDraft: "Save draft",
  sentTitle: "Message sent",
  sentTo: (who: string): string => `Your message was sent to ${who}.`,
  sentCopy: (folder: string): string => `A copy is in the folder ${folder}.`,
  noCopy: (folder: string): string => `No copy could be saved in ${folder}: your mailbox is full.`,
  draftSaved: (folder: string): string => `The draft was saved in the folder ${folder}.`,
  writeAnother: "Write another message",
  openFolder: (folder: string): string => `Open ${folder}`,
  badAddress: (field: string, address: string): string => `${field}: "${address}" is not an email address. Write it as name@example.com.`,
  noRecipient: "Enter at least one recipient in To, Cc or Bcc.",
  notSent: "The message was not sent; nobody received it. The server refused:",
  refusedRecipient: (address: string, reply: string): string => `${address}: ${reply}`,
  refusedWhole: (reply: string): string => reply,
  tooLarge: (max: number): string => `The message with its attachments is larger than the ${size(max)} this server accepts. Attach fewer or smaller files.`,
  filesLost: "Files you had chosen to attach are not kept: please choose them again.",
  carriedGone: (n: number): string => (n === 1 ? "An attachment to keep no longer exists and was left out." : `${n} attachments to keep no longer exist and were left out.`),
  missingOriginal: "The message you wanted to answer or forward does not exist (any more).",
  missingDraft: "This draft does not exist (any more).",
  noFolder: (name: string): string => `You have no folder for ${name}: create one with this name on the Folders page.`,
  wrote: (date: string, name: string): string => `On ${date}, ${name} wrote:`,
  forwarded: "---------- Forwarded message ----------",
  date: "Date",
};
