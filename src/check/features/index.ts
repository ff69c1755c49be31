/**
 * What testssl.sh's vulnerability scan tests for a mail server beyond versions and suites, from
 * probes that run beside the protocol scan and share its connection limit: client-initiated and
 * secure renegotiation (RFC 5746), TLS compression, the heartbeat extension and Heartbleed,
 * TLS_FALLBACK_SCSV (RFC 7507), session resumption by ID and ticket, the strength of DH groups and
 * ECDH curves, and OCSP stapling (read from the certificate handshake). judgeFeatures turns the
 * probes, with the scan's versions, into the report's `features`.
 */
import type { ProbePool } from "../probe/index.ts";
import type { CheckOptions, Target, VersionResult } from "../types.ts";
import { probeRenegotiation, probeResumption } from "./handshakes.ts";
import { probeCompressionAndHeartbeat, probeDhGroup, probeFallback, probeWeakCurves } from "./hello-probes.ts";
import type { FeatureProbes } from "./judge.ts";

export { judgeFeatures } from "./judge.ts";

/**
 * Every feature probe at once, through `pool`; the fallback probe once `versions` (the scan's
 * version probes) are known, as it depends on them. Rejects only on abort.
 */
export async function probeFeatures(target: Target, opts: CheckOptions, pool: ProbePool, versions: Promise<readonly VersionResult[]>): Promise<FeatureProbes> {
  const ctx = { target, opts, pool };
  const [renegotiation, resumption, heartbeat, fallback, dh, curves] = await Promise.all([
    probeRenegotiation(target, opts, pool),
    probeResumption(target, opts, pool),
    probeCompressionAndHeartbeat(ctx),
    probeFallback(ctx, versions),
    probeDhGroup(ctx),
    probeWeakCurves(ctx),
  ]);
  return { renegotiation, resumption, heartbeat, fallback, dh, curves };
}
