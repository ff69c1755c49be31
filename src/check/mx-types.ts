/**
 * `sealpost check --mx DOMAIN`: the JSON report (schema `sealpost-check-mx/1`, described in
 * mx-schema.ts). Each MX host carries the CheckReport of its own check. Field names are part of the
 * stable schema: add, never rename.
 */
import type { CheckReport, Finding, Verdict } from "./types.ts";
import type { CaaResult } from "./caa.ts";
import type { TlsaMatch } from "../dane/index.ts";
import type { TlsRptResult } from "../tls-rpt/index.ts";

export interface MxHostResult {
  /** Host name, lower case, no trailing dot. */
  host: string;
  preference: number;
  /** The domain itself, used because it has no MX records (RFC 5321 §5.1). */
  implicit: boolean;
  /** A and AAAA addresses (IPv4 first). */
  addresses: string[];
  /** The address checked (the first), or null when the host has none. */
  address: string | null;
  /** The host's own check; null when it has no address or its lookup failed. */
  report: CheckReport | null;
  /** Why the host could not be checked at all (no address, DNS failure), else null. */
  error: string | null;
  /** Whether the host matches the MTA-STS policy's mx patterns (RFC 8461 §4.1); null without a policy. */
  mtaStsMatch: boolean | null;
  dane: DaneResult;
  /** The CAA records that apply to the host name (RFC 8659): which CAs may issue its certificates. */
  caa: CaaResult;
}

export interface DaneResult {
  /** The TLSA name asked (`_25._tcp.HOST`, RFC 7672 §2.2.1). */
  name: string;
  /**
   * "not-validated": the resolver did not set AD, so nothing was evaluated; "none": validated, no
   * TLSA records; "valid": a usable record matches the certificate; "invalid": none does; "error":
   * the lookup or the certificate fetch failed.
   */
  status: "not-validated" | "none" | "valid" | "invalid" | "error";
  /** AD bit of the TLSA answer; null when no answer came. */
  authenticated: boolean | null;
  /** The records, each with whether it matches (null: not evaluated or unusable). */
  records: TlsaMatch[];
  detail: string;
}

export interface MtaStsResult {
  /** The `v=STSv1` TXT records at `_mta-sts.DOMAIN` (RFC 8461 §3.1). */
  records: string[];
  /** The record's id, when exactly one valid record was found. */
  id: string | null;
  /** A problem with the TXT records (several, or not valid), else null. */
  txtError: string | null;
  /** The policy file (§3.2), when fetched and valid. */
  policy: { mode: "enforce" | "testing" | "none"; mx: string[]; maxAge: number } | null;
  /** Why the policy could not be fetched or parsed (§3.3), else null. */
  fetchError: string | null;
}

export interface MxReport {
  schema: "sealpost-check-mx/1";
  domain: string;
  startedAt: string;
  durationMs: number;
  /** null when the domain was checked; otherwise why it could not be (exit status 2). */
  error: string | null;
  /** What the MX lookup found: MX hosts, the implicit MX, a null MX (RFC 7505), or nothing. */
  destination: "mx" | "implicit" | "null-mx" | "not-found" | null;
  hosts: MxHostResult[];
  mtaSts: MtaStsResult;
  tlsRpt: TlsRptResult;
  /** Findings about the domain (MX records, MTA-STS, TLS-RPT, DANE, unreachable hosts); each host's own are in its report. */
  findings: Finding[];
  /** Senders that require TLS 1.2 and a valid certificate: does their mail reach the domain? */
  verdict: Verdict;
}
