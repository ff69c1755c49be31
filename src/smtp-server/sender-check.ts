/**
 * The MX's sender checks at the end of DATA (issue 15; `[smtp] authentication`): SPF, DKIM, DMARC
 * and ARC (src/sender-auth, with mailauth) over the configured DNS resolvers under one deadline;
 * the Authentication-Results field (RFC 8601) on top of the message, forged ones that claim this
 * host removed (§5); an ARC set (RFC 8617) above it on relayed mail (arc-seal.ts); the verdict — a
 * refusal is answered 550 5.7.1 (RFC 7489 §6.6.2, RFC 3463 §3.8) and recorded here, an accepted
 * message's row is recorded with its delivery (hand-off.ts).
 *
 * Submission's senders have signed in and are not checked: only the MX (and the legacy MX) asks.
 */
import type { AuditLog, AuthResultRow } from "../audit/index.ts";
import { isHostedDomain } from "../directory/index.ts";
import { createLookup, type Lookup } from "../dns/index.ts";
import type { Logger } from "../log/index.ts";
import { checkSender, decide, dkimSummary, readableHeader, uncheckedResults, withoutForgedResults, type SenderAuthResults, type Verdict } from "../sender-auth/index.ts";
import { Code, SmtpError, Status, domainOf } from "../smtp/index.ts";
import type { DeliveryTarget, Store } from "../store/index.ts";
import { arcSet, hasRelayRecipient } from "./arc-seal.ts";
import type { MailTransaction, SessionInfo } from "./types.ts";

export interface SenderCheckSettings {
  enabled: boolean;
  /** This host's name: the authserv-id. */
  hostname: string;
  /** The whole check's deadline (its DNS lookups). */
  deadlineMs: number;
  dns: { servers: readonly string[]; timeoutMs: number };
}

/** An accepted message after the checks: what to store, where, and its auth_results row. */
interface CheckedMessage {
  message: readonly Buffer[];
  size: number;
  target: DeliveryTarget;
  row: AuthResultRow;
}

/** Why a message was refused, in the words receivers use (OpenDMARC, Postfix). */
function refusal(v: Verdict): SmtpError {
  const text =
    v.rule === "dmarc"
      ? `Rejected by DMARC policy for ${v.domain ?? ""}`
      : `Rejected: ${v.domain ?? ""} is hosted here and this message neither passed SPF nor carries an aligned DKIM signature; its mail must come through submission (refused whatever DMARC record the domain has)`;
  // RFC 5321 §4.2.3 550 (not taken, by policy) with RFC 3463 §3.8 X.7.1; after the final ".",
  // it refuses the message for every recipient (RFC 5321 §4.1.1.4).
  return new SmtpError(Code.MAILBOX_UNAVAILABLE, Status.SENDER_REFUSED, text);
}

/**
 * The message as it is stored and handed on: this host's field on top, above the other trace
 * fields (RFC 8601 §5), the forged ones gone from `parts` — and, for a message with recipients in
 * a relay (gateway) domain, an ARC set above the field (RFC 8617 §5.1, arc-seal.ts): the message
 * goes on to that domain's next hop, where this host's address breaks SPF, and the set carries what
 * this host found. `seal` is null for mail to hosted mailboxes only (it stops here), and when the
 * message goes unsealed. A message for both keeps the set in the hosted copies too: one message is
 * stored for all of its recipients.
 */
function stamped(field: Buffer, parts: readonly Buffer[], seal: Buffer | null): readonly Buffer[] {
  return seal === null ? [field, ...parts] : [seal, field, ...parts];
}

export class SenderCheck {
  readonly #store: Store;
  readonly #audit: AuditLog;
  readonly #settings: () => SenderCheckSettings;
  readonly #log: Logger;
  /** One lookup per resolver configuration: made again when a reload changes `[dns]`. */
  #lookup: { key: string; lookup: Lookup } | null = null;

  constructor(store: Store, audit: AuditLog, settings: () => SenderCheckSettings, log: Logger) {
    this.#store = store;
    this.#audit = audit;
    this.#settings = settings;
    this.#log = log;
  }

