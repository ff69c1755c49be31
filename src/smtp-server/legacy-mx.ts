/**
 * The legacy MX (issue 12: `[listeners.legacy_smtp]`, STARTTLS down to TLS 1.0): the MX, for a
 * sending host with a running legacy grant (`sealpost legacy grant IP`) — the old scanner that
 * cannot speak TLS 1.2. Any other host is refused at MAIL, recorded as an MX refusal is (a row of
 * smtp_recipients, here with no recipient yet); a granted one is served exactly as on port 25.
 */
import type { LegacyGate } from "../auth/index.ts";
import type { AuditLog } from "../audit/index.ts";
import { hostGranted } from "../directory/index.ts";
import { Code, Status, SmtpError } from "../smtp/index.ts";
import type { Store } from "../store/index.ts";
import type { MxRole } from "./mx.ts";
import type { MailTransaction, Recipient, SessionInfo, SmtpRole } from "./types.ts";

/**
 * RFC 5321 §4.2.3 550 (not taken: the mailbox unavailable, or refused by policy) with RFC 3463
 * §3.8 X.7.1 (delivery not authorized, message refused): permanent, so the sender does not retry
 * here, and says where it should go instead.
 */
const NOT_GRANTED =
  "This is the legacy MX for old sending hosts with a legacy grant only, and none after the cut-off; send to port 25 with TLS 1.2 or newer";

export class LegacyMxRole implements SmtpRole {
  readonly protocol = "smtp";
  readonly auth = null;
  readonly #mx: MxRole;
  readonly #store: Store;
  readonly #audit: AuditLog;
  readonly #gate: LegacyGate;

  constructor(mx: MxRole, store: Store, audit: AuditLog, gate: LegacyGate) {
    this.#mx = mx;
    this.#store = store;
    this.#audit = audit;
    this.#gate = gate;
  }

  async checkSender(s: SessionInfo, address: string): Promise<void> {
    const ip = s.conn.remoteAddress;
    const granted = this.#gate.cutoffPassed() === null && (await hostGranted(this.#store.db, ip, this.#gate.now()));
    if (granted) return this.#mx.checkSender();
    const refusal = new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.NOT_AUTHORIZED, NOT_GRANTED);
    this.#audit.smtpRecipient({
      session_id: s.id,
      time: Date.now(),
      client_ip: ip,
      ehlo: s.helo?.name ?? null,
      tls_version: s.conn.tls?.version ?? null,
      mail_from: address,
      rcpt: "",
      domain: "",
      code: refusal.code,
      enhanced: refusal.status ?? "",
      text: refusal.text,
      delivered: 0,
    });
    throw refusal;
  }

  checkStorage(bytes: number): Promise<void> {
    return this.#mx.checkStorage(bytes);
  }

  checkRecipient(s: SessionInfo, address: string): Promise<Recipient> {
    return this.#mx.checkRecipient(s, address);
  }

  deliver(s: SessionInfo, tx: MailTransaction, id: string, message: Buffer[], size: number): Promise<void> {
    return this.#mx.deliver(s, tx, id, message, size);
  }
}
