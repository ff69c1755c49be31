/**
 * A message that did not come over SMTP — one written in the webmail — submitted through the same
 * path as port 587 (issue 14): the checks MAIL, RCPT and DATA make in a submission session, in
 * their order and with their replies, then the role's hand-off. So the sender must be the account's
 * own address (Postfix's reject_sender_login_mismatch, 553 5.7.1), and so must the message's From
 * and Sender fields (the role's deliver, author-check.ts: 550 5.7.1), hosted recipients are delivered
 * and the others queued for the runner, at their destination's TLS level, and a DSN comes back as
 * for any message. The limits are the `[smtp]` ones the listeners use.
 *
 * Unlike an SMTP client, which may go on with the recipients that were accepted, the webmail sends
 * to all or to none: any refused recipient stops the message before anything is stored, and every
 * refusal is returned (and recorded in the audit, as RCPT's are).
 */
import { isAscii as isAsciiBytes } from "node:buffer";
import { Code, SmtpError, Status, domainOf, isAscii, isMailbox } from "../smtp/index.ts";
import { fieldName, withoutFields } from "../mime/index.ts";
import { newQueueId } from "../queue/index.ts";
import type { TlsInfo } from "../tls/index.ts";
import { MAX_HOPS } from "./data-phase.ts";
import { replyFor } from "./error-table.ts";
import { countReceived, webReceivedHeader } from "./received.ts";
import { roomForMessage } from "./storage.ts";
import { tagTlsRequired } from "./tls-required.ts";
import type { MailTransaction, SessionInfo, SmtpAuditSink, SmtpLimits, SmtpRole } from "./types.ts";

export interface MessageSubmission {
  /** The signed-in account: the only sender it may use. */
  account: { accountId: number; address: string };
  /** The web request's connection: its id names the audit rows, its address and TLS the Received header. */
  client: { ip: string; tls: TlsInfo | null; connectionId: string; port: number };
  /** The envelope sender (MAIL FROM). */
  from: string;
  recipients: readonly string[];
  /** The message as written (RFC 5322), Bcc field and all: the Bcc field is removed here. */
  message: Buffer;
}

interface SubmitSettings {
  hostname: string;
  limits: Pick<SmtpLimits, "maxMessageSize" | "maxRecipients">;
  audit: SmtpAuditSink;
}

/** One refusal as SMTP would have replied: for a recipient, or (address null) for the whole message. */
interface Refusal {
  address: string | null;
  code: number;
  status: string;
  text: string;
}

export type SubmitOutcome = { sent: true; id: string } | { sent: false; refusals: Refusal[] };

const refusal = (address: string | null, e: SmtpError): Refusal => ({ address, code: e.code, status: e.status ?? "", text: e.text });

/**
 * Runs the submission. Known refusals (SmtpError, a full store) come back as `refusals`; anything
 * else (a failed commit) is thrown, as the SMTP session would answer it with 451 and log it.
 */
export async function submitMessage(role: SmtpRole, settings: SubmitSettings, m: MessageSubmission): Promise<SubmitOutcome> {
  const message = withoutBcc(m.message);
  const base = {
    id: m.client.connectionId,
    conn: { remoteAddress: m.client.ip, tls: m.client.tls, localPort: m.client.port },
    hostname: settings.hostname,
    protocol: role.protocol,
    helo: null,
    messages: 0,
    authenticated: m.account,
  };
  const smtputf8 = !isAscii(m.from) || m.recipients.some((r) => !isAscii(r));
  const tx: MailTransaction = { from: m.from, body: isAsciiBytes(message) ? "7BIT" : "8BITMIME", smtputf8, declaredSize: message.length, recipients: [] };
  // RFC 8689 §4.1: a header "TLS-Required: No" tags the message as on port 587. The webmail offers
  // no way yet to ask for REQUIRETLS (the MAIL parameter); its messages go under the usual policy.
  tagTlsRequired(tx, [message]);
  const session: SessionInfo = { ...base, tx };
  const whole = (e: unknown): SubmitOutcome => {
    const { reply, internal } = replyFor(e);
    if (internal) throw e;
    return { sent: false, refusals: [refusal(null, reply)] };
  };
  const recordRejected = (address: string, reply: SmtpError): void =>
    settings.audit.recipientRejected(session, tx, { address, domain: domainOf(address), code: reply.code, status: reply.status ?? "", text: reply.text, delivered: false });

  // MAIL (mail.ts): RFC 1870 §6.3 size, the store's room, the sender.
  try {
    if (message.length > settings.limits.maxMessageSize) throw new SmtpError(Code.EXCEEDED_STORAGE, Status.MESSAGE_TOO_BIG, "Message size exceeds fixed limit");
    await role.checkStorage(roomForMessage(message.length, settings.limits.maxMessageSize));
    await role.checkSender({ ...base, tx: null }, m.from);
  } catch (e) {
    return whole(e);
  }

  // RCPT (rcpt.ts), each recipient; every refusal is collected, none is sent to.
  const refusals: Refusal[] = [];
  for (const address of m.recipients) {
    try {
      if (tx.recipients.length >= settings.limits.maxRecipients) {
        // RFC 5321 §4.5.3.1.10: 452 too many recipients; RFC 3463 X.5.3.
        throw new SmtpError(Code.INSUFFICIENT_STORAGE, Status.TOO_MANY_RECIPIENTS, "Error: too many recipients");
      }
      if (!isMailbox(address)) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.BAD_DEST_SYNTAX, "Bad recipient address syntax");
      tx.recipients.push(await role.checkRecipient(session, address));
    } catch (e) {
      const { reply, internal } = replyFor(e);
      if (internal) throw e;
      recordRejected(address, reply);
      refusals.push(refusal(address, reply));
    }
  }
  if (refusals.length > 0) return { sent: false, refusals };
  // RFC 5321 §3.3: a transaction needs at least one recipient (RCPT before DATA: 503 5.5.1).
  if (tx.recipients.length === 0) return { sent: false, refusals: [refusal(null, new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: need RCPT command"))] };

  // DATA (data-phase.ts): the hop count, the Received header, one id for header, queue and audit.
  try {
    if (countReceived([message], MAX_HOPS) >= MAX_HOPS) throw new SmtpError(Code.TRANSACTION_FAILED, Status.ROUTING_LOOP, "Error: too many hops (mail forwarding loop)");
    const id = newQueueId();
    const header = Buffer.from(webReceivedHeader({ clientIp: m.client.ip, hostname: settings.hostname, id, tls: m.client.tls, recipients: tx.recipients.map((r) => r.address), date: new Date() }), "utf8");
    await role.deliver(session, tx, id, [header, message], header.length + message.length);
    return { sent: true, id };
  } catch (e) {
    // As at the end of DATA (data-phase.ts): a refused message is recorded for each recipient,
    // with the reply SMTP would have given.
    const { reply, internal } = replyFor(e);
    if (!internal) for (const r of tx.recipients) recordRejected(r.address, reply);
    return whole(e);
  }
}

/**
 * The message without its Bcc fields (RFC 5322 §3.6.3: the first way — the recipients of the
 * delivered copies do not see who else got a blind copy); the writer's copy in Sent keeps them.
 * One pass over the header section (mime's one header scanner).
 */
export function withoutBcc(message: Buffer): Buffer {
  return withoutFields(message, (start, colon) => colon >= 0 && fieldName(message, start, colon) === "bcc");
}
