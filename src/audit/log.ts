/**
 * The audit writer: TLS events (every handshake, accepted or refused, with what the client
 * offered), SMTP sessions and per-recipient outcomes, and the MX's sender checks. Writes ride on
 * the store's group commit, so auditing costs no fsync of its own.
 */
import type { Insertable, Transaction } from "kysely";
import type { Database, GroupCommitter } from "../store/index.ts";
import type { TlsEvent } from "../tls/index.ts";

type SmtpSessionRow = Insertable<Database["smtp_sessions"]>;
export type SmtpRecipientRow = Insertable<Database["smtp_recipients"]>;
export type LoginRow = Insertable<Database["logins"]>;
export type AuthResultRow = Insertable<Database["auth_results"]>;

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** A count of throttled attempts that one login-history row stands for (see throttle.ts). */
interface AttemptTally {
  readonly attempts: number;
}

/** The row written for a tally, and whether a write of its count is waiting for the next commit. */
interface TallyRow {
  id: number | null;
  queued: boolean;
}

export class AuditLog {
  readonly #committer: GroupCommitter;
  /** Keyed by the tally object: a row is forgotten with its tally (when its window ends). */
  readonly #tallyRows = new WeakMap<AttemptTally, TallyRow>();
  constructor(committer: GroupCommitter) {
    this.#committer = committer;
  }

  tlsEvent(ev: TlsEvent): void {
    this.#committer.audit((trx) =>
      trx
        .insertInto("tls_events")
        .values({
          time: ev.time,
          protocol: ev.protocol,
          port: ev.port,
          client_ip: ev.clientIp,
          mode: ev.mode,
          outcome: ev.outcome,
          reason: ev.reason,
          version: ev.version,
          cipher: ev.cipher,
          offered_versions: json(ev.hello?.offeredVersions),
          offered_max: ev.hello?.maxVersion ?? null,
          // The full suite list matters for refusals (what did the old device offer?); for the
          // successful majority it would only bloat the table.
          offered_suites: ev.outcome === "ok" ? null : json(ev.hello?.cipherSuites),
          weak_suites: json(ev.hello?.weakSuites),
          sni: ev.hello?.sni ?? null,
          alpn: json(ev.hello?.alpn),
          session_id: ev.session,
          legacy: ev.legacy === true ? 1 : 0,
        })
        .execute(),
    );
  }

  smtpSession(row: SmtpSessionRow): void {
    this.#committer.audit((trx) => trx.insertInto("smtp_sessions").values(row).execute());
  }

  smtpRecipient(row: SmtpRecipientRow): void {
    this.#committer.audit((trx) => trx.insertInto("smtp_recipients").values(row).execute());
  }

  /** One authentication attempt (principle 4: every login is history). */
  login(row: LoginRow): void {
    this.#committer.audit((trx) => trx.insertInto("logins").values(row).execute());
  }

  /**
   * Throttled attempts: the first of a tally inserts `row`, later ones update its `attempts`.
   * Writes ride on the group commit and read the count when they run, so a burst of refusals
   * costs one insert and at most one update per commit.
   */
  countedLogin(tally: AttemptTally, row: LoginRow): void {
    const known = this.#tallyRows.get(tally);
    if (known === undefined) {
      const state: TallyRow = { id: null, queued: true };
      this.#tallyRows.set(tally, state);
      this.#committer.audit(async (trx) => {
        state.queued = false;
        const inserted = await trx.insertInto("logins").values({ ...row, attempts: tally.attempts }).returning("id").executeTakeFirst();
        state.id = inserted?.id ?? null;
      });
      return;
    }
    if (known.queued) return;
    known.queued = true;
    this.#committer.audit(async (trx) => {
      known.queued = false;
      if (known.id !== null) await trx.updateTable("logins").set({ attempts: tally.attempts }).where("id", "=", known.id).execute();
    });
  }

  /** A message the MX's sender checks refused (accepted ones are recorded with their delivery: authResultIn). */
  authResult(row: AuthResultRow): void {
    this.#committer.audit((trx) => trx.insertInto("auth_results").values(row).execute());
  }

  /** The sender checks of an accepted message, inside its delivery's transaction. */
  async authResultIn(trx: Transaction<Database>, row: AuthResultRow): Promise<void> {
    await trx.insertInto("auth_results").values(row).execute();
  }

  /** Records delivered recipients inside the delivery's own transaction: they commit together. */
  async smtpRecipientsIn(trx: Transaction<Database>, rows: readonly SmtpRecipientRow[]): Promise<void> {
    if (rows.length > 0) await trx.insertInto("smtp_recipients").values([...rows]).execute();
  }
}
