/**
 * The tables of `sealpost.db`, as Kysely sees them. Times are milliseconds since the epoch.
 * The mailbox model follows IMAP (RFC 3501 §2.3.1, RFC 9051 §2.3.1): per-mailbox UIDs that only
 * grow, a UIDVALIDITY fixed at creation, flags, internal date and size per message; POP3's UIDL
 * is derived from the same (mailbox UIDVALIDITY, UID) pair.
 */
import type { AccountTable, DomainAdminTable, DomainTable, ExpungedTable, MailboxTable, MessageTable, SubscriptionTable } from "./schema-mail.ts";
import type { DeliveryAttemptTable, DkimKeyTable, MtaStsPolicyTable, QueueRecipientTable, QueueTable, RelayDomainTable, TlsPolicyTable, TlsReportReceivedTable, TlsReportSentTable } from "./schema-delivery.ts";
import type { AuthResultTable, CutoffNoticeTable, CutoffTable, DomainChangeTable, LegacyGrantTable, LoginTable, MaintenanceWindowTable, NodeTable, SettingTable, SmtpRecipientTable, SmtpSessionTable, TlsEventTable, WebSessionTable } from "./schema-audit.ts";

export interface Database {
  domains: DomainTable;
  accounts: AccountTable;
  mailboxes: MailboxTable;
  messages: MessageTable;
  tls_events: TlsEventTable;
  smtp_sessions: SmtpSessionTable;
  smtp_recipients: SmtpRecipientTable;
  logins: LoginTable;
  queue: QueueTable;
  queue_recipients: QueueRecipientTable;
  delivery_attempts: DeliveryAttemptTable;
  tls_policies: TlsPolicyTable;
  relay_domains: RelayDomainTable;
  domain_admins: DomainAdminTable;
  domain_changes: DomainChangeTable;
  mta_sts_policies: MtaStsPolicyTable;
  settings: SettingTable;
  web_sessions: WebSessionTable;
  legacy_grants: LegacyGrantTable;
  cutoffs: CutoffTable;
  cutoff_notices: CutoffNoticeTable;
  maintenance_windows: MaintenanceWindowTable;
  subscriptions: SubscriptionTable;
  expunged: ExpungedTable;
  auth_results: AuthResultTable;
  dkim_keys: DkimKeyTable;
  tls_reports_sent: TlsReportSentTable;
  tls_reports_received: TlsReportReceivedTable;
  nodes: NodeTable;
}
