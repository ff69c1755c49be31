/**
 * Delivery status notifications: RFC 3464 (message/delivery-status fields), RFC 6522 (multipart/report,
 * which obsoletes RFC 3462; text/rfc822-headers), RFC 3461 (ORCPT and ENVID echoed back), RFC 3463
 * (status codes), RFC 3834 §5 (Auto-Submitted: auto-replied), RFC 6533 §3 (utf-8 address type).
 *
 * The report has three parts: a plain-language text for the sender, the machine-readable report, and
 * the undelivered message's header section (never its body, RFC 3461 RET=HDRS style). Every line ends
 * in CRLF and stays below 998 octets; header-like fields are folded (RFC 5322 §2.2.3).
 */
import { createHash, randomBytes } from "node:crypto";
import { germanExplanation } from "./explain-de.ts";
import { advice, explain, explainParts } from "./explain.ts";
import { headerLines, subjectOf } from "./original.ts";
import type { DeliveryProblem } from "./problems.ts";
import { statusOf } from "./status.ts";
import { ascii, clean, fold, hasControl, humanDate, is7bit, quotedPrintable, rfc5322Date, TEXT_WIDTH, WIDTH, wrap } from "./text.ts";

interface BouncedRecipient {
  address: string;
  problem: DeliveryProblem;
  /** The MX host tried last; defaults to the problem's host. */
  remoteMta?: string;
  lastAttemptAt: number;
  /** "failed" (default) for a bounce, "delayed" for a warning that the queue keeps trying. */
  action?: "failed" | "delayed";
  /** RFC 3461 §4.2 ORCPT as given by the client, xtext decoded: "rfc822;bob@example.net" (or just the address). */
  originalRecipient?: string;
  /** For a delayed recipient: when the queue gives up (RFC 3464 §2.3.9 Will-Retry-Until). */
  willRetryUntil?: number;
}

export interface DsnInput {
  /** Our host name (Reporting-MTA, the From: domain). */
  reportingMta: string;
  /** The envelope sender the DSN goes to; never empty (RFC 5321 §4.5.5: no DSN to a null sender). */
  sender: string;
  queueId: string;
  /** When the message entered the queue, ms. */
  arrivalDate: number;
  recipients: BouncedRecipient[];
  /** The original message; only its header section goes into the report. */
  original: Buffer;
  /** RFC 3461 §4.4 ENVID as given by the client, xtext decoded. */
  envelopeId?: string;
  now?: number;
  messageId?: string;
}

const CRLF = "\r\n";

/** Builds the DSN message (CRLF line endings) to send to `input.sender` from the null sender. */
export function buildDsn(input: DsnInput): Buffer {
  const sender = input.sender.trim();
  if (sender === "" || sender === "<>") throw new RangeError("no DSN to the null sender (RFC 3461 §6.2, RFC 5321 §4.5.5)");
  if (hasControl(sender)) throw new RangeError("sender address contains control characters");
  const mta = input.reportingMta.trim();
  if (!/^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.IPv]+\])$/.test(mta)) {
    throw new RangeError(`reporting MTA is not a host name: ${JSON.stringify(ascii(mta, 60))}`);
  }
  if (input.recipients.length === 0) throw new RangeError("a DSN needs at least one recipient (RFC 3464 §2)");
  for (const r of input.recipients) {
    if (r.address.trim() === "" || hasControl(r.address)) throw new RangeError("recipient address is empty or contains control characters");
  }

  const now = input.now ?? Date.now();
  const messageId = messageIdOf(input.messageId, now, mta);
  const original = headerLines(input.original);
  const anyFailed = input.recipients.some((r) => (r.action ?? "failed") === "failed");

  const textLines = humanText(input, mta).map((l) => Buffer.from(l, "utf8"));
  const textPlain = is7bit(textLines, WIDTH);
  const textBody = textPlain ? textLines.map((b) => b.toString("utf8")) : quotedPrintable(textLines);
  const statusBody = deliveryStatus(input, mta);
  const headersPlain = is7bit(original);
  const headersBody = headersPlain ? original.map((b) => b.toString("latin1")) : quotedPrintable(original);

  const parts = [
    [
      "Content-Description: Notification",
      "Content-Type: text/plain; charset=utf-8",
      `Content-Transfer-Encoding: ${textPlain ? "7bit" : "quoted-printable"}`,
      "",
      ...textBody,
    ],
    ["Content-Description: Delivery report", "Content-Type: message/delivery-status", "", ...statusBody],
    [
      "Content-Description: Undelivered message header",
      "Content-Type: text/rfc822-headers",
      ...(headersPlain ? [] : ["Content-Transfer-Encoding: quoted-printable"]),
      "",
      ...headersBody,
      "", // the header section ends with a line break (RFC 5322 §2.1)
    ],
  ];
  const boundary = boundaryFor(input.queueId, now, messageId, parts);

  const head = [
    `Date: ${rfc5322Date(now)}`,
    `From: "Mail Delivery System" <MAILER-DAEMON@${mta}>`,
    `To: <${sender.replace(/^<(.*)>$/, "$1")}>`,
    `Subject: ${anyFailed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)"}`,
    `Message-ID: ${messageId}`,
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    "Content-Type: multipart/report; report-type=delivery-status;",
    ` boundary="${boundary}"`,
  ];
  const lines = [...head, "", "This is a MIME-encapsulated message.", ""];
  for (const part of parts) lines.push(`--${boundary}`, ...part);
  lines.push(`--${boundary}--`, "");
  return Buffer.from(lines.join(CRLF), "utf8");
}

