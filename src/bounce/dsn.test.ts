import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeTransfer, parseMime, paramValue, type MimePart } from "../mime/index.ts";
import { LONG_REPLY, ORIGINAL, input } from "../../test/support/bounce-fixtures.ts";
import { buildDsn } from "./index.ts";

const body = (raw: Buffer, part: MimePart): string => decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding).toString("utf8");
const header = (part: MimePart, name: string): string | undefined => part.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

function parts(raw: Buffer): { root: MimePart; text: string; status: string; headers: string } {
  const root = parseMime(raw);
  const [a, b, c] = root.children;
  assert.ok(a !== undefined && b !== undefined && c !== undefined && root.children.length === 3, "three parts");
  return { root, text: body(raw, a), status: body(raw, b), headers: body(raw, c) };
}

test("multipart/report with text, delivery-status and rfc822-headers parts (RFC 6522 §3, RFC 3464 §2)", () => {
  const raw = buildDsn(input());
  const { root } = parts(raw);
  assert.equal(root.contentType.type, "multipart");
  assert.equal(root.contentType.subtype, "report");
  assert.equal(paramValue(root.contentType.params, "report-type"), "delivery-status");
  const [a, b, c] = root.children;
  assert.deepEqual(
    [a, b, c].map((p) => `${p?.contentType.type}/${p?.contentType.subtype}`.toLowerCase()),
    ["text/plain", "message/delivery-status", "text/rfc822-headers"],
  );
  assert.equal(paramValue(a?.contentType.params ?? [], "charset"), "utf-8");
  assert.equal(b?.encoding, "7bit");
});

test("top-level header: null-sender style From, To the sender, Subject, Auto-Submitted, Date, Message-ID", () => {
  const raw = buildDsn(input());
  const root = parseMime(raw);
  assert.equal(header(root, "From"), '"Mail Delivery System" <MAILER-DAEMON@mail.example.test>');
  assert.equal(header(root, "To"), "<alice@example.test>");
  assert.equal(header(root, "Subject"), "Undelivered Mail Returned to Sender");
  assert.equal(header(root, "Auto-Submitted"), "auto-replied");
  assert.equal(header(root, "Date"), "Sat, 7 Mar 2026 10:00:00 +0000");
  assert.equal(header(root, "Message-ID"), "<dsn-1@mail.example.test>");
  assert.equal(header(root, "MIME-Version"), "1.0");

  const delayed = input({ recipients: input().recipients.map((r) => ({ ...r, action: "delayed" as const })) });
  assert.equal(header(parseMime(buildDsn(delayed)), "Subject"), "Delayed Mail (still being retried)");
  const generated = header(parseMime(buildDsn(input({ messageId: undefined }))), "Message-ID") ?? "";
  assert.match(generated, /^<[0-9a-z]+\.[0-9a-f]{18}@mail\.example\.test>$/);
});

test("every line ends in CRLF, stays below 998 octets, and there is no bare CR or LF", () => {
  const raw = buildDsn(input());
  const s = raw.toString("latin1");
  assert.ok(s.endsWith("\r\n"));
  assert.doesNotMatch(s, /\r(?!\n)|(?<!\r)\n/);
  for (const line of s.split("\r\n")) assert.ok(line.length < 998, `line of ${line.length}`);
  const { root } = parts(raw);
  const textPart = root.children[0];
  assert.ok(textPart !== undefined);
  for (const line of raw.subarray(textPart.bodyStart, textPart.bodyEnd).toString("latin1").split("\r\n")) {
    assert.ok(line.length <= 76, `quoted-printable line of ${line.length}`);
  }
});

