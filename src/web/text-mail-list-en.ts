/** The webmail's message list in English (`/mail/f/ID`): `text-en.ts`'s `mail.list`, kept apart so the catalogue stays small. */

/** Made once: a formatter costs far more to make than to use. The console shows times in UTC. */
const DATE = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const DECIMAL = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });

const messages = (n: number): string => (n === 1 ? "1 message" : `${n} messages`);

export const mailListEn = {
  /** The list's heading for screen readers and the table's caption. */
  caption: (folder: string): string => `Messages in ${folder}`,
  columns: { select: "Select", from: "From", to: "To", subject: "Subject", date: "Date (UTC)", size: "Size", marks: "Status" },
  select: (subject: string): string => `Select: ${subject}`,
  noSubject: "(no subject)",
  noSender: "(no sender)",
  noRecipient: "(no recipient)",
  /** After the first recipient: how many more the message went to. */
  moreRecipients: (n: number): string => `and ${n} more`,
  unread: "Unread",
  flagged: "Flagged",
  answered: "Answered",
  attachment: "Attachment",
  date: (ms: number): string => DATE.format(ms),
  /** kB and MB of 1000 (SI), as the units' names say; never "0 kB" for a message that has bytes. */
  size: (bytes: number): string => (bytes < 1_000_000 ? `${Math.max(1, Math.round(bytes / 1000))} kB` : `${DECIMAL.format(bytes / 1_000_000)} MB`),
  count: messages,
  empty: "This folder is empty.",
  pagesNav: "Pages",
  newer: "Newer",
  older: "Older",
  pageOf: (page: number, pages: number): string => `Page ${page} of ${pages}`,
  searchNav: "Search in this folder",
  searchFor: "Search for",
  searchIn: "Search in",
  fields: { all: "everything", from: "sender", to: "recipients (To, Cc)", subject: "subject", body: "message text" },
  search: "Search",
  showAll: "Show all messages",
  found: (n: number, q: string): string => (n === 0 ? `No message matches “${q}”.` : `${n === 1 ? "1 message matches" : `${n} messages match`} “${q}”.`),
  toolbar: "With the selected messages",
  markRead: "Mark read",
  markUnread: "Mark unread",
  flag: "Flag",
  unflag: "Unflag",
  moveTo: "Move to",
  chooseFolder: "Choose a folder",
  move: "Move",
  delete: "Delete",
  deleteForGood: "Delete for good",
  emptyTrash: "Empty Trash",
  emptyJunk: "Empty Junk",
  deleteTitle: "Delete messages for good",
  deleteWarning: (n: number): string =>
    `${messages(n)} will be deleted for good, on every device. ${n === 1 ? "It" : "They"} cannot be brought back.`,
  deleteConfirm: (n: number): string => (n === 1 ? "Delete the message for good" : `Delete ${n} messages for good`),
  emptyWarning: (folder: string, n: number): string =>
    `${folder} holds ${messages(n)}. Emptying it deletes ${n === 1 ? "it" : "them"} for good, on every device; this cannot be undone.`,
  emptyConfirm: (folder: string, n: number): string => `Empty ${folder}: delete ${messages(n)}`,
  keep: "Keep them and go back",
  done: {
    read: (n: number): string => `${messages(n)} marked as read.`,
    unread: (n: number): string => `${messages(n)} marked as unread.`,
    flagged: (n: number): string => `${messages(n)} flagged.`,
    unflagged: (n: number): string => `Flag removed from ${messages(n)}.`,
    moved: (n: number, folder: string): string => `${messages(n)} moved to ${folder}.`,
    trashed: (n: number, folder: string): string => `${messages(n)} moved to ${folder}.`,
    deleted: (n: number): string => `${messages(n)} deleted for good.`,
    emptied: (n: number): string => `${messages(n)} deleted for good; the folder is empty.`,
  },
  problems: {
    none: "Select one or more messages first (the boxes at the start of each row).",
    target: "Choose the folder to move the messages to.",
    same: "The messages are in this folder already.",
    gone: "These messages are no longer here: deleted or moved, perhaps by another device.",
    nothing: "There is nothing to delete: the folder is empty.",
  },
};