function messageIdOf(given: string | undefined, now: number, mta: string): string {
  if (given === undefined) return `<${now.toString(36)}.${randomBytes(9).toString("hex")}@${mta}>`;
  const id = ascii(given, 250).replace(/\s/g, "");
  return id.startsWith("<") ? id : `<${id}>`;
}

/** A boundary derived from the report's identity (deterministic), re-derived until no part contains it. */
function boundaryFor(queueId: string, now: number, messageId: string, parts: readonly string[][]): string {
  for (let n = 0; ; n++) {
    const hash = createHash("sha256").update(`${queueId}\0${now}\0${messageId}\0${n}`).digest("hex").slice(0, 24);
    const b = `=_sealpost_${hash}`;
    if (!parts.some((p) => p.some((l) => l.includes(b)))) return b;
  }
}

/** RFC 3464 §2.2 and §2.3: the per-message block, then one block per recipient, separated by empty lines. */
function deliveryStatus(input: DsnInput, mta: string): string[] {
  const out = [...fold("Reporting-MTA", `dns; ${mta}`), ...fold("X-Sealpost-Queue-ID", ascii(input.queueId, 200))];
  if (input.envelopeId !== undefined && input.envelopeId.trim() !== "") {
    out.push(...fold("Original-Envelope-Id", ascii(input.envelopeId, 200)));
  }
  out.push(...fold("Arrival-Date", rfc5322Date(input.arrivalDate)));
  for (const r of input.recipients) {
    out.push("");
    const action = r.action ?? "failed";
    out.push(...fold("Final-Recipient", typedAddress("rfc822", r.address.trim())));
    if (r.originalRecipient !== undefined && r.originalRecipient.trim() !== "") {
      const m = /^([A-Za-z0-9-]+);\s*(.+)$/.exec(r.originalRecipient.trim());
      out.push(...fold("Original-Recipient", m?.[1] !== undefined && m[2] !== undefined ? typedAddress(m[1], m[2]) : typedAddress("rfc822", r.originalRecipient.trim())));
    }
    out.push(`Action: ${action}`, `Status: ${statusOf(r.problem)}`);
    const remote = r.remoteMta ?? hostOf(r.problem);
    if (remote !== undefined && /^[A-Za-z0-9._:[\]-]+$/.test(remote) && remote.length <= 255) {
      out.push(...fold("Remote-MTA", `dns; ${remote}`));
    }
    out.push(...fold("Diagnostic-Code", diagnostic(r.problem)));
    out.push(...fold("Last-Attempt-Date", rfc5322Date(r.lastAttemptAt)));
    if (action === "delayed" && r.willRetryUntil !== undefined) out.push(...fold("Will-Retry-Until", rfc5322Date(r.willRetryUntil)));
  }
  out.push(""); // the last field ends with a line break too
  return out;
}

