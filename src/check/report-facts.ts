/**
 * What the findings, the verdicts and the feature judgement read: the report before findings and
 * verdicts are added, and whether the scan found a version offered.
 */
import type { TlsVersionName } from "../tls/index.ts";
import type { CheckReport, VersionResult } from "./types.ts";

export type ReportFacts = Omit<CheckReport, "findings" | "verdicts">;

/** Whether the scan found `v` offered. */
export function offered(r: { protocols: readonly VersionResult[] }, v: TlsVersionName): boolean {
  return r.protocols.some((p) => p.version === v && p.offered);
}