test("delivery-status fields per message and per recipient (RFC 3464 §2.2, §2.3)", () => {
  const { status } = parts(buildDsn(input()));
  const blocks = status.replace(/\r\n[ \t]/g, " ").trimEnd().split("\r\n\r\n");
  assert.equal(blocks.length, 4);
  assert.deepEqual(blocks[0]?.split("\r\n"), [
    "Reporting-MTA: dns; mail.example.test",
    "X-Sealpost-Queue-ID: Q7F3A9",
    "Arrival-Date: Mon, 2 Mar 2026 10:00:00 +0000",
  ]);
  assert.deepEqual(blocks[1]?.split("\r\n"), [
    "Final-Recipient: rfc822; bob@example.net",
    "Action: failed",
    "Status: 4.7.4",
    "Remote-MTA: dns; mx.example.net",
    "Diagnostic-Code: x-sealpost; The receiving server mx.example.net offered only TLS 1.0. This server sends mail only over TLS 1.2 or newer, so the message was not delivered.",
    "Last-Attempt-Date: Sat, 7 Mar 2026 09:00:00 +0000",
  ]);
  const carol = blocks[2]?.split("\r\n") ?? [];
  assert.deepEqual(carol.slice(0, 5), [
    "Final-Recipient: rfc822; carol@example.org",
    "Original-Recipient: rfc822; Carol@Example.org",
    "Action: failed",
    "Status: 5.1.1",
    "Remote-MTA: dns; mx2.example.org",
  ]);
  assert.match(carol[5] ?? "", /^Diagnostic-Code: smtp; 550-5\.1\.1 The email account .* 550 5\.1\.1 unnecessary spaces\./);
  const dave = blocks[3] ?? "";
  assert.match(dave, /Status: 4\.4\.7/);
  assert.match(dave, /Remote-MTA: dns; mx\.example\.com/);
  assert.match(dave, /Diagnostic-Code: x-sealpost; This server tried .* for 5 days .* issued for a different name/);
  assert.doesNotMatch(status, /[^\x20-\x7e\r\n]/, "7bit, printable US-ASCII");
});

test("a very long remote reply is folded at spaces (RFC 5322 §2.2.3), split only where a word is too long", () => {
  const { status } = parts(buildDsn(input()));
  const lines = status.split("\r\n");
  const first = lines.findIndex((l) => l.startsWith("Diagnostic-Code: smtp;"));
  const field: string[] = [lines[first] ?? ""];
  for (let i = first + 1; /^[ \t]/.test(lines[i] ?? ""); i++) field.push(lines[i] ?? "");
  assert.ok(field.length >= 5, `${field.length} lines`);
  for (const l of field) assert.ok(l.length < 998, `line of ${l.length}`);
  for (const l of field.filter((x) => !x.includes("qqqq"))) assert.ok(l.length <= 78, `short words fold within 78: ${l}`);
  const unfolded = field.join("\r\n").replace(/\r\n /g, " ").replace(/^Diagnostic-Code: smtp; /, "");
  const expected = LONG_REPLY.split("\r\n").join(" ");
  // Folding only adds line breaks, except inside the one 1,200-character word, split once.
  assert.equal(unfolded.replace(/ /g, ""), expected.replace(/ /g, ""));
  assert.equal(unfolded.split(" ").length, expected.split(" ").length + 1);
});

test("the human part explains each recipient, quotes the remote reply, and suggests the fix", () => {
  const { text } = parts(buildDsn(input()));
  assert.match(text, /^This is the mail system at host mail\.example\.test\.\r\n/);
  const flat = text.replace(/\r\n {0,8}/g, " ");
  assert.ok(flat.includes('Your message "Quartalsbericht für März", sent on 2 Mar 2026, 10:00 UTC, could not be delivered to the 3 recipients below.'));
  assert.ok(flat.includes("bob@example.net The receiving server mx.example.net offered only TLS 1.0."));
  assert.ok(flat.includes("The administrators of example.net can fix this by enabling TLS 1.2 on mx.example.net."));
  assert.ok(text.includes("        550-5.1.1 double-checking the recipient's email address for typos or\r\n"), "reply quoted on its own lines");
  assert.ok(flat.includes("Please check the address for typing mistakes."));
  assert.ok(flat.includes("tried to deliver the message for 5 days without success"));
  assert.ok(flat.includes("The administrators of example.com can fix this by installing a certificate on mx.example.com that includes the name mx.example.com."));
  for (const line of text.split("\r\n")) {
    const limit = line.startsWith(" ".repeat(8)) ? 78 : 72; // quoted reply lines may use the full 78
    assert.ok(line.length <= limit || !line.trim().includes(" "), `wrapped at word boundaries: ${JSON.stringify(line)}`);
  }
});

