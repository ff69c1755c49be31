import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeEncodedWords, decodeQuotedPrintable } from "../mime/index.ts";
import { buildNotice } from "./notice.ts";

// Noon UTC: the same calendar day in every time zone the server may run in.
const CUTOFF = Date.parse("2027-01-31T12:00:00Z");
const NOW = Date.parse("2027-01-24T12:00:00Z");

const SETTINGS = { hostname: "mail.example.test", imaps: 993, pop3s: 995, submissions: 465, submission: 587, web: 443 };
const DEVICES = [
  { device: "outlook" as const, clientIp: "198.51.100.7", clientName: "Microsoft Outlook 14.0", protocol: "imap", tlsVersion: "TLSv1", lastSeen: "2027-01-20T08:15:00.000Z", count: 3 },
  { device: "printer" as const, clientIp: "198.51.100.9", clientName: null, protocol: "submission", tlsVersion: "TLSv1.1", lastSeen: "2027-01-19T07:00:00.000Z", count: 1 },
];

/** The message's header fields (unfolded) and its body, decoded. */
function parse(raw: Buffer): { head: Map<string, string>; rawBody: string; body: string } {
  const text = raw.toString("utf8");
  const split = text.indexOf("\r\n\r\n");
  assert.ok(split > 0, "a header section and a body");
  const head = new Map<string, string>();
  for (const field of text.slice(0, split).replace(/\r\n[ \t]/g, " ").split("\r\n")) {
    const colon = field.indexOf(":");
    head.set(field.slice(0, colon).toLowerCase(), field.slice(colon + 1).trim());
  }
  const rawBody = text.slice(split + 4);
  return { head, rawBody, body: decodeQuotedPrintable(Buffer.from(rawBody, "latin1")).toString("utf8") };
}

function notice(lang: "en" | "de"): Buffer {
  return buildNotice({ lang, to: "anna@example.test", cutoffDate: CUTOFF, now: NOW, messageId: "cutoff-1-7d-42.x@mail.example.test", devices: DEVICES, settings: SETTINGS });
}

test("the notice is an RFC 5322 message: postmaster to the account, dated, identified, auto-generated, UTF-8 text in quoted-printable", () => {
  for (const lang of ["en", "de"] as const) {
    const raw = notice(lang);
    const { head, rawBody } = parse(raw);
    assert.equal(head.get("from"), "Sealpost <postmaster@mail.example.test>");
    assert.equal(head.get("to"), "<anna@example.test>");
    assert.equal(head.get("date"), "Sun, 24 Jan 2027 12:00:00 +0000");
    assert.equal(head.get("message-id"), "<cutoff-1-7d-42.x@mail.example.test>");
    assert.equal(head.get("auto-submitted"), "auto-generated");
    assert.equal(head.get("mime-version"), "1.0");
    assert.equal(head.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(head.get("content-transfer-encoding"), "quoted-printable");
    // RFC 5322 §2.1.1 and RFC 2045 §6.7: short lines, nothing but US-ASCII on the wire, CRLF only.
    for (const line of raw.toString("latin1").split("\r\n")) {
      assert.ok(line.length <= 78, `${lang}: ${line}`);
      assert.match(line, /^[\x20-\x7e\t]*$/, `${lang}: ${line}`);
    }
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(raw.toString("latin1")), "CRLF line ends only");
    assert.ok(rawBody.split("\r\n").every((l) => l.length <= 76), "quoted-printable lines of at most 76 characters");
  }
});

