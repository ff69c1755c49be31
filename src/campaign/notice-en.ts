/**
 * The cut-off notice in English: what the mail to an affected account says. `notice-de.ts` has the
 * same shape (the type makes sure); a new language is a new file of this shape. The error messages
 * are the ones mail.de lists (context `002_…`), per kind of device; the device kinds are the audit
 * room's `DeviceKind`.
 */

import { DEVICE_ERRORS } from "../audit/index.ts";

/** The date in words, in the server's time zone: "Sunday, 31 January 2027, 04:00 UTC". */
const DATE = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });

export const noticeEn = {
  lang: "en",
  date: (ms: number): string => DATE.format(ms),
  subject: (date: string): string => `Action needed: old devices stop working with your mailbox on ${date}`,
  greeting: "Hello,",
  intro: (date: string, n: number): string =>
    `on ${date} this mail server stops accepting the old encryption protocols TLS 1.0 and TLS 1.1 for IMAP, POP3 and SMTP (RFC 8996; the BSI minimum standard asks for TLS 1.2). ${
      n === 1 ? "One of your devices or programs still used them" : `${n} of your devices or programs still used them`
    } recently:`,
  deviceLabels: { kind: "Device", client: "Program", protocol: "Protocol", lastSeen: "Last seen", tls: "TLS version", address: "From address" },
  unnamed: "(it gave no name)",
  protocols: { imap: "IMAP (receiving mail)", pop3: "POP3 (receiving mail)", submission: "SMTP (sending mail)", web: "web console", smtp: "SMTP (sending mail)" } as Record<string, string>,
  kinds: {
    outlook: "Microsoft Outlook or Windows Mail (versions before Outlook 2016 on Windows 7/8)",
    thunderbird: "Thunderbird (an old version)",
    apple: "an iPhone, iPad or Apple Mail (iOS before 5, Mac OS X 10.11 El Capitan or older)",
    android: "an Android phone or app (Android 4.x or older)",
    printer: "a printer, scanner, router, camera or NAS that sends mail",
    "old-phone": "an old phone (BlackBerry, Nokia)",
    plaintext: "a mail program set up without encryption",
    "rc4-era": "a very old device or program (Windows XP era, or a printer with an old TLS stack)",
    tls10: "an old device or program limited to TLS 1.0 (Windows 7 with Outlook 2010/2013 or Windows Live Mail, Android before 5, a printer or scanner)",
    tls11: "a device or program limited to TLS 1.1 (an Android 4.x phone or an older embedded client)",
  },
  whatHappensTitle: "What happens on that date",
  whatHappens: (date: string): string =>
    `From ${date} on, these devices can no longer fetch or send mail through this server. Your mailbox and your mail stay as they are; only the old connections are refused. When it tries, the device shows an error message such as:`,
  errors: DEVICE_ERRORS.en,
  orSimilar: "... or a similar message about TLS or SSL encryption.",
  whatToDoTitle: "What to do",
  whatToDo: [
    "Look for an update of the device's software or firmware from its maker: software younger than five years speaks TLS 1.2 or 1.3. If it still fails after the update, ask the maker.",
    "If the device or program cannot be updated any more (often the case with old phones, TVs and printers), stop using it for mail, or replace it.",
    "Then set it up with the settings below.",
  ],
  settingsTitle: "Settings that keep working (TLS 1.2 or newer)",
  settingsLabels: { server: "Server", port: "Port", security: "Security", userName: "User name" },
  services: { imaps: "IMAP (receive)", pop3s: "POP3 (receive)", submissions: "SMTP (send)", submission: "SMTP (send)" },
  security: { tls: "SSL/TLS", starttls: "STARTTLS" },
  userName: (address: string): string => `${address}, with your usual password`,
  consoleTitle: "Your login history",
  console: (url: string): string =>
    `Sign in to the web console to see which devices still use TLS 1.0/1.1 (your login history marks them) and the settings for your mail program: ${url}`,
  closing: "This message was sent automatically by your mail server; you get it once on each reminder day until the date.",
  signature: "Sealpost",
} as const;

/** The shape every notice catalogue has: the English one's, with its strings widened. */
type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => infer R
    ? (...args: A) => Widen<R>
    : T extends readonly (infer E)[]
      ? readonly Widen<E>[]
      : { readonly [K in keyof T]: Widen<T[K]> };
export type NoticeText = Widen<typeof noticeEn>;
