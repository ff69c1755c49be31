/** Connects SMTP sessions to the audit log: one row per session, one per recipient outcome. */
import type { AuditLog, SmtpRecipientRow } from "../audit/index.ts";
import { Code, Status } from "../smtp/index.ts";
import type { MailTransaction, Recipient, SessionInfo, SmtpAuditSink } from "./types.ts";

/** The accepted recipients' rows, written in the same commit as the message they describe. */
export function acceptedRecipientRows(
  s: SessionInfo,
  tx: MailTransaction,
  now: number,
  outcome: (r: Recipient) => { text: string; delivered: boolean },
): SmtpRecipientRow[] {
  return tx.recipients.map((r) => {
    const o = outcome(r);
    return {
      session_id: s.id,
      time: now,
      client_ip: s.conn.remoteAddress,
      ehlo: s.helo?.name ?? null,
      tls_version: s.conn.tls?.version ?? null,
      mail_from: tx.from,
      rcpt: r.address,
      domain: r.domain,
      code: Code.OK,
      enhanced: Status.OK,
      text: o.text,
      delivered: o.delivered ? 1 : 0,
    };
  });
}

export function smtpAuditSink(audit: AuditLog): SmtpAuditSink {
  return {
    recipientRejected(s, tx, o) {
      audit.smtpRecipient({
        session_id: s.id,
        time: Date.now(),
        client_ip: s.conn.remoteAddress,
        ehlo: s.helo?.name ?? null,
        tls_version: s.conn.tls?.version ?? null,
        mail_from: tx?.from ?? "",
        rcpt: o.address,
        domain: o.domain,
        code: o.code,
        enhanced: o.status,
        text: o.text,
        delivered: o.delivered ? 1 : 0,
      });
    },
    sessionEnded(s, startedAt, endReason) {
      const tls = s.conn.tls;
      audit.smtpSession({
        id: s.id,
        started_at: startedAt,
        ended_at: Date.now(),
        protocol: s.protocol,
        port: s.conn.localPort,
        client_ip: s.conn.remoteAddress,
        ehlo: s.helo?.name ?? null,
        tls_version: tls?.version ?? null,
        tls_cipher: tls?.cipher ?? null,
        offered_versions: tls !== null ? JSON.stringify(tls.hello.offeredVersions) : null,
        messages: s.messages,
        end_reason: endReason,
      });
    },
  };
}