test("only the original's header section is returned, byte for byte; never its body", () => {
  const raw = buildDsn(input());
  const { headers } = parts(raw);
  const end = ORIGINAL.indexOf("\r\n\r\n");
  assert.equal(headers, ORIGINAL.subarray(0, end + 2).toString("latin1"));
  assert.ok(!raw.includes("SECRET BODY"));
  assert.ok(!raw.includes("quarterly numbers"));

  const lf = Buffer.from("From: a@example.test\nSubject: lf only\n\nbody line\n");
  assert.equal(parts(buildDsn(input({ original: lf }))).headers, "From: a@example.test\r\nSubject: lf only\r\n");
  const noBody = Buffer.from("From: a@example.test\r\nSubject: no body");
  assert.equal(parts(buildDsn(input({ original: noBody }))).headers, "From: a@example.test\r\nSubject: no body\r\n");
});

test("8-bit or over-long original header lines travel quoted-printable and decode to the same bytes", () => {
  const latin = Buffer.concat([Buffer.from("Subject: caf"), Buffer.from([0xe9]), Buffer.from(`\r\nX-Long: ${"y".repeat(1500)}\r\n\r\nbody`)]);
  const raw = buildDsn(input({ original: latin }));
  const root = parseMime(raw);
  const part = root.children[2];
  assert.equal(part?.encoding, "quoted-printable");
  assert.ok(part !== undefined);
  const decoded = decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
  assert.deepEqual(decoded, latin.subarray(0, latin.indexOf("\r\n\r\n") + 2));
  for (const line of raw.toString("latin1").split("\r\n")) assert.ok(line.length < 998);
});

test("the same input with a fixed time and Message-ID gives the same bytes", () => {
  const a = buildDsn(input());
  const b = buildDsn(input());
  assert.deepEqual(a, b);
  const c = buildDsn(input({ now: Date.UTC(2026, 2, 8) }));
  assert.notDeepEqual(a, c);
  const boundary = (raw: Buffer): string => paramValue(parseMime(raw).contentType.params, "boundary") ?? "";
  assert.match(boundary(a), /^=_sealpost_[0-9a-f]{24}$/);
  assert.notEqual(boundary(a), boundary(c));
});

test("refuses a DSN to the null sender and input that would break the header", () => {
  assert.throws(() => buildDsn(input({ sender: "" })), /null sender/);
  assert.throws(() => buildDsn(input({ sender: "<>" })), /null sender/);
  assert.throws(() => buildDsn(input({ sender: "  " })), /null sender/);
  assert.throws(() => buildDsn(input({ sender: "a@example.test\r\nBcc: x@evil.test" })), /control characters/);
  assert.throws(() => buildDsn(input({ recipients: [] })), /at least one recipient/);
  assert.throws(() => buildDsn(input({ reportingMta: "mail.example.test\r\nX: y" })), /not a host name/);
  const bad = input();
  const first = bad.recipients[0];
  assert.ok(first !== undefined);
  first.address = "bob@example.net\nX-Injected: 1";
  assert.throws(() => buildDsn(bad), /control characters/);
});

test("non-ASCII recipients use the utf-8 address type with \\x{} escapes (RFC 6533 §3)", () => {
  const one = input().recipients[0];
  assert.ok(one !== undefined);
  const { status, text } = parts(buildDsn(input({ recipients: [{ ...one, address: "jörg+x@bücher.example" }] })));
  assert.match(status, /Final-Recipient: utf-8; j\\x\{F6\}rg\\x\{2B\}x@b\\x\{FC\}cher\.example\r\n/);
  assert.ok(text.includes("jörg+x@bücher.example"));
  assert.ok(text.includes("The administrators of bücher.example can fix this"));
});

