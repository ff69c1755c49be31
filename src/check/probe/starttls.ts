/**
 * The plaintext dialogues that lead to a TLS handshake on a mail port:
 * - SMTP: RFC 3207 §4 (EHLO, STARTTLS in the EHLO reply, 220 go-ahead), replies RFC 5321 §4.2.
 * - IMAP: RFC 9051 §6.2.1 (STARTTLS, tagged OK go-ahead), greeting §7.1.1 (a CAPABILITY response
 *   code in the greeting spares the CAPABILITY command, §7.1).
 * - POP3: RFC 2595 §4 (STLS, +OK go-ahead), CAPA RFC 2449 §5.
 * Each step waits at most timeoutMs; lines and replies have size caps.
 */
import type net from "node:net";
import { CheckError } from "./errors.ts";
import type { SocketReader } from "./reader.ts";

/** Longest line accepted from a server before TLS. */
const MAX_LINE = 8192;
/** Most lines in one reply (an EHLO or CAPA list). */
const MAX_LINES = 200;

export interface DialogueContext {
  reader: SocketReader;
  socket: net.Socket;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Lines written in the same write as the STARTTLS command (CVE-2011-0411 test). */
  pipeline: string;
  heloName: string;
}

function printable(line: string): string {
  const s = line.replace(/[^\x20-\x7e]/g, ".");
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

async function readLine(ctx: DialogueContext, what: string, first: boolean): Promise<string> {
  const r = await ctx.reader.read((buf) => {
    const nl = buf.indexOf(0x0a);
    if (nl < 0) return buf.length > MAX_LINE ? null : undefined;
    ctx.reader.consume(nl + 1);
    return buf.subarray(0, nl).toString("latin1").replace(/\r$/, "");
  }, ctx.timeoutMs, ctx.signal);
  if (r.kind === "value" && r.value !== null) return r.value;
  if (r.kind === "timeout") throw new CheckError("timeout", `no ${what} within ${ctx.timeoutMs} ms`);
  if (r.kind === "closed") {
    const how = r.error !== null ? `reset the connection (${r.error})` : "closed the connection";
    throw new CheckError(first ? "connect" : "protocol", `the server ${how} before its ${what}`);
  }
  throw new CheckError("protocol", `the server's ${what} has a line longer than ${MAX_LINE} bytes`);
}

function send(ctx: DialogueContext, line: string, pipelined = false): void {
  ctx.socket.write(pipelined ? `${line}\r\n${ctx.pipeline}` : `${line}\r\n`);
}

// ---- SMTP ----

interface SmtpReply {
  code: number;
  lines: string[];
}

async function smtpReply(ctx: DialogueContext, what: string, first = false): Promise<SmtpReply> {
  const lines: string[] = [];
  for (;;) {
    const line = await readLine(ctx, what, first && lines.length === 0);
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new CheckError("protocol", `not an SMTP reply as ${what}: "${printable(line)}"`);
    lines.push(line.slice(4));
    if (m[2] !== "-") return { code: Number(m[1]), lines };
    if (lines.length >= MAX_LINES) throw new CheckError("protocol", `the ${what} has more than ${MAX_LINES} lines`);
  }
}

function replyText(r: SmtpReply): string {
  return printable(`${r.code} ${r.lines.join(" / ")}`);
}

export async function smtpDialogue(ctx: DialogueContext): Promise<boolean> {
  const greeting = await smtpReply(ctx, "SMTP greeting", true);
  if (greeting.code !== 220) throw new CheckError("protocol", `the server greeted with "${replyText(greeting)}" (RFC 5321 §3.1: 220 expected)`);
  send(ctx, `EHLO ${ctx.heloName}`);
  const ehlo = await smtpReply(ctx, "reply to EHLO");
  if (ehlo.code !== 250) throw new CheckError("starttls-not-offered", `EHLO was refused with "${replyText(ehlo)}", so no STARTTLS (RFC 3207)`);
  const offered = ehlo.lines.slice(1).some((l) => /^STARTTLS\b/i.test(l));
  send(ctx, "STARTTLS", true);
  const go = await smtpReply(ctx, "reply to STARTTLS");
  if (go.code === 220) return offered;
  if (!offered) throw new CheckError("starttls-not-offered", `STARTTLS is not in the EHLO reply and the command got "${replyText(go)}"`);
  throw new CheckError("starttls-refused", `STARTTLS was offered but refused with "${replyText(go)}"`);
}

// ---- IMAP ----

function hasCapability(line: string, cap: string): boolean {
  return line.toUpperCase().split(/[\s[\]]+/).includes(cap);
}

/** Reads until the tagged reply; returns it and the untagged lines before it. */
async function imapTagged(ctx: DialogueContext, tag: string, what: string): Promise<{ status: string; line: string; untagged: string[] }> {
  const untagged: string[] = [];
  for (;;) {
    const line = await readLine(ctx, what, false);
    if (line.startsWith(`${tag} `)) {
      const status = (line.slice(tag.length + 1).split(" ")[0] ?? "").toUpperCase();
      return { status, line, untagged };
    }
    untagged.push(line);
    if (untagged.length >= MAX_LINES) throw new CheckError("protocol", `more than ${MAX_LINES} lines before the ${what}`);
  }
}

export async function imapDialogue(ctx: DialogueContext): Promise<boolean> {
  const greeting = await readLine(ctx, "IMAP greeting", true);
  const kind = /^\* (OK|PREAUTH|BYE)\b/i.exec(greeting)?.[1]?.toUpperCase();
  if (kind === undefined) throw new CheckError("protocol", `not an IMAP greeting: "${printable(greeting)}"`);
  if (kind === "BYE") throw new CheckError("protocol", `the server refused the session: "${printable(greeting)}"`);
  // RFC 9051 §6.2.1: STARTTLS only in the not-authenticated state.
  if (kind === "PREAUTH") throw new CheckError("starttls-not-offered", "the server greeted with PREAUTH, so STARTTLS is not possible (RFC 9051 §6.2.1)");
  let capabilities: string[];
  if (/^\* OK \[CAPABILITY /i.test(greeting)) {
    capabilities = [greeting];
  } else {
    send(ctx, "a CAPABILITY");
    const caps = await imapTagged(ctx, "a", "reply to CAPABILITY");
    capabilities = caps.untagged.filter((l) => /^\* CAPABILITY /i.test(l));
  }
  const offered = capabilities.some((l) => hasCapability(l, "STARTTLS"));
  send(ctx, "b STARTTLS", true);
  const go = await imapTagged(ctx, "b", "reply to STARTTLS");
  if (go.status === "OK") return offered;
  if (!offered) throw new CheckError("starttls-not-offered", `STARTTLS is not among the capabilities and the command got "${printable(go.line)}"`);
  throw new CheckError("starttls-refused", `STARTTLS was offered but refused with "${printable(go.line)}"`);
}

// ---- POP3 ----

export async function pop3Dialogue(ctx: DialogueContext): Promise<boolean> {
  const greeting = await readLine(ctx, "POP3 greeting", true);
  if (!/^\+OK\b/i.test(greeting)) throw new CheckError("protocol", `not a POP3 greeting: "${printable(greeting)}"`);
  send(ctx, "CAPA");
  const capa = await readLine(ctx, "reply to CAPA", false);
  let offered = false;
  if (/^\+OK\b/i.test(capa)) {
    for (let n = 0; ; n++) {
      const line = await readLine(ctx, "CAPA list", false);
      if (line === ".") break;
      if (/^STLS\b/i.test(line)) offered = true;
      if (n >= MAX_LINES) throw new CheckError("protocol", `the CAPA list has more than ${MAX_LINES} lines`);
    }
  }
  send(ctx, "STLS", true);
  const go = await readLine(ctx, "reply to STLS", false);
  if (/^\+OK\b/i.test(go)) return offered;
  if (!offered) throw new CheckError("starttls-not-offered", `STLS is not in the CAPA list and the command got "${printable(go)}"`);
  throw new CheckError("starttls-refused", `STLS was offered but refused with "${printable(go)}"`);
}
