/**
 * The domain's published transport policies, as `check --mx` reports them: MTA-STS (RFC 8461: the
 * `_mta-sts` TXT record, the HTTPS policy file and whether each MX matches it) and TLS-RPT
 * (RFC 8460: the `_smtp._tls` TXT record and its rua list).
 */
import type { Resolver } from "../dns/index.ts";
import { fetchPolicy, mxAllowed, selectTxtRecord } from "../mta-sts/index.ts";
import { parseTlsRpt, tlsRptName, type TlsRptResult } from "../tls-rpt/index.ts";
import type { MtaStsResult } from "./mx-types.ts";
import type { Finding } from "./types.ts";

/** RFC 8461 §3.2 suggests weeks; a day is the floor below which the policy barely protects. */
const SHORT_MAX_AGE = 86_400;

export async function lookupMtaSts(
  domain: string,
  opts: { resolver: Resolver; port: number; ca: readonly string[]; timeoutMs: number },
): Promise<MtaStsResult> {
  const result: MtaStsResult = { records: [], id: null, txtError: null, policy: null, fetchError: null };
  let txt: string[];
  try {
    txt = await opts.resolver.txt(`_mta-sts.${domain}`);
  } catch (e) {
    result.txtError = e instanceof Error ? e.message : String(e);
    return result;
  }
  result.records = txt.filter((r) => /^v=STSv1/.test(r));
  const selected = selectTxtRecord(txt);
  if (selected === null) return result;
  if ("error" in selected) {
    result.txtError = selected.error;
    return result;
  }
  result.id = selected.id;
  const fetched = await fetchPolicy(domain, { resolver: opts.resolver, port: opts.port, ca: opts.ca, timeoutMs: opts.timeoutMs });
  if (fetched.ok) result.policy = { mode: fetched.policy.mode, mx: fetched.policy.mx, maxAge: fetched.policy.maxAge };
  else result.fetchError = fetched.error;
  return result;
}

/** Whether `host` matches the policy (null when there is no policy to match). */
export function mtaStsMatch(sts: MtaStsResult, host: string): boolean | null {
  return sts.policy === null || sts.policy.mode === "none" ? null : mxAllowed(sts.policy, host);
}

export function mtaStsFindings(domain: string, sts: MtaStsResult, hosts: readonly string[]): Finding[] {
  const out: Finding[] = [];
  if (sts.records.length === 0 && sts.txtError === null) {
    out.push({
      id: "mta-sts-missing",
      severity: "low",
      title: "No MTA-STS policy",
      detail: `${domain} publishes no _mta-sts TXT record (RFC 8461), so senders cannot learn that it requires TLS with a valid certificate; an attacker on the path can strip STARTTLS unnoticed. Publish a policy (mode testing first, then enforce).`,
    });
    return out;
  }
  if (sts.txtError !== null) {
    out.push({ id: "mta-sts-txt-invalid", severity: "medium", title: "MTA-STS TXT record unusable", detail: `_mta-sts.${domain}: ${sts.txtError}. Senders treat the domain as having no MTA-STS policy (RFC 8461 §3.1).` });
    return out;
  }
  if (sts.fetchError !== null || sts.policy === null) {
    out.push({
      id: "mta-sts-fetch-failed",
      severity: "medium",
      title: "MTA-STS policy could not be fetched",
      detail: `_mta-sts.${domain} announces a policy (id ${sts.id ?? "?"}), but https://mta-sts.${domain}/.well-known/mta-sts.txt failed: ${sts.fetchError ?? "no policy"}. New senders apply no policy; senders with a cached one keep it until it expires (RFC 8461 §3.3, §5.1).`,
    });
    return out;
  }
  const policy = sts.policy;
  if (policy.mode === "testing") out.push({ id: "mta-sts-testing", severity: "info", title: "MTA-STS in testing mode", detail: "Senders report failures (TLS-RPT) but still deliver; switch to enforce once the reports are clean." });
  if (policy.mode === "none") out.push({ id: "mta-sts-none", severity: "info", title: "MTA-STS mode none", detail: "The policy is withdrawn (RFC 8461 §8.3): senders apply no MTA-STS." });
  if (policy.mode !== "none" && policy.maxAge < SHORT_MAX_AGE) {
    out.push({ id: "mta-sts-short-max-age", severity: "low", title: `MTA-STS max_age ${policy.maxAge} s is short`, detail: "A policy cached for less than a day protects little against an attacker who blocks the policy fetch; RFC 8461 §3.2 suggests weeks." });
  }
  if (policy.mode !== "none") {
    for (const host of hosts) {
      if (mxAllowed(policy, host)) continue;
      const enforce = policy.mode === "enforce";
      out.push({
        id: "mta-sts-mx-mismatch",
        severity: enforce ? "high" : "medium",
        title: `MX ${host} is not in the MTA-STS policy`,
        detail: `The policy's mx patterns (${policy.mx.join(", ")}) do not match ${host} (RFC 8461 §4.1)${enforce ? ": senders that apply MTA-STS will not deliver to it" : ": in enforce mode senders would not deliver to it"}. Add it to the policy or remove the MX record.`,
      });
    }
  }
  return out;
}

/** RFC 8460 §3, read as the tls-rpt room reads it for our own reports. */
export { parseTlsRpt };

export async function lookupTlsRpt(domain: string, resolver: Resolver): Promise<TlsRptResult> {
  try {
    return parseTlsRpt(await resolver.txt(tlsRptName(domain)));
  } catch (e) {
    return { records: [], rua: [], error: e instanceof Error ? e.message : String(e) };
  }
}

export function tlsRptFindings(domain: string, rpt: TlsRptResult): Finding[] {
  if (rpt.error !== null) {
    return [{ id: "tlsrpt-invalid", severity: "low", title: "TLS-RPT record unusable", detail: `_smtp._tls.${domain}: ${rpt.error}. Senders send no TLS reports (RFC 8460 §3).` }];
  }
  if (rpt.records.length === 0) {
    return [{ id: "tlsrpt-missing", severity: "info", title: "No TLS-RPT record", detail: `${domain} publishes no _smtp._tls TXT record (RFC 8460), so senders cannot report failed TLS connections to it. Publish "v=TLSRPTv1; rua=mailto:tls-reports@${domain}".` }];
  }
  return [];
}
