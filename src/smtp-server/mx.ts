/**
 * The MX role: accept mail for hosted domains only (no open relay), under each domain's TLS
 * policy, and deliver it into the recipients' INBOXes.
 */
import { lookupRecipient } from "../directory/index.ts";
import { Code, Status, SmtpError } from "../smtp/index.ts";
import { appendToInboxes, type Store } from "../store/index.ts";
import type { AuditLog } from "../audit/index.ts";
import { acceptedRecipientRows } from "./audit-sink.ts";
import type { MailTransaction, Recipient, SessionInfo, SmtpRole } from "./types.ts";

export class MxRole implements SmtpRole {
  readonly protocol = "smtp";
  readonly auth = null;
  readonly #store: Store;
  readonly #audit: AuditLog;

  constructor(store: Store, audit: AuditLog) {
    this.#store = store;
    this.#audit = audit;
  }

  async checkSender(): Promise<void> {
    // The MX takes mail from anyone for its hosted domains (sender checks like SPF come later).
  }

  async checkRecipient(s: SessionInfo, address: string): Promise<Recipient> {
    const found = await lookupRecipient(this.#store.db, address);
    if (found.kind === "not-hosted") {
      // No open relay: Postfix's reject_unauth_destination gives 554 5.7.1 "Relay access denied".
      throw new SmtpError(Code.TRANSACTION_FAILED, Status.NOT_AUTHORIZED, `<${address}>: Relay access denied`);
    }
    if (found.domain.mandatoryTls && s.conn.tls === null) {
      // Mandatory TLS (the gateway practice of the Cleanmail notice): a temporary 450 so that a
      // sender that can do TLS retries with STARTTLS; RFC 3207 §4 / RFC 3463 X.7.0. Checked before
      // the user lookup, so plaintext reveals nothing about which accounts exist.
      throw new SmtpError(
        Code.MAILBOX_UNAVAILABLE_TEMP,
        Status.SECURITY_TEMP,
        `<${address}>: TLS is required for mail to ${found.domain.name}; issue STARTTLS and try again`,
      );
    }
    if (found.kind === "unknown-user") {
      throw new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.BAD_DEST_MAILBOX, `<${address}>: Recipient address rejected: User unknown`);
    }
    return { address, domain: found.domain.name, accountId: found.accountId };
  }

  async deliver(s: SessionInfo, tx: MailTransaction, message: Buffer[], _size: number): Promise<string> {
    const accounts = [...new Set(tx.recipients.map((r) => r.accountId).filter((a): a is number => a !== null))];
    const blob = await this.#store.blobs.write(message);
    const now = Date.now();
    const id = `${s.id}${s.messages > 0 ? `.${s.messages}` : ""}`;
    const rows = acceptedRecipientRows(s, tx, now, () => ({ text: `Ok: queued as ${id}`, delivered: true }));
    const stored = await this.#store.committer.submit(async (trx) => {
      const s = await appendToInboxes(trx, accounts, blob, now);
      await this.#audit.smtpRecipientsIn(trx, rows);
      return s;
    }, [blob.dir]);
    for (const m of stored) this.#store.events.emit("changed", m.mailboxId);
    return id;
  }
}
