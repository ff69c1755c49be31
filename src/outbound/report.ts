/**
 * The outbound part of `sealpost tls-report`: per destination domain, what TLS its servers
 * offered and used, and what failed — the administrator's view of who cannot receive under a
 * stricter policy before switching it on.
 */
import type { Kysely } from "kysely";
import type { DeliveryProblem } from "../bounce/index.ts";
import type { Database } from "../store/index.ts";
import { attemptConnected, attemptTls } from "./attempts.ts";
import { problemLine } from "./problem-line.ts";

export interface OutboundDomainReport {
  domain: string;
  attempts: number;
  delivered: number;
  /** Connections made, per TLS version; "plaintext" for none, "no STARTTLS" when it was not offered. */
  tls: Record<string, number>;
  ciphers: string[];
  mxHosts: string[];
  levels: string[];
  /** Failures by kind, with the latest one in words. */
  problems: Array<{ kind: string; count: number; last: string }>;
  lastAttempt: string;
}

export async function outboundReport(db: Kysely<Database>, since: number): Promise<OutboundDomainReport[]> {
  const rows = await db.selectFrom("delivery_attempts").selectAll().where("time", ">=", since).orderBy("id").execute();
  const byDomain = new Map<string, OutboundDomainReport>();
  for (const r of rows) {
    let d = byDomain.get(r.domain);
    if (d === undefined) {
      d = { domain: r.domain, attempts: 0, delivered: 0, tls: {}, ciphers: [], mxHosts: [], levels: [], problems: [], lastAttempt: "" };
      byDomain.set(r.domain, d);
    }
    d.attempts++;
    if (r.outcome === "delivered") d.delivered++;
    const problem = r.problem === null ? null : (JSON.parse(r.problem) as DeliveryProblem);
    const attempt = { address: r.address, problem, tlsVersion: r.tls_version, starttlsOffered: r.starttls_offered === null ? null : r.starttls_offered === 1 };
    if (attemptConnected(attempt)) {
      const tls = attemptTls(attempt);
      d.tls[tls] = (d.tls[tls] ?? 0) + 1;
    }
    if (r.mx_host !== null) addOnce(d.mxHosts, r.mx_host);
    if (r.tls_cipher !== null) addOnce(d.ciphers, r.tls_cipher);
    addOnce(d.levels, `${r.policy_level} (${r.policy_source})`);
    if (problem !== null) {
      const p = problem;
      const entry = d.problems.find((x) => x.kind === p.kind);
      if (entry === undefined) d.problems.push({ kind: p.kind, count: 1, last: problemLine(p) });
      else {
        entry.count++;
        entry.last = problemLine(p);
      }
    }
    d.lastAttempt = new Date(r.time).toISOString();
  }
  return [...byDomain.values()].sort((a, b) => a.domain.localeCompare(b.domain));
}

function addOnce(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}
