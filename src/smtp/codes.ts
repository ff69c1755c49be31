/**
 * SMTP reply codes (RFC 5321 §4.2.2, §4.2.3) and enhanced status codes (RFC 3463, registry per
 * RFC 5248), as named constants. Handlers never write a bare number.
 */

/** Basic reply codes, RFC 5321 §4.2.2 unless noted. */
export const Code = {
  /** RFC 5321 §4.2.2: help message. */
  HELP: 214,
  SERVICE_READY: 220,
  CLOSING: 221,
  /** RFC 4954 §6: authentication succeeded. */
  AUTH_SUCCESS: 235,
  OK: 250,
  /** RFC 5321 §3.5.3: cannot VRFY, will accept and attempt delivery. */
  CANNOT_VRFY: 252,
  /** RFC 4954 §4: server challenge. */
  AUTH_CONTINUE: 334,
  START_MAIL_INPUT: 354,
  SERVICE_UNAVAILABLE: 421,
  MAILBOX_UNAVAILABLE_TEMP: 450,
  LOCAL_ERROR: 451,
  /**
   * RFC 5321 §4.2.3: "452 Requested action not taken: insufficient system storage" (also too many
   * recipients, §4.5.3.1.10); RFC 1870 §6.2: 452 at MAIL when a declared SIZE does not fit now.
   */
  INSUFFICIENT_STORAGE: 452,
  /** RFC 3207 §4: TLS not available due to temporary reason. */
  TLS_NOT_AVAILABLE: 454,
  /** RFC 4954 §6: 454 4.7.0 temporary authentication failure (the same number, another meaning). */
  AUTH_TEMP_FAILURE: 454,
  SYNTAX_ERROR: 500,
  PARAM_SYNTAX_ERROR: 501,
  NOT_IMPLEMENTED: 502,
  BAD_SEQUENCE: 503,
  PARAM_NOT_IMPLEMENTED: 504,
  /** RFC 4954 §6 / RFC 3207 §4: must issue STARTTLS / authentication required. */
  AUTH_REQUIRED: 530,
  /** RFC 3207 §4: "530 Must issue a STARTTLS command first" (the same number as AUTH_REQUIRED). */
  STARTTLS_FIRST: 530,
  /** RFC 4954 §6: authentication credentials invalid. */
  AUTH_FAILED: 535,
  MAILBOX_UNAVAILABLE: 550,
  /**
   * RFC 5321 §4.2.3: "550 Requested action not taken: mailbox unavailable (e.g., ... command
   * rejected for policy reasons)" — the same number as MAILBOX_UNAVAILABLE, given after the final
   * "." to a message that policy refuses as a whole.
   */
  REJECTED_BY_POLICY: 550,
  EXCEEDED_STORAGE: 552,
  MAILBOX_NAME_NOT_ALLOWED: 553,
  TRANSACTION_FAILED: 554,
  /** RFC 5321 §4.2.2: MAIL FROM/RCPT TO parameters not recognized, or recognized but unsupported. */
  PARAMS_NOT_RECOGNIZED: 555,
} as const;

