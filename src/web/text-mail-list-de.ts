/** Die Nachrichtenliste der Webmail auf Deutsch (`/mail/f/ID`): `mail.list` aus `text-de.ts`, getrennt gehalten, damit der Katalog klein bleibt. */
import type { Text } from "./text-en.ts";

/** Einmal erzeugt: ein Formatierer kostet viel mehr in der Herstellung als im Gebrauch. Die Konsole zeigt Zeiten in UTC. */
const DATE = new Intl.DateTimeFormat("de-DE", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const DECIMAL = new Intl.NumberFormat("de-DE", { maximumFractionDigits: 1 });

const messages = (n: number): string => (n === 1 ? "1 Nachricht" : `${n} Nachrichten`);

export const mailListDe: Text["mail"]["list"] = {
  caption: (folder) => `Nachrichten in ${folder}`,
  columns: { select: "Auswahl", from: "Von", to: "An", subject: "Betreff", date: "Datum (UTC)", size: "Größe", marks: "Status" },
  select: (subject) => `Auswählen: ${subject}`,
  noSubject: "(kein Betreff)",
  noSender: "(kein Absender)",
  noRecipient: "(kein Empfänger)",
  moreRecipients: (n: number): string => `und ${n} weitere`,
  unread: "Ungelesen",
  flagged: "Markiert",
  answered: "Beantwortet",
  attachment: "Anhang",
  date: (ms) => DATE.format(ms),
  size: (bytes) => (bytes < 1_000_000 ? `${Math.max(1, Math.round(bytes / 1000))} kB` : `${DECIMAL.format(bytes / 1_000_000)} MB`),
  count: messages,
  empty: "Dieser Ordner ist leer.",
  pagesNav: "Seiten",
  newer: "Neuere",
  older: "Ältere",
  pageOf: (page, pages) => `Seite ${page} von ${pages}`,
  searchNav: "In diesem Ordner suchen",
  searchFor: "Suchen nach",
  searchIn: "Suchen in",
  fields: { all: "allem", from: "Absender", to: "Empfängern (An, Kopie)", subject: "Betreff", body: "Nachrichtentext" },
  search: "Suchen",
  showAll: "Alle Nachrichten zeigen",
  found: (n, q) => (n === 0 ? `Keine Nachricht passt zu „${q}“.` : `${n === 1 ? "1 Nachricht passt" : `${n} Nachrichten passen`} zu „${q}“.`),
  toolbar: "Mit den ausgewählten Nachrichten",
  markRead: "Als gelesen markieren",
  markUnread: "Als ungelesen markieren",
  flag: "Markieren",
  unflag: "Markierung entfernen",
  moveTo: "Verschieben nach",
  chooseFolder: "Ordner wählen",
  move: "Verschieben",
  delete: "Löschen",
  deleteForGood: "Endgültig löschen",
  emptyTrash: "Papierkorb leeren",
  emptyJunk: "Spam-Ordner leeren",
  deleteTitle: "Nachrichten endgültig löschen",
  deleteWarning: (n) => `${messages(n)} ${n === 1 ? "wird" : "werden"} endgültig gelöscht, auf allen Geräten. Das lässt sich nicht rückgängig machen.`,
  deleteConfirm: (n) => (n === 1 ? "Nachricht endgültig löschen" : `${n} Nachrichten endgültig löschen`),
  emptyWarning: (folder, n) =>
    `Im Ordner ${folder} ${n === 1 ? "liegt" : "liegen"} ${messages(n)}. Beim Leeren ${n === 1 ? "wird sie" : "werden sie"} endgültig gelöscht, auf allen Geräten; das lässt sich nicht rückgängig machen.`,
  emptyConfirm: (folder, n) => `${folder} leeren: ${messages(n)} löschen`,
  keep: "Behalten und zurück",
  done: {
    read: (n) => `${messages(n)} als gelesen markiert.`,
    unread: (n) => `${messages(n)} als ungelesen markiert.`,
    flagged: (n) => `${messages(n)} markiert.`,
    unflagged: (n) => `Markierung von ${messages(n)} entfernt.`,
    moved: (n, folder) => `${messages(n)} nach ${folder} verschoben.`,
    trashed: (n, folder) => `${messages(n)} nach ${folder} verschoben.`,
    deleted: (n) => `${messages(n)} endgültig gelöscht.`,
    emptied: (n) => `${messages(n)} endgültig gelöscht; der Ordner ist leer.`,
  },
  problems: {
    none: "Wählen Sie zuerst eine oder mehrere Nachrichten aus (die Kästchen am Anfang jeder Zeile).",
    target: "Wählen Sie den Ordner, in den die Nachrichten verschoben werden sollen.",
    same: "Die Nachrichten liegen bereits in diesem Ordner.",
    gone: "Diese Nachrichten sind nicht mehr hier: gelöscht oder verschoben, vielleicht von einem anderen Gerät.",
    nothing: "Es gibt nichts zu löschen: Der Ordner ist leer.",
  },
};