/** "rfc822; addr" for ASCII addresses; RFC 6533 §3 "utf-8; addr" with \x{HEX} escapes otherwise. */
function typedAddress(type: string, address: string): string {
  if (hasControl(address)) throw new RangeError("address contains control characters");
  if (/^[\x00-\x7f]*$/.test(address)) return `${type}; ${address}`;
  const xtext = [...address]
    .map((c) => {
      const cp = c.codePointAt(0) ?? 0;
      return cp > 0x7e || c === "+" || c === "=" || c === "\\" || c === " " ? `\\x{${cp.toString(16).toUpperCase()}}` : c;
    })
    .join("");
  return `utf-8; ${xtext}`;
}

function hostOf(p: DeliveryProblem): string | undefined {
  if ("host" in p) return p.host;
  if (p.kind === "expired" && p.last !== null && p.last.kind !== "expired") return hostOf(p.last);
  return undefined;
}

/** RFC 3464 §2.3.6: the remote's reply for rejections ("smtp; …"), our own words for local decisions. */
function diagnostic(p: DeliveryProblem): string {
  const rejected = p.kind === "rejected" ? p : p.kind === "expired" && p.last?.kind === "rejected" ? p.last : null;
  if (rejected !== null) {
    const oneLine = rejected.reply.split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l !== "").join(" ");
    if (oneLine !== "") return `smtp; ${ascii(oneLine, 2000)}`;
  }
  return `x-sealpost; ${ascii(explain(p), 2000)}`;
}

/** The human-readable part: greeting, then the failed and the delayed recipients, each with what went wrong. */
function humanText(input: DsnInput, mta: string): string[] {
  const failed = input.recipients.filter((r) => (r.action ?? "failed") === "failed");
  const delayed = input.recipients.filter((r) => r.action === "delayed");
  const subject = subjectOf(input.original);
  const which = `Your message${subject === null ? "" : ` "${subject}"`}, sent on ${humanDate(input.arrivalDate)},`;
  const out = [`This is the mail system at host ${mta}.`, ""];
  const section = (intro: string, list: readonly BouncedRecipient[]): void => {
    out.push(...wrap(intro), "");
    for (const r of list) out.push(...recipientBlock(r));
  };
  const whom = (list: readonly unknown[]): string => (list.length === 1 ? "the recipient below" : `the ${list.length} recipients below`);
  if (failed.length > 0) {
    section(`${which} could not be delivered to ${whom(failed)}. This server has stopped trying.`, failed);
  }
  if (delayed.length > 0) {
    const start = failed.length > 0 ? "It" : which;
    section(
      `${start} has not been delivered yet to ${whom(delayed)}. You do not need to do anything: this server keeps trying and will write to you again if it gives up.`,
      delayed,
    );
  }
  out.push(...wrap("Attached are a technical report for mail administrators and the header of your message."), "");
  return out;
}

function recipientBlock(r: BouncedRecipient): string[] {
  const indent = "    ";
  const e = explainParts(r.problem);
  const out = [clean(r.address, 300)];
  out.push(...wrap(e.text + (e.quote === undefined ? "" : " It replied:"), TEXT_WIDTH, indent));
  if (e.quote !== undefined) {
    out.push("");
    for (const q of e.quote) out.push(...wrap(q, WIDTH, indent + indent)); // a reply line kept whole where it fits 78
    out.push("");
  }
  if (e.hint !== undefined) out.push(...wrap(e.hint, TEXT_WIDTH, indent));
  const at = r.address.lastIndexOf("@");
  const domain = at >= 0 ? r.address.slice(at + 1) : "";
  const tip = advice(r.problem, domain);
  if (tip !== null) out.push("", ...wrap(tip, TEXT_WIDTH, indent));
  const german = germanExplanation(r.problem, domain);
  if (german !== null) out.push("", `${indent}Auf Deutsch:`, ...wrap(german, TEXT_WIDTH, indent));
  if (r.action === "delayed" && r.willRetryUntil !== undefined) {
    out.push("", ...wrap(`This server keeps trying until ${humanDate(r.willRetryUntil)}.`, TEXT_WIDTH, indent));
  }
  if (out[out.length - 1] !== "") out.push("");
  return out;
}
