/**
 * The end of DATA (RFC 5321 §4.1.1.4, §4.2.5): the body is complete; add the Received header,
 * hand the message to the role, and reply 250 only once it is durably stored (principle 1); the
 * message's id is returned for the session's log line.
 */
import { newQueueId } from "../queue/index.ts";
import { Code, Status, SmtpError } from "../smtp/index.ts";
import type { CommandApi } from "./command.ts";
import { countReceived, receivedHeader } from "./received.ts";
import { replyFor } from "./error-table.ts";
import { tagTlsRequired } from "./tls-required.ts";
import type { MailTransaction } from "./types.ts";

export const MAX_HOPS = 50;

export async function finishData(
  s: CommandApi,
  tx: MailTransaction,
  body: { parts: Buffer[]; size: number; oversize: boolean },
): Promise<string> {
  const fail = (err: SmtpError): SmtpError => {
    // The session let go of `tx` when the body began to be read: it is named here, for MAIL FROM.
    for (const r of tx.recipients) s.recordRejectedRecipient(r.address, err, tx);
    return err;
  };
  if (body.oversize) {
    // RFC 1870 §6.3 / RFC 3463 X.3.4: 552 5.3.4.
    throw fail(new SmtpError(Code.EXCEEDED_STORAGE, Status.MESSAGE_TOO_BIG, "Error: message file too big"));
  }
  if (countReceived(body.parts, MAX_HOPS) >= MAX_HOPS) {
    // RFC 5321 §6.3: a message that has passed this many relays is looping (Postfix's
    // hopcount_limit, 50). Relay domains make a loop possible: two gateways pointing at each other.
    throw fail(new SmtpError(Code.TRANSACTION_FAILED, Status.ROUTING_LOOP, "Error: too many hops (mail forwarding loop)"));
  }
  // RFC 8689 §4.1: "TLS-Required: No" in the header tags the message (unless MAIL said REQUIRETLS).
  tagTlsRequired(tx, body.parts);
  // One id per message, chosen before anything names it: the Received header's "id", the 250
  // reply's "queued as" and the queue row are the same (Postfix's queue ID does all three).
  const id = newQueueId();
  const header = receivedHeader({
    heloName: s.helo?.name ?? null,
    extended: s.helo?.extended ?? false,
    clientIp: s.conn.remoteAddress,
    hostname: s.hostname,
    id,
    tls: s.conn.tls,
    authenticated: s.authenticated !== null,
    smtputf8: tx.smtputf8,
    requireTls: tx.tlsRequired === "requiretls",
    recipients: tx.recipients.map((r) => r.address),
    date: new Date(),
  });
  const headerBuf = Buffer.from(header, "utf8");
  const message = [headerBuf, ...body.parts];
  try {
    await s.role.deliver(s, tx, id, message, body.size + headerBuf.length);
  } catch (e) {
    // Each recipient is recorded with the reply the session will give (the error table: 452 4.3.1
    // for no room, not 451). An unknown error is passed on as it is, so the session logs its
    // cause and replies 451 (never the details).
    const { reply, internal } = replyFor(e);
    fail(reply);
    throw internal ? e : reply;
  }
  s.reply(Code.OK, Status.OK, `Ok: queued as ${id}`);
  return id;
}
