/** Die Seite zum Schreiben einer Nachricht (`/mail/compose`) auf Deutsch: `mail.compose` in `text-de.ts`. */
import type { composeEn } from "./text-mail-compose-en.ts";

const SIZE = new Intl.NumberFormat("de-DE", { maximumFractionDigits: 1 });

const size = (bytes: number): string =>
  bytes < 1024 ? `${bytes} Byte` : bytes < 1024 * 1024 ? `${SIZE.format(bytes / 1024)} KB` : `${SIZE.format(bytes / 1024 / 1024)} MB`;

export const composeDe: typeof composeEn = {
  title: "Nachricht schreiben",
  replyTitle: "Antworten",
  forwardTitle: "Weiterleiten",
  draftTitle: "Entwurf",
  from: "Von",
  to: "An",
  cc: "Kopie (Cc)",
  bcc: "Blindkopie (Bcc)",
  subject: "Betreff",
  text: "Nachricht",
  addressHint: "Mehrere Adressen trennen Sie durch Kommas. Empfänger in Bcc erhalten die Nachricht, ohne dass die anderen sie sehen.",
  files: "Dateien anhängen",
  filesHint: (max: number): string => `Zusammen höchstens ${size(max)}.`,
  carried: "Anhänge",
  keep: (name: string, bytes: number): string => `${name} behalten (${size(bytes)})`,
  send: "Senden",
  saveDraft: "Als Entwurf speichern",
  sentTitle: "Nachricht gesendet",
  sentTo: (who: string): string => `Ihre Nachricht wurde an ${who} gesendet.`,
  sentCopy: (folder: string): string => `Eine Kopie liegt im Ordner ${folder}.`,
  noCopy: (folder: string): string => `Im Ordner ${folder} konnte keine Kopie abgelegt werden: Ihr Postfach ist voll.`,
  draftSaved: (folder: string): string => `Der Entwurf wurde im Ordner ${folder} gespeichert.`,
  writeAnother: "Weitere Nachricht schreiben",
  openFolder: (folder: string): string => `Ordner ${folder} öffnen`,
  badAddress: (field: string, address: string): string => `${field}: „${address}“ ist keine E-Mail-Adresse. Schreiben Sie sie in der Form name@example.com.`,
  noRecipient: "Geben Sie mindestens einen Empfänger unter An, Kopie oder Blindkopie an.",
  notSent: "Die Nachricht wurde nicht gesendet; niemand hat sie erhalten. Der Server hat abgelehnt:",
  refusedRecipient: (address: string, reply: string): string => `${address}: ${reply}`,
  refusedWhole: (reply: string): string => reply,
  tooLarge: (max: number): string => `Die Nachricht ist mit ihren Anhängen größer als die ${size(max)}, die dieser Server annimmt. Hängen Sie weniger oder kleinere Dateien an.`,
  filesLost: "Ausgewählte Dateien werden nicht aufbewahrt: Bitte wählen Sie sie erneut aus.",
  carriedGone: (n: number): string => (n === 1 ? "Ein Anhang, der behalten werden sollte, existiert nicht mehr und wurde weggelassen." : `${n} Anhänge, die behalten werden sollten, existieren nicht mehr und wurden weggelassen.`),
  missingOriginal: "Die Nachricht, auf die Sie antworten oder die Sie weiterleiten wollten, existiert nicht (mehr).",
  missingDraft: "Dieser Entwurf existiert nicht (mehr).",
  noFolder: (name: string): string => `Sie haben keinen Ordner für ${name}: Legen Sie auf der Seite „Ordner“ einen mit diesem Namen an.`,
  wrote: (date: string, name: string): string => `Am ${date} schrieb ${name}:`,
  forwarded: "---------- Weitergeleitete Nachricht ----------",
  date: "Datum",
};
