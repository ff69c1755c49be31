/**
 * The cut-off notice as a message (RFC 5322): from the postmaster, to the affected account, with
 * Date and Message-ID, `Auto-Submitted: auto-generated` (RFC 3834 §5: no auto-reply to it), and a
 * text/plain UTF-8 body in quoted-printable (RFC 2045 §6.7; the German umlauts), its Subject in
 * RFC 2047 encoded-words when it needs them. The body: each old device, what happens on the date,
 * the error message such a device shows, what to do, the settings that work, and the console's
 * address. Pure: the caller passes the time, the devices and the settings.
 */
import type { DeviceKind, LegacyDevice } from "../audit/index.ts";
import { fold, quotedPrintable, rfc5322Date, wrap } from "../bounce/index.ts";
import type { Language } from "../directory/index.ts";
import { encodeWords } from "../mime/index.ts";
import { noticeDe } from "./notice-de.ts";
import { noticeEn, type NoticeText } from "./notice-en.ts";

const CATALOGUES: Record<Language, NoticeText> = { en: noticeEn, de: noticeDe };

/** The listeners a mail program can use with TLS 1.2+ (null: not enabled), and the host name on the certificate. */
export interface NoticeSettings {
  hostname: string;
  imaps: number | null;
  pop3s: number | null;
  submissions: number | null;
  submission: number | null;
  /** The web console's port (null: no web console). */
  web: number | null;
}

interface NoticeInput {
  lang: Language;
  /** The account's address. */
  to: string;
  cutoffDate: number;
  now: number;
  /** Without angle brackets: "cutoff-1-7-42@mail.example.com". */
  messageId: string;
  devices: readonly LegacyDevice[];
  settings: NoticeSettings;
}

const CRLF = "\r\n";

/** The web console's account page: `https://HOST[:PORT]/account` (no port for 443). */
function consoleUrl(s: Pick<NoticeSettings, "hostname" | "web">): string | null {
  if (s.web === null) return null;
  return `https://${s.hostname}${s.web === 443 ? "" : `:${s.web}`}/account`;
}

function deviceLines(t: NoticeText, d: LegacyDevice, n: number): string[] {
  const l = t.deviceLabels;
  const field = (label: string, value: string): string[] => wrap(`${label}: ${value}`, 72, "   ").map((x, i) => (i === 0 ? x : `  ${x}`));
  return [
    ...wrap(`${n}. ${t.kinds[d.device]}`, 72).map((x, i) => (i === 0 ? x : `   ${x}`)),
    ...field(l.client, d.clientName ?? t.unnamed),
    ...field(l.protocol, t.protocols[d.protocol] ?? d.protocol),
    ...field(l.tls, d.tlsVersion ?? "?"),
    ...field(l.address, d.clientIp),
    ...field(l.lastSeen, t.date(Date.parse(d.lastSeen))),
  ];
}

function settingsLines(t: NoticeText, s: NoticeSettings, address: string): string[] {
  const rows: Array<[string, number | null, string]> = [
    [t.services.imaps, s.imaps, t.security.tls],
    [t.services.pop3s, s.pop3s, t.security.tls],
    [t.services.submissions, s.submissions, t.security.tls],
    [t.services.submission, s.submission, t.security.starttls],
  ];
  const l = t.settingsLabels;
  const out = rows.filter(([, port]) => port !== null).map(([service, port, security]) => `- ${service}: ${l.server} ${s.hostname}, ${l.port} ${port ?? ""}, ${l.security} ${security}`);
  return [...out.flatMap((x) => wrap(x, 72).map((y, i) => (i === 0 ? y : `  ${y}`))), ...wrap(`${l.userName}: ${t.userName(address)}`, 72)];
}

/** "- text", wrapped with its later lines under the text. */
const bullet = (text: string): string[] => wrap(text, 72, "  ").map((x, i) => (i === 0 ? `-${x.slice(1)}` : x));

/** The body's lines (no line breaks), at most 72 characters where the words allow. */
function noticeBody(input: NoticeInput): string[] {
  const t = CATALOGUES[input.lang];
  const date = t.date(input.cutoffDate);
  const kinds = [...new Set(input.devices.map((d) => d.device))];
  const para = (text: string): string[] => [...wrap(text, 72), ""];
  const lines = [t.greeting, "", ...para(t.intro(date, input.devices.length))];
  input.devices.forEach((d, i) => lines.push(...deviceLines(t, d, i + 1), ""));
  lines.push(t.whatHappensTitle, "", ...para(t.whatHappens(date)));
  const errors = [...new Set(kinds.flatMap((k: DeviceKind) => t.errors[k]))];
  for (const e of errors) lines.push(...bullet(`"${e}"`));
  lines.push(...wrap(t.orSimilar, 72, "  "), "");
  lines.push(t.whatToDoTitle, "");
  for (const step of t.whatToDo) lines.push(...bullet(step));
  lines.push("", t.settingsTitle, "", ...settingsLines(t, input.settings, input.to), "");
  const url = consoleUrl(input.settings);
  if (url !== null) lines.push(t.consoleTitle, "", ...para(t.console(url)));
  lines.push(...para(t.closing), "-- ", t.signature);
  return lines;
}

/** The notice's subject, for the catalogue's language. */
function noticeSubject(lang: Language, cutoffDate: number): string {
  const t = CATALOGUES[lang];
  return t.subject(t.date(cutoffDate));
}

/** The whole message, CRLF line ends. */
export function buildNotice(input: NoticeInput): Buffer {
  const subject = encodeWords(noticeSubject(input.lang, input.cutoffDate));
  const body = quotedPrintable(noticeBody(input).map((l) => Buffer.from(l, "utf8")));
  const head = [
    `From: Sealpost <postmaster@${input.settings.hostname}>`,
    ...fold("To", `<${input.to}>`),
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${input.messageId}>`,
    // RFC 2047 §2: each encoded-word on a line of its own when there are several (folded, §6.2 drops the blanks between).
    ...(subject.length === 1 ? fold("Subject", subject[0] ?? "") : [`Subject: ${subject[0] ?? ""}`, ...subject.slice(1).map((w) => ` ${w}`)]),
    // RFC 3834 §5: a message generated by the server, not a reply; auto-responders leave it alone.
    "Auto-Submitted: auto-generated",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    `Content-Language: ${input.lang}`,
  ];
  return Buffer.from([...head, "", ...body, ""].join(CRLF), "utf8");
}
