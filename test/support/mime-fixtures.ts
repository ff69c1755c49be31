/**
 * Test fixtures: real-world shaped messages, built line by line so the line endings are exact.
 * Used by the *.test.ts files only; not exported through index.ts.
 */

/** Joins lines with CRLF (or LF for the bare-LF variants). */
function msg(lines: string[], eol = "\r\n"): Buffer {
  return Buffer.from(lines.join(eol), "utf8");
}

const plainLines = [
  "Return-Path: <alice@example.org>",
  "Received: from mail.example.org (mail.example.org [192.0.2.10])",
  "\tby mx.example.net with ESMTPS id 4Xy1;",
  "\tMon, 03 Jun 2024 09:15:02 +0000",
  "Date: Mon, 3 Jun 2024 11:15:00 +0200",
  "From: Alice Example <alice@example.org>",
  "To: Bob <bob@example.net>",
  "Subject: Lunch on Thursday?",
  "Message-ID: <20240603091500.1234@example.org>",
  "MIME-Version: 1.0",
  'Content-Type: text/plain; charset="UTF-8"; format=flowed',
  "Content-Transfer-Encoding: 7bit",
  "",
  "Hi Bob,",
  "",
  "Are you free for lunch on Thursday? The usual place at noon.",
  "",
  "Alice",
  "",
];

/** A single-part text/plain message. */
export const plain = msg(plainLines);
/** The same message with bare LF line endings. */
export const plainLf = msg(plainLines, "\n");

const alternativeLines = [
  "Date: Tue, 04 Jun 2024 08:00:00 -0400",
  'From: "Newsletter Team" <news@shop.example>',
  "Reply-To: support@shop.example",
  "To: carol@example.com",
  "Subject: =?UTF-8?Q?Summer_sale_=E2=80=93_30=25_off?=",
  "Message-ID: <n-2024-06-04@shop.example>",
  "MIME-Version: 1.0",
  'Content-Type: multipart/alternative; boundary="=_alt_b1"',
  "",
  "This is a multi-part message in MIME format.",
  "",
  "--=_alt_b1",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Summer sale =E2=80=93 30% off everything.=20",
  "Visit https://shop.example/sale for deta=",
  "ils.",
  "",
  "--=_alt_b1   ",
  "Content-Type: text/html; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "<html><body><p>Summer sale =E2=80=93 <b>30% off</b> everything.</p></body></html>",
  "--=_alt_b1--",
  "",
];

/** multipart/alternative, text + html, quoted-printable, a preamble, a boundary line with trailing spaces. */
export const alternative = msg(alternativeLines);

const base64Pdf = Buffer.from("%PDF-1.4\n% fake pdf for tests\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")
  .toString("base64");

const mixedLines = [
  "Date: Wed, 5 Jun 2024 16:42:10 +0100",
  "From: Dave <dave@example.co.uk>",
  "Sender: Assistant <assistant@example.co.uk>",
  "To: Eve <eve@example.com>, frank@example.com",
  "Cc: \"Grace Hopper\" <grace@example.com>",
  "Bcc: audit@example.co.uk",
  "In-Reply-To: <prev-1@example.com>",
  "Subject: Re: quarterly report",
  "Message-ID: <CAF=mixed.42@example.co.uk>",
  "MIME-Version: 1.0",
  "Content-Type: multipart/mixed;",
  '\tboundary="outer-XYZ"',
  "",
  "preamble line",
  "--outer-XYZ",
  "Content-Type: text/plain; charset=us-ascii",
  "",
  "Report attached, and the forwarded thread below.",
  "",
  "--outer-XYZ",
  'Content-Type: application/pdf; name="report Q2.pdf"',
  "Content-Transfer-Encoding: base64",
  'Content-Disposition: attachment; filename="report Q2.pdf"; size=85',
  "Content-ID: <part2.report@example.co.uk>",
  "Content-Description: Quarterly report",
  "Content-Language: en-GB, fr",
  "Content-Location: https://example.co.uk/r/q2.pdf",
  "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==",
  "",
  ...(base64Pdf.match(/.{1,76}/g) ?? []),
  "--outer-XYZ",
  "Content-Type: message/rfc822",
  "Content-Disposition: inline",
  "",
  "Date: Mon, 3 Jun 2024 10:00:00 +0000",
  "From: Heidi <heidi@example.org>",
  "To: dave@example.co.uk",
  "Subject: quarterly report",
  "Message-ID: <inner-1@example.org>",
  "MIME-Version: 1.0",
  "Content-Type: multipart/alternative; boundary=inner",
  "",
  "--inner",
  "Content-Type: text/plain",
  "",
  "Numbers look good.",
  "--inner",
  "Content-Type: text/html",
  "",
  "<p>Numbers look <i>good</i>.</p>",
  "",
  "--inner--",
  "",
  "--outer-XYZ--",
  "epilogue",
  "",
];

/** multipart/mixed: text, base64 attachment with every extension header, a nested multipart message/rfc822. */
export const mixed = msg(mixedLines);
/** The same with bare LF line endings. */
export const mixedLf = msg(mixedLines, "\n");

/** Encoded-word subject and display names, raw UTF-8 (8-bit) headers and body. */
export const encoded = msg([
  "Date: Thu, 06 Jun 2024 12:00:00 +0900",
  "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
  "To: Jörg Müller <joerg@müller.example>, =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>",
  "Subject: =?UTF-8?B?44GT44KT44Gr44Gh44Gv?= and Grüße",
  "Message-ID: <enc-1@example.jp>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=UTF-8",
  "Content-Transfer-Encoding: 8bit",
  "",
  "こんにちは — Grüße",
  "",
]);

