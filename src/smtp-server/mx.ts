/**
 * The MX role: accept mail for hosted domains (delivered into the recipients' INBOXes) and for
 * relay domains (gateway mode: queued for the domain's next hop), under each domain's TLS policy,
 * and TLS reports for hosted domains (tls-report-address.ts); anything else is relaying and refused.
 * At the end of DATA the sender checks (sender-check.ts) stamp the message, refuse it, or send it
 * to the hosted recipients' Junk folder.
 */
import { lookupRecipient } from "../directory/index.ts";
import { Code, Status, SmtpError } from "../smtp/index.ts";
import type { Store } from "../store/index.ts";
import type { AuditLog } from "../audit/index.ts";
import { handOff } from "./hand-off.ts";
import { checkRecipientQuota } from "./quota.ts";
import { takeTlsReport, tlsReportRecipient } from "./tls-report-address.ts";
import type { SenderCheck } from "./sender-check.ts";
import type { MailTransaction, Recipient, SessionInfo, SmtpRole } from "./types.ts";

export class MxRole implements SmtpRole {
  readonly protocol = "smtp";
  readonly auth = null;
  readonly #store: Store;
  readonly #audit: AuditLog;

  readonly #queued: (() => void) | undefined;
  readonly #accepted: ((protocol: string) => void) | undefined;
  readonly #senders: SenderCheck | undefined;

  /**
   * `queued` is called after a commit that put relay mail in the outbound queue (wakes the runner);
   * `accepted` after every message committed (the metrics count them); `senders` checks each
   * message's sender at the end of DATA.
   */
  constructor(store: Store, audit: AuditLog, queued?: () => void, accepted?: (protocol: string) => void, senders?: SenderCheck) {
    this.#store = store;
    this.#audit = audit;
    this.#queued = queued;
    this.#accepted = accepted;
    this.#senders = senders;
  }

  async checkSender(): Promise<void> {
    // The MX takes mail from anyone at MAIL: who the sender is gets checked with the message (deliver).
  }

  async checkStorage(bytes: number): Promise<void> {
    await this.#store.space.check(bytes);
  }

  async checkRecipient(s: SessionInfo, address: string): Promise<Recipient> {
    const found = await lookupRecipient(this.#store.db, address);
    if (found.kind === "not-hosted") {
      // No open relay: Postfix's reject_unauth_destination gives 554 5.7.1 "Relay access denied".
      throw new SmtpError(Code.TRANSACTION_FAILED, Status.NOT_AUTHORIZED, `<${address}>: Relay access denied`);
    }
    // RFC 8460 §5.3: reports are sent "despite any TLS-related failures" — the failure may be
    // theirs with us — so a hosted domain's TLS-RPT address takes them without mandatory TLS.
    const report = found.kind === "account" || found.kind === "unknown-user" ? tlsReportRecipient(address, found.domain.name) : null;
    if (report !== null) return report;
    const relayed = found.kind === "relay" || found.kind === "unknown-relay-user";
    const domainName = relayed ? found.domain : found.domain.name;
    const mandatoryTls = relayed ? found.mandatoryTls : found.domain.mandatoryTls;
    if (mandatoryTls && s.conn.tls === null) {
      // Mandatory TLS (the gateway practice of the Cleanmail notice), for hosted and relay domains
      // alike: a temporary 450 so that a sender that can do TLS retries with STARTTLS; RFC 3207 §4 /
      // RFC 3463 X.7.0. Checked before the user lookup, so plaintext reveals nothing about who exists.
      throw new SmtpError(Code.MAILBOX_UNAVAILABLE_TEMP, Status.SECURITY_TEMP, `<${address}>: TLS is required for mail to ${domainName}; issue STARTTLS and try again`);
    }
    if (found.kind === "unknown-relay-user") {
      throw new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.BAD_DEST_MAILBOX, `<${address}>: Recipient address rejected: User unknown in relay recipient table`);
    }
    // A relay domain's mail goes to the outbound queue, for its next hop.
    if (found.kind === "relay") return { address, domain: found.domain, accountId: null };
    if (found.kind === "unknown-user") {
      throw new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.BAD_DEST_MAILBOX, `<${address}>: Recipient address rejected: User unknown`);
    }
    await checkRecipientQuota(this.#store, address, found.accountId, s.tx?.declaredSize);
    return { address, domain: found.domain.name, accountId: found.accountId };
  }

  async deliver(s: SessionInfo, tx: MailTransaction, id: string, message: Buffer[], size: number): Promise<void> {
    const checked = (await this.#senders?.check(s, tx, id, message, size)) ?? null;
    // A hosted domain's TLS-RPT address keeps the report; the other recipients get the message.
    const rest = await takeTlsReport(this.#store, this.#audit, s, tx, checked?.message ?? message, checked?.row);
    const queued = rest.recipients.length > 0 && (await handOff(this.#store, this.#audit, s, rest, {
      id,
      message: checked?.message ?? message,
      size: checked?.size ?? size,
      target: checked?.target,
      checks: checked?.row,
      source: "relay",
      outcome: (r) => ({ text: `Ok: queued as ${id}`, delivered: r.accountId !== null }),
    }));
    this.#accepted?.(this.protocol);
    if (queued) this.#queued?.();
  }
}
