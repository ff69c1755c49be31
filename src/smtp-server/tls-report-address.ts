/**
 * Each hosted domain's TLS-RPT address, `tls-reports@DOMAIN` — the rua `sealpost domain dns` tells
 * a domain to publish (RFC 8460 §3: `v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN`). The MX takes
 * mail for it without an account, reads the report out of it (tls-rpt's `reportFromMessage`, every
 * field checked, the gzip bounded) and keeps it (audit's `keepTlsReport`), for `sealpost
 * tls-report`. A message there that is no report is refused at the end of DATA when the address is
 * its only recipient; with others, they get it as usual and the address drops it.
 */
import { keepTlsReport, type AuditLog, type AuthResultRow } from "../audit/index.ts";
import { TLS_REPORT_LOCAL_PART } from "../directory/index.ts";
import { Code, SmtpError, Status } from "../smtp/index.ts";
import type { Store } from "../store/index.ts";
import { reportFromMessage } from "../tls-rpt/index.ts";
import { acceptedRecipientRows } from "./audit-sink.ts";
import type { MailTransaction, Recipient, SessionInfo } from "./types.ts";

/** The recipient for `address` when it is the TLS-RPT address of `domain` (a hosted domain), else null. */
export function tlsReportRecipient(address: string, domain: string): Recipient | null {
  return address.slice(0, address.lastIndexOf("@")).toLowerCase() === TLS_REPORT_LOCAL_PART ? { address, domain, accountId: null, tlsReport: true } : null;
}

/**
 * DATA complete: keeps the report the message carries (with its recipients' audit rows, in one
 * commit) and returns the transaction without the TLS-RPT recipients, for the usual hand-off —
 * which records the sender checks' row (`checks`), or this commit does when no one else is left.
 */
export async function takeTlsReport(store: Store, audit: AuditLog, s: SessionInfo, tx: MailTransaction, message: readonly Buffer[], checks?: AuthResultRow): Promise<MailTransaction> {
  const reports = tx.recipients.filter((r) => r.tlsReport === true);
  if (reports.length === 0) return tx;
  const rest = { ...tx, recipients: tx.recipients.filter((r) => r.tlsReport !== true) };
  const parsed = reportFromMessage(Buffer.concat(message));
  const now = Date.now();
  if (!parsed.ok) {
    // RFC 3463 §3.7 X.6.0: the content is not what the address takes; 550 as RFC 5321 §4.2.2's "mailbox unavailable".
    if (rest.recipients.length === 0) throw new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.MEDIA_ERROR, `not a TLS report (RFC 8460): ${parsed.error}`);
    // The others take it (one reply covers every recipient); the TLS-RPT address records why it dropped it.
    const rows = acceptedRecipientRows(s, { ...tx, recipients: reports }, now, () => ({ text: `Ok, but not a TLS report (RFC 8460): ${parsed.error}; dropped`, delivered: false }));
    await store.committer.submit((trx) => audit.smtpRecipientsIn(trx, rows));
    return rest;
  }
  const first = reports[0] as Recipient;
  await store.committer.submit(async (trx) => {
    const kept = await keepTlsReport(trx, parsed.value, { recipientDomain: first.domain, clientIp: s.conn.remoteAddress, sessionId: s.id, now });
    const text = kept ? "Ok: TLS report kept" : "Ok: TLS report kept before (the same organisation and report id)";
    await audit.smtpRecipientsIn(trx, acceptedRecipientRows(s, { ...tx, recipients: reports }, now, () => ({ text, delivered: true })));
    if (checks !== undefined && rest.recipients.length === 0) await audit.authResultIn(trx, checks);
  });
  return rest;
}