test("the English notice names each device, the date in words, the error messages, what to do, the settings and the console", () => {
  const { head, body } = parse(notice("en"));
  assert.match(head.get("subject") ?? "", /^Action needed: old devices stop working with your mailbox on Sunday,? 31 January 2027/);
  const flat = body.replace(/\s+/g, " ");
  assert.match(flat, /on Sunday,? 31 January 2027[^.]* this mail server stops accepting the old encryption protocols TLS 1\.0 and TLS 1\.1 for IMAP, POP3 and SMTP/);
  assert.match(flat, /2 of your devices or programs still used them/);
  assert.match(flat, /1\. Microsoft Outlook or Windows Mail .* Program: Microsoft Outlook 14\.0 Protocol: IMAP \(receiving mail\) TLS version: TLSv1 From address: 198\.51\.100\.7 Last seen: Wednesday,? 20 January 2027/);
  assert.match(flat, /2\. a printer, scanner, router, camera or NAS that sends mail Program: \(it gave no name\) Protocol: SMTP \(sending mail\) TLS version: TLSv1\.1/);
  assert.match(flat, /"0x800CCC1A: Your server does not support the connection encryption type you have specified\."/);
  assert.match(flat, /"SSL_accept error"/);
  assert.match(flat, /Look for an update of the device's software or firmware/);
  assert.match(flat, /IMAP \(receive\): Server mail\.example\.test, Port 993, Security SSL\/TLS/);
  assert.match(flat, /POP3 \(receive\): Server mail\.example\.test, Port 995, Security SSL\/TLS/);
  assert.match(flat, /SMTP \(send\): Server mail\.example\.test, Port 465, Security SSL\/TLS/);
  assert.match(flat, /SMTP \(send\): Server mail\.example\.test, Port 587, Security STARTTLS/);
  assert.match(flat, /User name: anna@example\.test/);
  assert.match(flat, /https:\/\/mail\.example\.test\/account/, "port 443 is not written");
  assert.match(body, /\r\n-- \r\nSealpost\r\n$/);
});

test("the German notice: umlauts in quoted-printable and the subject in RFC 2047 encoded-words, the date in German words", () => {
  const raw = notice("de");
  const { head, rawBody, body } = parse(raw);
  const subject = head.get("subject") ?? "";
  assert.match(subject, /^=\?UTF-8\?B\?/, "encoded-words");
  assert.match(decodeEncodedWords(subject), /^Bitte handeln: Alte Geräte funktionieren ab Sonntag, 31\. Januar 2027/);
  // "ä" (U+00E4) is C3 A4 in UTF-8: =C3=A4 on the wire.
  assert.match(rawBody, /Ger=C3=A4te/);
  assert.ok(!rawBody.includes("ä"));
  const flat = body.replace(/\s+/g, " ");
  assert.match(flat, /am Sonntag, 31\. Januar 2027[^.]* schaltet dieser Mailserver die veralteten Verschlüsselungsprotokolle TLS 1\.0 und TLS 1\.1 für IMAP, POP3 und SMTP ab/);
  assert.match(flat, /2 Ihrer Geräte oder Programme haben sie zuletzt noch verwendet/);
  assert.match(flat, /Programm: Microsoft Outlook 14\.0 Protokoll: IMAP \(E-Mails empfangen\) TLS-Version: TLSv1/);
  assert.match(flat, /Zuletzt gesehen: Mittwoch, 20\. Januar 2027/);
  assert.match(flat, /"0x800CCC1A\. Ihr Server unterstützt den angegebenen Verbindungsverschlüsselungstyp nicht\./);
  assert.match(flat, /"SSL-Verschlüsselungs-Fehler"/);
  assert.match(flat, /Suchen Sie beim Hersteller nach einem Update/);
  assert.match(flat, /IMAP \(empfangen\): Server mail\.example\.test, Port 993, Sicherheit SSL\/TLS/);
  assert.match(flat, /Benutzername: anna@example\.test, mit Ihrem gewohnten Passwort/);
  assert.match(flat, /https:\/\/mail\.example\.test\/account/);
  assert.ok(!/[A-Za-z]+ of your|Look for/.test(flat), "no English in the German notice");
});

test("a disabled listener is not in the settings; a console on another port carries it", () => {
  const raw = buildNotice({ lang: "en", to: "b@example.test", cutoffDate: CUTOFF, now: NOW, messageId: "m@x", devices: DEVICES.slice(0, 1), settings: { ...SETTINGS, pop3s: null, submission: null, web: 8443 } });
  const flat = parse(raw).body.replace(/\s+/g, " ");
  assert.doesNotMatch(flat, /POP3 \(receive\)|587/);
  assert.match(flat, /One of your devices or programs still used them/);
  assert.match(flat, /https:\/\/mail\.example\.test:8443\/account/);
});
