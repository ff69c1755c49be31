/** Connects SMTP sessions to the audit log: one row per session, one per recipient outcome. */
import type { AuditLog } from "../audit/index.ts";
import type { SmtpAuditSink } from "./types.ts";

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
