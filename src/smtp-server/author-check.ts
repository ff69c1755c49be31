/**
 * Who a submitted message says it is from. Outgoing mail is DKIM-signed as its RFC 5322 From's
 * domain (src/dkim/outgoing.ts), so the header must not name anyone but the signed-in account: a
 * user of one hosted domain writing "From: boss@other-hosted.example" would get that domain's
 * signature. The envelope sender is held to the same rule at MAIL (submission.ts, Postfix's
 * reject_sender_login_mismatch); this is the header's half, at the end of DATA, for the null
 * envelope sender (MDNs) too.
 *
 * - RFC 5322 §3.6: exactly one From field and at most one Sender field.
 * - Every mailbox in them (§3.6.2: From is a mailbox-list, Sender one mailbox) is the account's own
 *   (`ownsAddress`); display names and comments are free.
 *
 * The fields are read the way the DKIM signer reads them (mime's header scanner and address
 * parser), so the domain checked here is the one a signature would name.
 */
import { domainToASCII } from "node:url";
import { fieldAt, fieldName, messageHead, parseAddressList, scanHeader } from "../mime/index.ts";
import { Code, SmtpError, Status } from "../smtp/index.ts";
import { MAX_HEAD } from "./received.ts";

/**
 * Whether `address` is the account's own (`account` as the directory stores it: lower case, the
 * domain in A-labels). The local part compares case-insensitively, as it is stored lower-cased;
 * the domain as A-labels, so that a U-label spelling of the account's domain (RFC 5890 §2.3.2.1)
 * is the same domain, as it is for the DKIM signer.
 */
export function ownsAddress(account: string, address: string): boolean {
  const at = address.lastIndexOf("@");
  if (at <= 0) return false;
  const domain = domainToASCII(address.slice(at + 1));
  return domain !== "" && `${address.slice(0, at).toLowerCase()}@${domain.toLowerCase()}` === account;
}

/** The header fields this check reads; each keeps its first values (more are only counted). */
const FIELDS = ["from", "sender"] as const;
type Field = (typeof FIELDS)[number];
const LABEL: Record<Field, string> = { from: "From", sender: "Sender" };
/** RFC 5322 §3.6: how many of each field a message may have. */
const MAX_COUNT: Record<Field, number> = { from: 1, sender: 1 };

/** An address from the header, as a reply may name it: control characters out, at most 256 characters. */
function shown(address: string): string {
  const clean = address.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 256 ? `${clean.slice(0, 256)}...` : clean;
}

/**
 * RFC 5321 §4.2.3 550 with RFC 3463 §3.8 X.7.1 (Status.AUTHOR_NOT_OWNED); after the final ".", it
 * refuses the message for every recipient (RFC 5321 §4.1.1.4).
 */
const refused = (text: string): SmtpError => new SmtpError(Code.REJECTED_BY_POLICY, Status.AUTHOR_NOT_OWNED, text);

/**
 * Throws the refusal unless the header section of the message in `parts` (this host's Received
 * field may lead it) has one From field and at most one Sender field, every mailbox in them the
 * account's own. One pass of the header scanner over the message's head (received.ts).
 */
export function checkAuthor(account: string, parts: readonly Buffer[]): void {
  const head = messageHead(parts, MAX_HEAD);
  const values: Record<Field, string[]> = { from: [], sender: [] };
  const counts: Record<Field, number> = { from: 0, sender: 0 };
  const { bodyStart } = scanHeader(head, 0, head.length, (start, colon, end) => {
    // RFC 5322 §4.5.3: blanks may stand before the colon ("From :"), so no upper bound on the length.
    const name = colon - start >= 4 ? fieldName(head, start, colon) : null;
    const field = FIELDS.find((f) => f === name);
    if (field === undefined) return;
    if (++counts[field] <= MAX_COUNT[field]) values[field].push(fieldAt(head, start, colon, end).value);
  });
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (bodyStart >= head.length && head.length < total) {
    // The header section goes on past the head: a From field further on could not be counted.
    // RFC 5321 §4.2.3 552 with RFC 3463 §3.4 X.3.4 (too big for the system).
    throw new SmtpError(Code.EXCEEDED_STORAGE, Status.MESSAGE_TOO_BIG, `Error: header section longer than ${head.length} bytes; its From field cannot be checked`);
  }
  if (counts.from === 0) throw refused("Error: message has no From header field (RFC 5322 §3.6 requires one)");
  for (const field of FIELDS) {
    if (counts[field] > MAX_COUNT[field]) throw refused(`Error: message has ${counts[field]} ${LABEL[field]} header fields (RFC 5322 §3.6 allows one)`);
    for (const value of values[field]) {
      const mailboxes = parseAddressList(value).filter((a) => a.host !== null);
      if (mailboxes.length === 0) throw refused(`Error: no address in the ${LABEL[field]} header field`);
      for (const m of mailboxes) {
        const address = `${m.mailbox ?? ""}@${m.host ?? ""}`;
        if (!ownsAddress(account, address)) throw refused(`<${shown(address)}>: ${LABEL[field]} address rejected: not owned by user ${account}`);
      }
    }
  }
}