test("a delayed recipient gets its retry deadline, and mixed reports explain both groups", () => {
  const [bob, carol] = input().recipients;
  assert.ok(bob !== undefined && carol !== undefined);
  const until = Date.UTC(2026, 2, 9, 10, 0, 0);
  const raw = buildDsn(input({ recipients: [carol, { ...bob, action: "delayed", willRetryUntil: until }], envelopeId: "ENV-42" }));
  const { status, text } = parts(raw);
  assert.equal(header(parseMime(raw), "Subject"), "Undelivered Mail Returned to Sender");
  assert.match(status, /Original-Envelope-Id: ENV-42\r\n/);
  assert.match(status, /Action: delayed\r\nStatus: 4\.7\.4\r\n/);
  assert.match(status, /Will-Retry-Until: Mon, 9 Mar 2026 10:00:00 \+0000\r\n/);
  const flat = text.replace(/\r\n {0,8}/g, " ");
  assert.ok(flat.includes("could not be delivered to the recipient below."));
  assert.ok(flat.includes("It has not been delivered yet to the recipient below. You do not need to do anything"));
  assert.ok(flat.includes("This server keeps trying until 9 Mar 2026, 10:00 UTC."));
});

test("a plain ASCII report goes as 7bit", () => {
  const raw = buildDsn(input({ original: Buffer.from("Subject: hello\r\n\r\nbody"), recipients: [{ address: "x@example.net", problem: { kind: "operator" }, lastAttemptAt: 0 }] }));
  const root = parseMime(raw);
  assert.equal(root.children[0]?.encoding, "7bit");
  assert.equal(root.children[2]?.encoding, "7bit");
  const { status } = parts(raw);
  assert.doesNotMatch(status, /Remote-MTA/, "no remote MTA for a local decision");
  assert.match(status, /Status: 5\.0\.0\r\nDiagnostic-Code: x-sealpost; The administrator of this mail system cancelled/);
});

test("a DANE problem is explained in English and in German, each with its fix; other problems stay English", () => {
  const raw = buildDsn(
    input({
      recipients: [
        {
          address: "bob@example.net",
          problem: { kind: "expired", lifetime: "5 days", last: { kind: "certificate", host: "mx.example.net", problem: "dane-mismatch", detail: "no TLSA record matches" } },
          lastAttemptAt: Date.UTC(2026, 2, 7, 9, 0, 0),
        },
        { address: "erin@example.org", problem: { kind: "dane-lookup", host: "mx.example.org", detail: "the TLSA lookup of _25._tcp.mx.example.org answered SERVFAIL" }, action: "delayed", lastAttemptAt: Date.UTC(2026, 2, 7, 9, 0, 0) },
        { address: "carol@example.com", problem: { kind: "tls-version", host: "mx.example.com", offered: "TLS 1.0" }, lastAttemptAt: Date.UTC(2026, 2, 7, 9, 0, 0) },
      ],
    }),
  );
  const { text, status } = parts(raw);
  const flat = text.replace(/\r\n {0,8}/g, " ");
  assert.ok(flat.includes("presented a security certificate that does not match the records its domain publishes for it in the DNS, secured with DNSSEC (DANE TLSA records) (no TLSA record matches)"), flat);
  assert.ok(flat.includes("The administrators of example.net can fix this by publishing TLSA records for mx.example.net that match its certificate"));
  assert.ok(flat.includes("Auf Deutsch: Dieser Server hat die Zustellung nach vergeblichen Versuchen aufgegeben. Der letzte Versuch scheiterte: Der empfangende Server mx.example.net hat ein Sicherheitszertifikat vorgelegt, das nicht zu den Einträgen passt"));
  assert.ok(flat.includes("Die Administratoren von example.net können das beheben, indem sie für mx.example.net TLSA-Einträge veröffentlichen"));
  assert.ok(flat.includes("mx.example.org protects its connections with DANE"));
  assert.ok(flat.includes("Der empfangende Server mx.example.org schützt seine Verbindungen mit DANE"));
  assert.equal(flat.match(/Auf Deutsch:/g)?.length, 2, "no German for the TLS version problem");
  assert.match(status, /Status: 4\.7\.5\r\n/);
  assert.match(header(parseMime(raw).children[0] as MimePart, "Content-Transfer-Encoding") ?? "", /quoted-printable/, "German needs 8 bits: quoted-printable");
});