/** Enhanced status codes, RFC 3463 §3 (class.subject.detail). */
export const Status = {
  OK: "2.0.0",
  SENDER_OK: "2.1.0",
  DEST_OK: "2.1.5",
  DELIVERED: "2.0.0",
  /** RFC 3463 §3.2: other or undefined status — used with 4.x.x/5.x.x generic failures. */
  OTHER_TEMP: "4.0.0",
  BAD_DEST_MAILBOX: "5.1.1",
  BAD_DEST_SYNTAX: "5.1.3",
  BAD_SENDER_SYNTAX: "5.1.7",
  /** RFC 3463 §3.4 X.3.4: message too big for system. */
  MESSAGE_TOO_BIG: "5.3.4",
  /**
   * RFC 3463 §3.3 X.2.2 "Mailbox full ... the recipient can delete messages to make more space
   * available. This code should be used as a persistent transient failure": the storage quota is
   * used up (with 452), as Dovecot's LMTP with quota_full_tempfail answers.
   */
  MAILBOX_FULL_TEMP: "4.2.2",
  /**
   * X.2.2 in its permanent form (with 552, RFC 5321 §4.2.2 "exceeded storage allocation"): the
   * message alone is larger than the recipient's whole quota, so no deleting would ever make room —
   * Dovecot's LMTP default answer for a message over quota ("552 5.2.2 Quota exceeded").
   */
  MAILBOX_FULL: "5.2.2",
  /** RFC 3463 §3.4 X.3.1: mail system full — the temporary form, Postfix's "Insufficient system storage". */
  MAIL_SYSTEM_FULL: "4.3.1",
  SYSTEM_NOT_ACCEPTING: "4.3.2",
  SYSTEM_ERROR_TEMP: "4.3.0",
  /** X.4.2: bad connection — used for timeouts. */
  BAD_CONNECTION: "4.4.2",
  /** X.5.3: too many recipients. */
  TOO_MANY_RECIPIENTS: "4.5.3",
  INVALID_COMMAND: "5.5.1",
  SYNTAX_ERROR: "5.5.2",
  INVALID_ARGUMENTS: "5.5.4",
  WRONG_PROTOCOL_VERSION: "5.5.0",
  /** RFC 3463 §3.7 X.6.0: other or undefined media error (a message that is not what its address takes). */
  MEDIA_ERROR: "5.6.0",
  /** X.6.7: non-ASCII address without SMTPUTF8 (RFC 6531 §3.7.4.1). */
  NON_ASCII_ADDRESS: "5.6.7",
  /** RFC 3463 §3.5 X.4.6: routing loop detected (too many Received headers, RFC 5321 §6.3). */
  ROUTING_LOOP: "5.4.6",
  /** X.7.0: other security or policy status — TLS required (RFC 3207 §4). */
  SECURITY_TEMP: "4.7.0",
  SECURITY: "5.7.0",
  /** RFC 4954 §6: 2.7.0 authentication succeeded. */
  AUTH_OK: "2.7.0",
  /** RFC 4954 §6: 5.7.8 authentication credentials invalid. */
  BAD_CREDENTIALS: "5.7.8",
  /**
   * X.7.10 "Encryption needed" (RFC 5248 registry): what is asked for needs a TLS session first —
   * a REQUIRETLS MAIL parameter on a plaintext session (RFC 8689 §4.2.1: "the session itself MUST
   * employ TLS transmission").
   */
  ENCRYPTION_NEEDED: "5.7.10",
  /** X.7.1: delivery not authorized (relay denied). */
  NOT_AUTHORIZED: "5.7.1",
  /**
   * RFC 3463 §3.8 X.7.1 "delivery not authorized, message refused" for a sender that failed
   * authentication: what RFC 7208 §8.4 asks for an SPF fail, and what DMARC receivers answer a
   * p=reject failure (RFC 7489 §6.6.2; OpenDMARC and Postfix: "550 5.7.1 Rejected by DMARC policy").
   */
  SENDER_REFUSED: "5.7.1",
  /**
   * RFC 3463 §3.8 X.7.1 "delivery not authorized, message refused", for a submitted message whose
   * header From or Sender names someone other than the signed-in account: RFC 6409 §8.1 leaves the
   * MSA, which knows who the sender is, to vouch for the header's author (Postfix's
   * reject_sender_login_mismatch, applied to the header).
   */
  AUTHOR_NOT_OWNED: "5.7.1",
  /** Too many errors / connections: policy-driven 421. */
  POLICY_TEMP: "4.7.0",
} as const;

export interface Reply {
  code: number;
  /** Enhanced status code, or null for replies that carry none (220 greeting, 354, EHLO lines). */
  status: string | null;
  text: string;
}

/** RFC 5321 §4.2.1: multi-line replies use "code-text" for all but the last line. */
export function formatReply(reply: Reply, ehloLines?: readonly string[]): string {
  const lines = ehloLines ?? reply.text.split("\n");
  const prefix = reply.status !== null && ehloLines === undefined ? `${reply.status} ` : "";
  let out = "";
  lines.forEach((line, i) => {
    const sep = i === lines.length - 1 ? " " : "-";
    out += `${reply.code}${sep}${prefix}${line}\r\n`;
  });
  return out;
}
