/**
 * The submission role (RFC 6409, RFC 4954, RFC 8314): users send mail after authenticating over
 * TLS. The envelope sender must be the account's own address (Postfix's
 * reject_sender_login_mismatch: 553 5.7.1), and so must the header's From and Sender at the end of
 * DATA (author-check.ts: 550 5.7.1); hosted recipients are delivered like MX mail, remote ones go
 * to the outbound queue — both in the same commit, before the 250.
 */
import type { Authenticator } from "../auth/index.ts";
import type { AuditLog } from "../audit/index.ts";
import { signForQueue } from "../dkim/index.ts";
import { lookupRecipient } from "../directory/index.ts";
import type { Logger } from "../log/index.ts";
import { Code, Status, SmtpError, domainOf } from "../smtp/index.ts";
import type { Store } from "../store/index.ts";
import { checkAuthor, ownsAddress } from "./author-check.ts";
import { handOff } from "./hand-off.ts";
import { checkRecipientQuota } from "./quota.ts";
import type { MailTransaction, Recipient, SessionInfo, SmtpRole } from "./types.ts";

export class SubmissionRole implements SmtpRole {
  readonly protocol = "submission";
  readonly auth: Authenticator;
  readonly #store: Store;
  readonly #audit: AuditLog;

  readonly #log: Logger;
  readonly #queued: (() => void) | undefined;
  readonly #accepted: ((protocol: string) => void) | undefined;

  /**
   * `queued` is called after a commit that put mail in the outbound queue (wakes the runner);
   * `accepted` after every message committed (the metrics count them).
   */
  constructor(store: Store, audit: AuditLog, auth: Authenticator, log: Logger, queued?: () => void, accepted?: (protocol: string) => void) {
    this.#store = store;
    this.#audit = audit;
    this.auth = auth;
    this.#log = log;
    this.#queued = queued;
    this.#accepted = accepted;
  }

  async checkSender(s: SessionInfo, address: string): Promise<void> {
    const user = s.authenticated;
    if (user === null) throw new SmtpError(Code.AUTH_REQUIRED, Status.SECURITY, "Authentication required");
    // The null sender (bounces, MDNs) names nobody; any other sender must be the account itself.
    if (address !== "" && !ownsAddress(user.address, address)) {
      throw new SmtpError(Code.MAILBOX_NAME_NOT_ALLOWED, Status.NOT_AUTHORIZED, `<${address}>: Sender address rejected: not owned by user ${user.address}`);
    }
  }

  async checkStorage(bytes: number): Promise<void> {
    await this.#store.space.check(bytes);
  }

  async checkRecipient(s: SessionInfo, address: string): Promise<Recipient> {
    const found = await lookupRecipient(this.#store.db, address);
    // Anything not hosted here (a relay domain's recipients too) goes to the outbound queue.
    if (found.kind === "not-hosted" || found.kind === "relay" || found.kind === "unknown-relay-user") return { address, domain: domainOf(address), accountId: null };
    if (found.kind === "unknown-user") {
      throw new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.BAD_DEST_MAILBOX, `<${address}>: Recipient address rejected: User unknown`);
    }
    await checkRecipientQuota(this.#store, address, found.accountId, s.tx?.declaredSize);
    return { address, domain: found.domain.name, accountId: found.accountId };
  }

  async deliver(s: SessionInfo, tx: MailTransaction, id: string, message: Buffer[], size: number): Promise<void> {
    const user = s.authenticated;
    if (user === null) throw new SmtpError(Code.AUTH_REQUIRED, Status.SECURITY, "Authentication required");
    // The message is signed as its From's domain (dkim/outgoing.ts): the header's author must be
    // the account, whatever the envelope said (the null sender of an MDN too).
    checkAuthor(user.address, message);
    const source = `submission:${user.address}`;
    // Signed once, as it goes into the queue (as Postfix with OpenDKIM and mox sign at submission);
    // the hosted recipients' copy is the same blob, signed too. Mail for hosted recipients only is not signed.
    const parts = tx.recipients.some((r) => r.accountId === null) ? await signForQueue(this.#store.db, this.#log, { id, parts: message, source }) : message;
    const queued = await handOff(this.#store, this.#audit, s, tx, {
      id,
      message: parts,
      size: parts === message ? size : parts.reduce((n, p) => n + p.length, 0),
      source,
      outcome: (r) => (r.accountId === null ? { text: `queued as ${id}`, delivered: false } : { text: `delivered as ${id}`, delivered: true }),
    });
    this.#accepted?.(this.protocol);
    if (queued) this.#queued?.();
  }
}
