/**
 * A hosted recipient's storage quota (`sealpost user set --quota`) as SMTP answers it — at RCPT
 * (for the MX and for submission to a local recipient alike) with what is known then (the usage,
 * and the size MAIL declared, RFC 1870), and again at the end of DATA with the real size:
 *
 * - the account is full, or the message would take it over: 452 4.2.2 "Mailbox full" — temporary,
 *   since deleting mail makes room (RFC 3463 §3.3 X.2.2 "persistent transient failure"; RFC 5321
 *   §4.2.2: 452 "insufficient system storage"), as Postfix + Dovecot LMTP (quota_full_tempfail) do;
 * - the message alone is larger than the whole quota: 552 5.2.2 — permanent (RFC 5321 §4.2.2: 552
 *   "exceeded storage allocation"), as Dovecot's LMTP answers by default. At RCPT, RFC 5321
 *   §4.5.3.1.10 warns that clients may take a 552 there as the 452 of "too many recipients" and
 *   retry; they meet the same answer and bounce at the end of their queue lifetime — and a client
 *   that declared no SIZE gets the 552 after DATA, where it is unambiguous.
 */
import { checkQuota, type QuotaVerdict } from "../store/index.ts";
import type { Store } from "../store/index.ts";
import { Code, SmtpError, Status } from "../smtp/index.ts";

function refusal(address: string, verdict: Exclude<QuotaVerdict, "fits">): SmtpError {
  return verdict === "too-big"
    ? new SmtpError(Code.EXCEEDED_STORAGE, Status.MAILBOX_FULL, `<${address}>: Message is larger than the recipient's mailbox quota`)
    : new SmtpError(Code.INSUFFICIENT_STORAGE, Status.MAILBOX_FULL_TEMP, `<${address}>: Mailbox full`);
}

/** RCPT: throws 452 4.2.2 / 552 5.2.2 when the account has no room for `declared` bytes (0: none declared). */
export async function checkRecipientQuota(store: Store, address: string, accountId: number, declared: number | undefined): Promise<void> {
  // With no SIZE, a full account is one without room for even one more byte.
  const verdict = await checkQuota(store.db, accountId, Math.max(declared ?? 1, 1));
  if (verdict !== "fits") throw refusal(address, verdict);
}

/**
 * End of DATA: the message's real size against every hosted recipient's room. One reply answers
 * the whole transaction, so the worst verdict wins: any recipient the message could never fit
 * gives 552, else any full one 452 (the sender retries, and the others get it then too).
 */
export async function checkDeliveryQuota(store: Store, recipients: ReadonlyArray<{ address: string; accountId: number | null }>, size: number): Promise<void> {
  let worst: SmtpError | null = null;
  for (const r of recipients) {
    if (r.accountId === null) continue;
    const verdict = await checkQuota(store.db, r.accountId, size);
    if (verdict === "too-big") throw refusal(r.address, verdict);
    if (verdict === "full") worst ??= refusal(r.address, verdict);
  }
  if (worst !== null) throw worst;
}