/** Group syntax, comments, quoted local parts, obsolete routes, empty groups. */
export const groups = msg([
  "Date: 7 Jun 2024 09:00 GMT",
  "From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
  "To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
  "Cc: undisclosed-recipients:;, \"Mary Smith: Personal Account\" <smith@home.example>",
  "Bcc: <@route1.test,@route2.test:jdoe@example.org>, \"Joe Q. Public\" <john.q.public@example.com>",
  "Reply-To: \"john..doe\"@example.net",
  "Subject: groups",
  "Message-ID:",
  "   <testabcd.1234@silly.test>",
  "",
  "body",
  "",
]);

/** No MIME headers at all: text/plain; charset=us-ascii; 7bit by default (RFC 2045 §5.2). */
export const noContentType = msg([
  "From: old@example.org",
  "Subject: no mime",
  "",
  "line one",
  "line two",
  "",
]);

/** A multipart whose boundary never appears: one part of nothing but preamble. */
export const brokenBoundary = msg([
  "From: broken@example.org",
  "Subject: broken",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="never-used"',
  "",
  "--other",
  "Content-Type: text/plain",
  "",
  "hello",
  "--other--",
  "",
]);

/** A multipart with no boundary parameter at all. */
export const noBoundary = msg([
  "From: broken@example.org",
  "Subject: no boundary",
  "MIME-Version: 1.0",
  "Content-Type: multipart/mixed",
  "",
  "just text",
  "",
]);

/** A multipart whose closing boundary is missing (truncated mail). */
export const unterminated = msg([
  "From: cut@example.org",
  "Subject: cut",
  "MIME-Version: 1.0",
  "Content-Type: multipart/mixed; boundary=zz",
  "",
  "--zz",
  "Content-Type: text/plain",
  "",
  "first",
  "--zz",
  "Content-Type: text/plain",
  "",
  "second, never closed",
]);


/** Odd but real header spellings: case, comments, RFC 2231 parameters, duplicates, empty values. */
export const quirks = msg([
  "From: first@example.org",
  "From: second@example.org",
  "To:",
  "Cc: ,,  ,",
  "Subject: trailing space   ",
  "Date: Fri, 7 Jun 2024 10:00:00 +0000 (UTC)",
  "In-Reply-To: <a@b> (comment) <c@d>",
  "Mime-Version: 1.0",
  "Content-Type: Multipart/MIXED (a comment); BOUNDARY=\"b \\\"q\\\"\"",
  "",
  "--b \"q\"",
  "Content-Type: Text/PLAIN; CharSet=ISO-8859-1; NAME=\"x y.txt\" (c)",
  "Content-Transfer-Encoding: BASE64",
  "Content-Disposition: ATTACHMENT; FileName*=utf-8''%E2%82%AC%20rates.txt",
  "Content-Language: de",
  "",
  "aGVsbG8gd29ybGQK",
  "--b \"q\"",
  "Content-Type: message/rfc822",
  "Content-Transfer-Encoding: 8bit",
  "",
  "Subject: inner without blank line at end",
  "--b \"q\"",
  "Content-Type: multipart/digest; boundary=d",
  "",
  "--d",
  "",
  "Subject: digest entry",
  "",
  "entry body",
  "--d",
  "Content-Type: text/plain",
  "",
  "typed entry",
  "--d--",
  "--b \"q\"",
  "Content-Type: application/octet-stream",
  "Content-Transfer-Encoding: x-uuencode",
  "",
  "begin 644 x",
  "end",
  "--b \"q\"",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "caf=C3=A9 =",
  "soft=3Dbreak=",
  "",
  "--b \"q\"--",
]);

/** A forwarded message that is not multipart, next to a text part whose charset parameter is not first. */
export const forward = msg([
  "From: fwd@example.org",
  "To: \"\" <empty-name@example.org>, <>, plain@example.org (Plain Person), Name <@nodomain>, bare",
  "Cc: \"Smith, John\" <john@example.org>, John Q Smith <jqs@[192.0.2.1]>",
  "Subject:",
  "Date:",
  "MIME-Version: 1.0",
  "Content-Type: multipart/mixed; boundary=fw",
  "",
  "--fw",
  "Content-Type: text/html; name=page.html",
  "Content-Type: text/plain",
  "",
  "<p>hi</p>",
  "--fw",
  "Content-Type: message/rfc822",
  "",
  "From: orig@example.org",
  "Subject: original",
  "",
  "original body",
  "two lines",
  "",
  "--fw",
  "Content-Type: text",
  "",
  "invalid type",
  "--fw--",
  "",
]);

/** A message whose own type is message/rfc822. */
export const wrapped = msg([
  "From: wrapper@example.org",
  "Subject: wrapper",
  "MIME-Version: 1.0",
  "Content-Type: message/rfc822",
  "",
  "From: inner@example.org",
  "Subject: inner",
  "Content-Type: multipart/alternative; boundary=w",
  "",
  "--w",
  "",
  "alt one",
  "--w",
  "",
  "alt two",
  "--w--",
  "",
]);

/** Every fixture by name, for the tests and the reference capture. */
export const fixtures = {
  plain,
  plainLf,
  alternative,
  mixed,
  mixedLf,
  encoded,
  groups,
  noContentType,
  brokenBoundary,
  noBoundary,
  unterminated,
  quirks,
  forward,
  wrapped,
};