  /**
   * The checks of one message (`message` already carries this host's Received field, as a
   * milter sees it): null when they are switched off; throws the 550 for a refused message, after
   * recording it.
   */
  async check(s: SessionInfo, tx: MailTransaction, id: string, message: readonly Buffer[], size: number): Promise<CheckedMessage | null> {
    const set = this.#settings();
    if (!set.enabled) return null;
    const mailFromDomain = domainOf(tx.from);
    let results: SenderAuthResults;
    let verdict: Verdict = { action: "accepted", rule: null, domain: null };
    let checked = true;
    try {
      results = await checkSender(message, { ip: s.conn.remoteAddress, helo: s.helo?.name ?? null, mailFrom: tx.from, authservId: set.hostname }, this.#lookupFor(set), set.deadlineMs);
      verdict = decide(results, await this.#hostedClaims([mailFromDomain, ...results.fromDomains]));
    } catch (e) {
      // A failure of the checks themselves (not of DNS, which is a temperror) refuses nothing.
      this.#log.error("sender checks failed; message accepted unchecked", e, { session: s.id, id });
      results = uncheckedResults(set.hostname);
      checked = false;
    }
    const row: AuthResultRow = {
      time: Date.now(),
      session_id: s.id,
      queue_id: verdict.action === "rejected" ? null : id,
      client_ip: s.conn.remoteAddress,
      helo: s.helo?.name ?? null,
      tls_version: s.conn.tls?.version ?? null,
      mail_from_domain: mailFromDomain,
      from_domain: results.fromDomains.join(" "),
      spf: results.spf.result,
      dkim: dkimSummary(results.dkim),
      dkim_domains: [...new Set(results.dkim.map((d) => d.domain))].join(" "),
      dmarc: results.dmarc?.result ?? "none",
      arc: results.arc,
      action: verdict.action,
      rule: verdict.rule,
    };
    if (verdict.action === "rejected") {
      this.#audit.authResult(row);
      this.#log.info("message refused by the sender checks", { session: s.id, rule: verdict.rule, domain: verdict.domain, spf: row.spf, dkim: row.dkim, dmarc: row.dmarc });
      throw refusal(verdict);
    }
    const field = Buffer.from(results.field, "utf8");
    const kept = withoutForgedResults(message, set.hostname);
    // Only a message the checks read is sealed: the set's ARC-Authentication-Results is their result
    // and its cv= their chain validation — not one whose checks failed, nor one whose header is too
    // long for mailauth to read (its chain was never validated).
    const sealed = checked && hasRelayRecipient(tx.recipients) && readableHeader(message);
    const seal = sealed ? await this.#seal(s.id, id, set.hostname, results, [field, ...kept.parts]) : null;
    return {
      message: stamped(field, kept.parts, seal),
      size: size - kept.removed + field.length + (seal?.length ?? 0),
      target: verdict.action === "quarantined" ? "junk" : "inbox",
      row,
    };
  }

  /** The ARC set for `message` (this host's field on top) with the checks' `results`, or null. */
  async #seal(session: string, id: string, hostname: string, results: SenderAuthResults, message: readonly Buffer[]): Promise<Buffer | null> {
    // The field's value: the authserv-id and the results, as the ARC-Authentication-Results carries them (RFC 8617 §4.1.1).
    const authResults = results.field.slice(results.field.indexOf(":") + 1).trim();
    return arcSet(this.#store.db, this.#log, { message, hostname, authResults, cv: results.arc, id, session });
  }

  /** The domains among `domains` that are hosted here (relay domains are not: their mail is their own). */
  async #hostedClaims(domains: readonly string[]): Promise<string[]> {
    const claims: string[] = [];
    for (const d of new Set(domains)) if (d !== "" && (await isHostedDomain(this.#store.db, d))) claims.push(d);
    return claims;
  }

  #lookupFor(set: SenderCheckSettings): Lookup {
    const key = `${set.dns.servers.join(",")}/${set.dns.timeoutMs}`;
    if (this.#lookup?.key !== key) this.#lookup = { key, lookup: createLookup({ servers: set.dns.servers, timeoutMs: set.dns.timeoutMs, tries: 2 }) };
    return this.#lookup.lookup;
  }
}
