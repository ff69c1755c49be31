/**
 * The mailbox the IMAP benchmark reads: `count` varied messages, the same bytes for every server
 * (deterministic from a seed). 1–20 KB each, 30 senders, subjects from word lists, dates spread
 * over a year in several time zones; every 4th is multipart/alternative (text + HTML), every 7th
 * multipart/mixed with a base64 attachment. About 70% are \Seen and 10% \Flagged, so that SEARCH
 * UNSEEN has work to do. Messages are built with CRLF line ends (what IMAP serves; Sealpost stores
 * them as is); a Maildir gets LF line ends, as Dovecot's own delivery writes them.
 */

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Nora", "Omar"];
const LAST = ["Archer", "Becker", "Costa", "Dubois", "Eriksen", "Fischer"];
const DOMAINS = ["example.com", "example.org", "mail.example.net", "lists.example.edu", "corp.example"];
/** What `SEARCH FROM` looks for: substrings of sender names and addresses that some messages match. */
export const SEARCH_FROM = ["alice", "Becker", "example.org", "nora", "kofi.dubois", "lists.example.edu"];
const TOPICS = ["Invoice", "Meeting", "Quarterly report", "Release", "Travel", "Budget", "Newsletter", "Security update", "Lunch", "Contract"];
const NOUNS = ["draft", "minutes", "schedule", "figures", "agenda", "review", "notes", "follow-up", "reminder", "summary"];
/** What `SEARCH SUBJECT` looks for: words that appear in some subjects. */
export const SEARCH_SUBJECT = ["invoice", "Meeting", "report", "Security", "agenda", "reminder", "budget"];
const WORDS =
  "the of and to in is that for it as with was on be by at this from or have an they which one you had not but what all were when we there can more if no out so said use each she how their time will up other about many then them these some her would make like him into has look two write go see number way could people than first water been call who oil its now find long down day did get come made may part".split(
    " ",
  );
const ZONES = ["+0000", "+0100", "-0500", "+0530", "-0800", "+0900", "+0200"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export interface CorpusMessage {
  /** The message with CRLF line ends. */
  crlf: Buffer;
  /** Internal date (ms since the epoch): the Date header's instant. */
  date: number;
  seen: boolean;
  flagged: boolean;
}

function rfc5322Date(ms: number, zone: string): string {
  const sign = zone.startsWith("-") ? -1 : 1;
  const offMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const d = new Date(ms + offMin * 60_000);
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${zone}`;
}

/** Text lines of about 72 characters until `bytes` (with CRLFs) are reached. */
function textLines(rnd: () => number, bytes: number): string[] {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    let line = "";
    while (line.length < 66) line += `${line.length === 0 ? "" : " "}${WORDS[Math.floor(rnd() * WORDS.length)] ?? "x"}`;
    if (rnd() < 0.08) line = "";
    lines.push(line);
    size += line.length + 2;
  }
  return lines;
}

function base64Lines(rnd: () => number, bytes: number): string[] {
  const raw = Buffer.alloc(Math.max(1, Math.floor((bytes * 3) / 4)));
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rnd() * 256);
  return raw.toString("base64").match(/.{1,76}/g) ?? [];
}

function buildOne(i: number, rnd: () => number, base: number): CorpusMessage {
  const first = FIRST[Math.floor(rnd() * FIRST.length)] ?? "Alice";
  const last = LAST[Math.floor(rnd() * LAST.length)] ?? "Archer";
  const domain = DOMAINS[Math.floor(rnd() * DOMAINS.length)] ?? "example.com";
  const subject = `${TOPICS[Math.floor(rnd() * TOPICS.length)] ?? "Note"}: ${NOUNS[Math.floor(rnd() * NOUNS.length)] ?? "draft"} #${i + 1}`;
  const date = base + i * 31_500 * 1000 + Math.floor(rnd() * 3_600_000);
  const zone = ZONES[Math.floor(rnd() * ZONES.length)] ?? "+0000";
  const target = 1024 + Math.floor(rnd() * 19 * 1024);
  const head = [
    `Return-Path: <${first.toLowerCase()}.${last.toLowerCase()}@${domain}>`,
    `From: "${first} ${last}" <${first.toLowerCase()}.${last.toLowerCase()}@${domain}>`,
    "To: Bench User <bench@bench.test>",
    ...(i % 3 === 0 ? [`Cc: "${LAST[i % LAST.length] ?? "Costa"} Team" <team-${i % 5}@${domain}>`] : []),
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(date, zone)}`,
    `Message-ID: <bench-${i + 1}.${(rnd() * 1e9).toFixed(0)}@${domain}>`,
    ...(i % 5 === 2 ? [`In-Reply-To: <bench-${i}.0@${domain}>`] : []),
    "MIME-Version: 1.0",
  ];
  let body: string[];
  const headBytes = head.join("\r\n").length + 120;
  const room = Math.max(200, target - headBytes);
  if (i % 7 === 3) {
    const b = `=_mixed_${i}_${Math.floor(rnd() * 1e9)}`;
    const text = textLines(rnd, Math.floor(room * 0.3));
    const att = base64Lines(rnd, Math.max(100, room - text.length * 70 - 400));
    head.push(`Content-Type: multipart/mixed; boundary="${b}"`);
    body = [
      "This is a multi-part message in MIME format.",
      `--${b}`,
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 7bit",
      "",
      ...text,
      `--${b}`,
      `Content-Type: application/pdf; name="report-${i + 1}.pdf"`,
      `Content-Disposition: attachment; filename="report-${i + 1}.pdf"`,
      "Content-Transfer-Encoding: base64",
      "",
      ...att,
      `--${b}--`,
    ];
  } else if (i % 4 === 1) {
    const b = `=_alt_${i}_${Math.floor(rnd() * 1e9)}`;
    const text = textLines(rnd, Math.floor(room * 0.4));
    const html = textLines(rnd, Math.floor(room * 0.45)).map((l) => (l === "" ? "<br>" : `<p>${l}</p>`));
    head.push(`Content-Type: multipart/alternative; boundary="${b}"`);
    body = [
      `--${b}`,
      "Content-Type: text/plain; charset=us-ascii",
      "",
      ...text,
      `--${b}`,
      "Content-Type: text/html; charset=us-ascii",
      "",
      "<html><body>",
      ...html,
      "</body></html>",
      `--${b}--`,
    ];
  } else {
    head.push("Content-Type: text/plain; charset=us-ascii");
    body = textLines(rnd, room);
  }
  const crlf = Buffer.from(`${head.join("\r\n")}\r\n\r\n${body.join("\r\n")}\r\n`, "latin1");
  return { crlf, date, seen: rnd() < 0.7, flagged: rnd() < 0.1 };
}

/** `count` messages, the same for the same seed. */
export function buildCorpus(count: number, seed = 1): CorpusMessage[] {
  return Array.from(corpusMessages(count, seed));
}

/** The same messages one at a time (a corpus of 100,000 is about 1 GB: made as it is written). */
export function* corpusMessages(count: number, seed = 1): Generator<CorpusMessage> {
  const rnd = prng(seed);
  const base = Date.UTC(2024, 0, 2, 8, 0, 0);
  for (let i = 0; i < count; i++) yield buildOne(i, rnd, base);
}

/** The same message with LF line ends (a Maildir file). */
export function toLf(crlf: Buffer): Buffer {
  return Buffer.from(crlf.toString("latin1").replaceAll("\r\n", "\n"), "latin1");
}
