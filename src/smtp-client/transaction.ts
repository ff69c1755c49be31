/**
 * The mail transaction (RFC 5321 §3.3): MAIL FROM with SIZE (RFC 1870), BODY=8BITMIME (RFC 6152),
 * SMTPUTF8 (RFC 6531) as announced and REQUIRETLS (RFC 8689) when the TLS requirement says so, RCPT TO per recipient (pipelined with MAIL when the server
 * offers PIPELINING, RFC 2920 §3.1), DATA only when at least one recipient was accepted, the
 * dot-stuffed message with back-pressure, and the final reply deciding every accepted recipient.
 */
import type { Channel } from "./channel.ts";
import { Failure, localRefusal, unexpected, rejected } from "./failure.ts";
import { dataChunks, has8bit, messageSize } from "./message-data.ts";
import { isPermanent, isPositive, replyText, type SmtpReply } from "./reply.ts";
import type { DeliveryRequest, DeliveryResult, DeliveryTimeouts, RecipientResult } from "./types.ts";

/** Envelope addresses may not carry anything that could end or split a command line. */
export function envelopeAddressOk(address: string, allowNull: boolean): boolean {
  if (address === "") return allowNull;
  if (address.length > 320 || /[\x00-\x1f\x7f<>]/.test(address)) return false;
  return address.lastIndexOf("@") > 0 && address.lastIndexOf("@") < address.length - 1;
}

function isAsciiText(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

/** RFC 1870 §4: "SIZE" [SP number]; 0 or no number means no fixed maximum. */
function sizeLimit(ext: ReadonlyMap<string, string>): number | null {
  const param = ext.get("SIZE");
  if (param === undefined || !/^\d+$/.test(param)) return null;
  const n = Number(param);
  return n > 0 ? n : null;
}

/** How far a transaction got: the code of the reply to MAIL FROM, 0 before one arrived. */
export interface TransactionProgress {
  mailReply: number;
}

export async function transaction(
  ch: Channel,
  req: DeliveryRequest,
  t: DeliveryTimeouts,
  ext: ReadonlyMap<string, string>,
  result: DeliveryResult,
  progress: TransactionProgress = { mailReply: 0 },
): Promise<void> {
  const host = req.host;
  const targets = result.recipients.filter((r) => r.code === 0);
  const utf8 = !isAsciiText(req.from) || targets.some((r) => !isAsciiText(r.address));
  if (utf8 && !ext.has("SMTPUTF8")) {
    throw localRefusal(host, 553, "5.6.7", `an address is not ASCII and ${host} does not offer SMTPUTF8`);
  }
  const size = messageSize(req.message);
  const limit = sizeLimit(ext);
  // RFC 1870 §6.1: do not send a message the server has declared too big.
  if (limit !== null && size > limit) {
    throw localRefusal(host, 552, "5.3.4", `message size ${size} octets exceeds the ${limit}-octet limit of ${host}`);
  }
  const params: string[] = [];
  if (ext.has("SIZE")) params.push(` SIZE=${size}`);
  if (ext.has("8BITMIME") && has8bit(req.message)) params.push(" BODY=8BITMIME");
  if (utf8) params.push(" SMTPUTF8");
  // RFC 8689 §4.2.1: the parameter goes on to a next hop that offered it (deliver.ts checked).
  if (req.tls.requireTls === true) params.push(" REQUIRETLS");
  const pipelining = ext.has("PIPELINING");

  const mailCommand = `MAIL FROM:<${req.from}>${params.join("")}`;
  if (pipelining) ch.send(mailCommand, ...targets.map((r) => `RCPT TO:<${r.address}>`));
  else ch.send(mailCommand);
  const mail = await ch.readReply(t.commandMs, "the reply to MAIL FROM");
  progress.mailReply = mail.code;
  if (!isPositive(mail)) {
    // The pipelined RCPTs still get (503) replies; read them so QUIT's reply is QUIT's.
    if (pipelining && mail.code !== 421) await skipReplies(ch, targets.length, t.commandMs);
    throw unexpected(host, mail, "MAIL FROM");
  }

  let last: SmtpReply | null = null;
  for (const r of targets) {
    if (!pipelining) ch.send(`RCPT TO:<${r.address}>`);
    const reply = await ch.readReply(t.commandMs, `the reply to RCPT TO:<${r.address}>`);
    decide(r, reply);
    if (reply.code === 421) throw rejected(host, reply);
    if (!isPositive(reply) && reply.code < 400) throw unexpected(host, reply, "RCPT TO");
    last = reply;
  }
  const accepted = targets.filter((r) => r.accepted);
  if (accepted.length === 0) {
    if (last === null) throw localRefusal(host, 553, "5.1.3", "no valid recipient address");
    const permanent = targets.every((r) => r.permanent);
    throw new Failure({ kind: "rejected", host, reply: replyText(last), permanent }, permanent);
  }

  ch.send("DATA");
  const go = await ch.readReply(t.dataInitMs, "the reply to DATA");
  if (go.code !== 354) throw unexpected(host, go, "DATA");
  ch.note(`message data: ${size} octets, dot-stuffed, then "."`);
  await ch.sendData(dataChunks(req.message), t.dataBlockMs);
  const done = await ch.readReply(t.dataMs, "the reply to the end of data");
  if (!isPositive(done)) throw unexpected(host, done, "the end of data");
  for (const r of accepted) {
    r.code = done.code;
    r.reply = replyText(done);
    r.delivered = true;
  }
}

function decide(r: RecipientResult, reply: SmtpReply): void {
  r.code = reply.code;
  r.reply = replyText(reply);
  r.accepted = isPositive(reply);
  r.permanent = isPermanent(reply);
}

async function skipReplies(ch: Channel, n: number, timeoutMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await ch.readReply(timeoutMs, "the reply to a pipelined RCPT TO").catch(() => null);
    if (r === null) return;
  }
}
