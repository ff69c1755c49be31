import assert from "node:assert/strict";
import { test } from "node:test";
import { contentDisposition, downloadType, inlineImages, messageView, partAt, partText, safeFileName } from "./mail-message.ts";

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, "\r\n"), "latin1");

const MIXED = crlf(`From: =?iso-8859-1?q?J=F6rg?= <j@example.test>
To: a@example.test
Subject: =?utf-8?b?R3LDvMOfZQ==?= <script>
Date: Tue, 03 Mar 2026 10:00:00 +0000
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: multipart/alternative; boundary=a

--a
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe
--a
Content-Type: multipart/related; boundary=r

--r
Content-Type: text/html; charset=utf-8

<p>hi <img src="cid:pic%40x"></p>
--r
Content-Type: image/gif
Content-ID: <pic@x>
Content-Transfer-Encoding: base64

R0lGODlhAQABAAAAACw=
--r--
--a--
--m
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*0*=utf-8''%C3%84rger; filename*1="/../evil.exe"
Content-Transfer-Encoding: base64

AAECAw==
--m
Content-Type: message/rfc822

Subject: inner

x
--m--
`);

test("messageView: decoded headers as text, the body parts of the alternative, attachments with decoded names and sections", () => {
  const v = messageView(MIXED);
  assert.equal(v.from, "Jörg <j@example.test>");
  assert.equal(v.subject, "Grüße <script>", "decoded, and text: the page escapes it");
  assert.equal(v.date, Date.UTC(2026, 2, 3, 10));
  assert.equal(v.text === null ? null : partText(MIXED, v.text).text, "Grüße");
  assert.ok(v.html !== null);
  assert.deepEqual(v.attachments.map((a) => [a.section, a.name, a.type]), [
    ["2", "evil.exe", "application/octet-stream"],
    ["3", "message-3.eml", "message/rfc822"],
  ]);
  assert.ok(v.inline.has("pic@x"), "the inline picture is not an attachment when the HTML shows it");
  const inline = inlineImages(MIXED, v);
  assert.equal(inline("pic%40x"), "data:image/gif;base64,R0lGODlhAQABAAAAACw=");
  assert.equal(inline("nope@x"), null);
  const part = partAt(v.root, "2");
  assert.deepEqual(part === null ? null : [part.contentType.type, part.encoding], ["application", "base64"]);
  assert.equal(partAt(v.root, "1"), null, "a multipart is no download");
  assert.equal(partAt(v.root, "1.2.2")?.id, "<pic@x>");
  for (const bad of ["0", "9", "2.1.1", "HEADER", "1.MIME", "", "2/"]) assert.equal(partAt(v.root, bad), null, bad);
});

test("messageView: a single-part message, a broken one, a header flood", () => {
  const plain = crlf("Subject: hi\n\nbody\n");
  const v = messageView(plain);
  assert.equal(v.text === null ? null : partText(plain, v.text).text, "body\r\n");
  assert.equal(partAt(v.root, "1"), v.text);
  const broken = crlf(`Content-Type: multipart/mixed; boundary=x\nContent-Transfer-Encoding: x-unknown\n\n--x\nContent-Type: text/html\nContent-Transfer-Encoding: x-weird\n\n<b>hi</b>\n`);
  const b = messageView(broken);
  assert.equal(b.html === null ? null : partText(broken, b.html).text, "<b>hi</b>\r\n", "an unknown encoding is shown as written");
  const flood = Buffer.from(`Subject: ${"=?utf-8?q?a?= ".repeat(100_000)}\r\n\r\n`);
  assert.ok(messageView(flood).subject.length <= 2_001);
  assert.equal(messageView(crlf("From: a\x01b\x7f<x@y>\n\n")).from, "a b <x@y>");
});

test("download headers: no name breaks Content-Disposition; active types become octet-stream", () => {
  const hostile = 'a"; filename=evil.html\r\nSet-Cookie: x=1\\.pdf';
  const name = safeFileName(hostile, "f");
  assert.doesNotMatch(name, /[\r\n]/);
  const cd = contentDisposition(name);
  assert.doesNotMatch(cd, /[\r\n]/);
  assert.match(cd, /^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%._~!-]*$/);
  assert.equal(contentDisposition("Prüfbericht März.pdf"), `attachment; filename="Pr_fbericht M_rz.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%20M%C3%A4rz.pdf`);
  assert.equal(safeFileName("../../etc/passwd", "f"), "passwd");
  assert.equal(safeFileName("...", "fallback"), "fallback");
  for (const t of ["text/html", "image/svg+xml", "application/pdf", "text/xml", "application/javascript", "application/xhtml+xml", "multipart/mixed"]) assert.equal(downloadType(t), "application/octet-stream", t);
  assert.equal(downloadType("image/png"), "image/png");
});
