/** Die Abschalt-Benachrichtigung auf Deutsch: dieselben Schlüssel wie `notice-en.ts` (der Typ stellt es sicher). */
import { DEVICE_ERRORS } from "../audit/index.ts";
import type { NoticeText } from "./notice-en.ts";

/** Das Datum in Worten, in der Zeitzone des Servers: "Sonntag, 31. Januar 2027, 04:00 UTC". */
const DATE = new Intl.DateTimeFormat("de-DE", { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });

export const noticeDe: NoticeText = {
  lang: "de",
  date: (ms: number): string => DATE.format(ms),
  subject: (date: string): string => `Bitte handeln: Alte Geräte funktionieren ab ${date} nicht mehr mit Ihrem Postfach`,
  greeting: "Guten Tag,",
  intro: (date: string, n: number): string =>
    `am ${date} schaltet dieser Mailserver die veralteten Verschlüsselungsprotokolle TLS 1.0 und TLS 1.1 für IMAP, POP3 und SMTP ab (RFC 8996; der Mindeststandard des BSI verlangt TLS 1.2). ${
      n === 1 ? "Eines Ihrer Geräte oder Programme hat sie zuletzt noch verwendet" : `${n} Ihrer Geräte oder Programme haben sie zuletzt noch verwendet`
    }:`,
  deviceLabels: { kind: "Gerät", client: "Programm", protocol: "Protokoll", lastSeen: "Zuletzt gesehen", tls: "TLS-Version", address: "Von Adresse" },
  unnamed: "(ohne Namen)",
  protocols: { imap: "IMAP (E-Mails empfangen)", pop3: "POP3 (E-Mails empfangen)", submission: "SMTP (E-Mails senden)", web: "Web-Konsole", smtp: "SMTP (E-Mails senden)" },
  kinds: {
    outlook: "Microsoft Outlook oder Windows Mail (Versionen vor Outlook 2016 unter Windows 7/8)",
    thunderbird: "Thunderbird (eine alte Version)",
    apple: "ein iPhone, iPad oder Apple Mail (iOS vor Version 5, Mac OS X 10.11 El Capitan oder älter)",
    android: "ein Android-Handy oder eine Android-App (Android 4.x oder älter)",
    printer: "ein Drucker, Scanner, Router, eine Kamera oder ein NAS, das E-Mails versendet",
    "old-phone": "ein altes Handy (BlackBerry, Nokia)",
    plaintext: "ein E-Mail-Programm, das ohne Verschlüsselung eingerichtet ist",
    "rc4-era": "ein sehr altes Gerät oder Programm (aus der Zeit von Windows XP, oder ein Drucker mit altem TLS)",
    tls10: "ein altes Gerät oder Programm, das nur TLS 1.0 kann (Windows 7 mit Outlook 2010/2013 oder Windows Live Mail, Android vor 5, ein Drucker oder Scanner)",
    tls11: "ein Gerät oder Programm, das höchstens TLS 1.1 kann (ein Android-4.x-Handy oder ein älteres eingebettetes Gerät)",
  },
  whatHappensTitle: "Was an diesem Tag passiert",
  whatHappens: (date: string): string =>
    `Ab ${date} können diese Geräte über diesen Server keine E-Mails mehr abrufen oder versenden. Ihr Postfach und Ihre E-Mails bleiben, wie sie sind; nur die alten Verbindungen werden abgelehnt. Beim Versuch zeigt das Gerät eine Fehlermeldung wie:`,
  errors: DEVICE_ERRORS.de,
  orSimilar: "... oder eine ähnliche Fehlermeldung, die ein Problem mit der TLS/SSL-Verschlüsselung nennt.",
  whatToDoTitle: "Was Sie tun können",
  whatToDo: [
    "Suchen Sie beim Hersteller nach einem Update der Software oder Firmware des Geräts: Software, die jünger als fünf Jahre ist, beherrscht TLS 1.2 oder 1.3. Klappt es auch mit dem neuesten Update nicht, fragen Sie den Hersteller.",
    "Lässt sich das Gerät oder Programm nicht mehr aktualisieren (oft bei alten Handys, Fernsehern und Druckern), verwenden Sie es nicht mehr für E-Mails, oder ersetzen Sie es.",
    "Richten Sie es dann mit den Einstellungen unten ein.",
  ],
  settingsTitle: "Einstellungen, die weiter funktionieren (TLS 1.2 oder neuer)",
  settingsLabels: { server: "Server", port: "Port", security: "Sicherheit", userName: "Benutzername" },
  services: { imaps: "IMAP (empfangen)", pop3s: "POP3 (empfangen)", submissions: "SMTP (senden)", submission: "SMTP (senden)" },
  security: { tls: "SSL/TLS", starttls: "STARTTLS" },
  userName: (address: string): string => `${address}, mit Ihrem gewohnten Passwort`,
  consoleTitle: "Ihre Login-Historie",
  console: (url: string): string =>
    `Melden Sie sich in der Web-Konsole an: Dort sehen Sie, welche Geräte noch TLS 1.0/1.1 verwenden (Ihre Login-Historie markiert sie), und die Einstellungen für Ihr E-Mail-Programm: ${url}`,
  closing: "Diese Nachricht hat Ihr Mailserver automatisch versendet; Sie erhalten sie an jedem Erinnerungstag bis zum Stichtag einmal.",
  signature: "Sealpost",
};
