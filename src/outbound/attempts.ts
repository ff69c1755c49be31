/** The delivery attempt log: one row per connection, for `sealpost queue show` and `tls-report`. */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.ts";
import type { AttemptRecord } from "./deliver-job.ts";

export async function recordAttempts(trx: Transaction<Database>, queueId: string, domain: string, attempts: readonly AttemptRecord[]): Promise<void> {
  if (attempts.length === 0) return;
  await trx
    .insertInto("delivery_attempts")
    .values(
      attempts.map((a) => ({
        time: a.time,
        queue_id: queueId,
        domain,
        mx_host: a.mxHost,
        address: a.address,
        port: a.port,
        policy_level: a.policy.level,
        policy_source: a.policy.source,
        starttls_offered: a.starttlsOffered === null ? null : a.starttlsOffered ? 1 : 0,
        tls_version: a.tlsVersion,
        tls_cipher: a.tlsCipher,
        cert_verdict: a.certVerdict,
        outcome: a.outcome,
        recipients: a.recipients,
        reply: a.reply,
        problem: a.problem === null ? null : JSON.stringify(a.problem),
        session_id: a.session,
      })),
    )
    .execute();
}

/** Problems met before any connection: DNS had no host to try, or the TCP connect failed. */
const BEFORE_CONNECTING: ReadonlySet<string> = new Set(["connect", "dns", "no-such-domain", "null-mx", "mta-sts-mismatch", "dane-lookup"]);

/** Whether an attempt reached a server (attempts that never connected have no address, or failed to connect). */
export function attemptConnected(a: { address: string | null; problem: unknown }): boolean {
  const kind = (a.problem as { kind?: unknown } | null)?.kind;
  return a.address !== null && !(typeof kind === "string" && BEFORE_CONNECTING.has(kind));
}

/**
 * An attempt's TLS in one word for `queue show`, `queue log` and the tls-report: the version, "no
 * STARTTLS" when the server did not offer it, "plaintext" when the session went on without TLS,
 * and "no connection" when none was made (a DNS failure, a refused connection) — nothing was sent
 * in plaintext then.
 */
export function attemptTls(a: { address: string | null; problem: unknown; tlsVersion: string | null; starttlsOffered: boolean | null }): string {
  if (a.tlsVersion !== null) return a.tlsVersion;
  if (!attemptConnected(a)) return "no connection";
  return a.starttlsOffered === false ? "no STARTTLS" : "plaintext";
}

export interface AttemptRow {
  time: number;
  queueId: string;
  domain: string;
  mxHost: string | null;
  address: string | null;
  port: number | null;
  policyLevel: string;
  policySource: string;
  starttlsOffered: boolean | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  certVerdict: string | null;
  outcome: string;
  recipients: number;
  reply: string | null;
  problem: unknown;
  /** The connection's id, as in the server's log lines; null when no connection was made. */
  session: string | null;
  /** False when no connection was made (DNS failure, connect refused or timed out). */
  connected: boolean;
}

/** Attempts, oldest first: of one message, or since a time. */
export async function listAttempts(db: Kysely<Database>, filter: { queueId?: string; since?: number; domain?: string }): Promise<AttemptRow[]> {
  let q = db.selectFrom("delivery_attempts").selectAll();
  if (filter.queueId !== undefined) q = q.where("queue_id", "=", filter.queueId);
  if (filter.since !== undefined) q = q.where("time", ">=", filter.since);
  if (filter.domain !== undefined) q = q.where("domain", "=", filter.domain);
  const rows = await q.orderBy("id").execute();
  return rows.map((r) => {
    const problem = r.problem === null ? null : (JSON.parse(r.problem) as unknown);
    return {
      time: r.time,
      queueId: r.queue_id,
      domain: r.domain,
      mxHost: r.mx_host,
      address: r.address,
      port: r.port,
      policyLevel: r.policy_level,
      policySource: r.policy_source,
      starttlsOffered: r.starttls_offered === null ? null : r.starttls_offered === 1,
      tlsVersion: r.tls_version,
      tlsCipher: r.tls_cipher,
      certVerdict: r.cert_verdict,
      outcome: r.outcome,
      recipients: r.recipients,
      reply: r.reply,
      problem,
      session: r.session_id,
      connected: attemptConnected({ address: r.address, problem }),
    };
  });
}
