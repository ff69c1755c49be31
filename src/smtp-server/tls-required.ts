/**
 * The header field "TLS-Required: No" (RFC 8689 §3): the sender asks that the message be delivered
 * even where TLS cannot be had or verified — the recipient's MTA-STS and DANE policies and ours set
 * aside (§4.2.2). A message received with it, and without the MAIL parameter REQUIRETLS, is tagged
 * so (§4.1) and keeps the tag in the queue; the field itself stays in the message for the next hop.
 */
import { fieldAt, fieldName, messageHead, scanHeader } from "../mime/index.ts";
import { MAX_HEAD } from "./received.ts";
import type { MailTransaction } from "./types.ts";

const FIELD = "tls-required";

/**
 * Tags `tx` "no" when the header section of the message in `parts` has "TLS-Required: No"
 * (RFC 8689 §3: `"TLS-Required:" [FWS] "No"`, case-insensitive as ABNF strings are, RFC 5234
 * §2.3). RFC 8689 §4.1: with the REQUIRETLS parameter given, the field is ignored. One pass of
 * mime's header scanner over the head, stopping once the field is found.
 */
export function tagTlsRequired(tx: MailTransaction, parts: readonly Buffer[]): void {
  if (tx.tlsRequired !== undefined) return;
  const head = messageHead(parts, MAX_HEAD);
  let no = false;
  scanHeader(head, 0, head.length, (start, colon, end) => {
    if (colon - start < FIELD.length || fieldName(head, start, colon) !== FIELD) return true;
    // [FWS] may fold the value onto the next line, whose blanks the unfolded value keeps.
    no = fieldAt(head, start, colon, end).value.trim().toLowerCase() === "no";
    return !no;
  });
  if (no) tx.tlsRequired = "no";
}
