/**
 * The features' probes, read together with the protocol scan (which versions are offered, and
 * whether each ServerHello below TLS 1.3 carried renegotiation_info) and the certificate
 * handshake (the stapled OCSP response): the `features` of the report, each with a detail in
 * plain words. "Not applicable" and "not tested" are told apart: a probe for something TLS 1.3
 * does not have says nothing against a TLS 1.3-only server.
 */
import { describeSuite, versionCode, versionLabel, type TlsVersionName } from "../../tls/index.ts";
import { offered } from "../report-facts.ts";
import { describeFlightOutcome, describeOutcome, type HelloOutcome } from "../probe/index.ts";
import type { CertificateInfo, TlsFeatures, VersionResult } from "../types.ts";
import type { RenegotiationProbe, ResumptionProbe } from "./handshakes.ts";
import { fallbackVersions, WEAK_CURVES, type FallbackProbe, type HeartbeatProbe, type KeyExchangeProbe, type WeakCurvesProbe } from "./hello-probes.ts";
import { parseStapledResponse } from "./ocsp.ts";

export interface FeatureProbes {
  renegotiation: RenegotiationProbe;
  resumption: ResumptionProbe;
  /** The compression and heartbeat hello (its outcome tells the compression method). */
  heartbeat: HeartbeatProbe;
  /** null: no fallback to test (nothing offered below the highest version under TLS 1.3). */
  fallback: FallbackProbe | null;
  dh: KeyExchangeProbe;
  curves: WeakCurvesProbe;
}

export interface FeatureContext {
  protocols: readonly VersionResult[];
  /** From the scan: per version below TLS 1.3, whether its ServerHello carried renegotiation_info. */
  renegotiationInfo: Partial<Record<TlsVersionName, boolean>>;
  /** The certificate handshake: null when it failed. */
  certificate: CertificateInfo | null;
  /** The OCSP response stapled to it (null: none). */
  ocsp: Buffer | null;
}

const TLS_BELOW_13 = ["TLSv1.2", "TLSv1.1", "TLSv1"] as const;
const ALL_BELOW_13 = [...TLS_BELOW_13, "SSLv3"] as const;

/** A hello probe's outcome in words ("handshake_failure alert", "cannot connect to …"). */
function answer(o: HelloOutcome): string {
  return o.kind === "unreachable" ? o.error.message : describeOutcome(o);
}

function list(labels: readonly string[]): string {
  return labels.length <= 1 ? (labels[0] ?? "") : `${labels.slice(0, -1).join(", ")} and ${labels.at(-1) ?? ""}`;
}

function renegotiation(p: FeatureProbes, c: FeatureContext): TlsFeatures["renegotiation"] {
  const seen = Object.entries(c.renegotiationInfo) as Array<[TlsVersionName, boolean]>;
  const without = seen.filter(([, ri]) => !ri).map(([v]) => versionLabel(v));
  const secure = seen.length === 0 ? null : without.length === 0;
  const secureText =
    secure === null
      ? "No version below TLS 1.3 is offered, and TLS 1.3 has no renegotiation."
      : secure
        ? `Secure renegotiation (RFC 5746) is signalled for ${list(seen.map(([v]) => versionLabel(v)))}.`
        : `No secure renegotiation (RFC 5746) for ${list(without)}: the ServerHello does not answer our renegotiation_info.`;
  const base = { secure, accepted: p.renegotiation.accepted };
  const r = p.renegotiation;
  if (!TLS_BELOW_13.some((v) => offered(c, v))) {
    const why = offered(c, "SSLv3") ? "it was not tested: the server offers SSL 3.0 but no TLS 1.0–1.2" : "it does not apply";
    return { ...base, clientInitiated: offered(c, "SSLv3") ? "not-tested" : "not-applicable", detail: `${secureText} Client-initiated renegotiation: ${why}.` };
  }
  const on = r.protocol !== null ? ` on one ${versionLabel(r.protocol as TlsVersionName)} connection` : "";
  const client: Record<RenegotiationProbe["status"], string> = {
    refused: `Client-initiated renegotiation is refused${on}: ${r.evidence}.`,
    limited: `Client-initiated renegotiation: the server did ${r.accepted}${on}, then stopped: ${r.evidence}.`,
    unlimited: `Client-initiated renegotiation: the server did all ${r.accepted} asked for${on}, with no sign of a limit.`,
    "not-tested": `Client-initiated renegotiation was not tested: the TLS 1.0–1.2 handshake failed (${r.evidence}).`,
  };
  return { ...base, clientInitiated: r.status, detail: `${secureText} ${client[r.status]}` };
}

function notBelow13(c: FeatureContext): boolean {
  return !ALL_BELOW_13.some((v) => offered(c, v));
}

function compression(p: FeatureProbes, c: FeatureContext): TlsFeatures["compression"] {
  const o = p.heartbeat.outcome;
  if (!(o instanceof Error) && o.kind === "flight") {
    const m = o.flight.hello.compressionMethod;
    return m === 0
      ? { offered: false, detail: "The server chose no compression, though DEFLATE was offered." }
      : { offered: true, detail: `The server chose TLS compression (method ${m}${m === 1 ? ", DEFLATE" : ""}).` };
  }
  if (notBelow13(c)) return { offered: null, detail: "No version below TLS 1.3 is offered; TLS 1.3 has no compression (RFC 8446 §4.1.2)." };
  return { offered: null, detail: `Not tested: ${describeFlightOutcome(o)}.` };
}

function heartbeat(p: FeatureProbes, c: FeatureContext): TlsFeatures["heartbeat"] {
  const h = p.heartbeat;
  if (h.extension === null) {
    const detail = notBelow13(c) ? "No version below TLS 1.3 is offered." : `Not tested: ${describeFlightOutcome(h.outcome)}.`;
    return { extension: null, heartbleed: "not-tested", detail };
  }
  if (!h.extension) return { extension: false, heartbleed: "not-vulnerable", detail: "The server does not offer the heartbeat extension." };
  const leak =
    h.heartbleed === "vulnerable"
      ? `A malformed heartbeat request got ${h.evidence}: the server leaks its memory (Heartbleed).`
      : h.heartbleed === "not-vulnerable"
        ? `A malformed heartbeat request got no answer: ${h.evidence}.`
        : `Heartbleed was not tested: ${h.evidence}.`;
  return { extension: true, heartbleed: h.heartbleed, detail: `The server offers the heartbeat extension (RFC 6520). ${leak}` };
}

/** RFC 7507 as testssl.sh tests it: from the highest version below TLS 1.3 to the next one offered. */
function fallbackScsv(p: FeatureProbes, c: FeatureContext): TlsFeatures["fallbackScsv"] {
  const { high, low } = fallbackVersions(c.protocols);
  if (high === null) {
    return { status: offered(c, "TLSv1.3") ? "not-applicable" : "not-tested", detail: offered(c, "TLSv1.3") ? "Only TLS 1.3 is offered: there is nothing to fall back to." : "No TLS version was found." };
  }
  if (low === null) return { status: "not-applicable", detail: `No version below ${versionLabel(high)} is offered, so there is nothing to fall back to.` };
  const how = `A ${versionLabel(low)} hello with TLS_FALLBACK_SCSV (a client falling back from ${versionLabel(high)})`;
  const o = p.fallback?.version === low ? p.fallback.outcome : null;
  if (o === null) return { status: "not-tested", detail: `${how} was not sent.` };
  if (o.kind === "server-hello" && o.hello.version === versionCode(low)) return { status: "not-supported", detail: `${how} was accepted: the server does not stop downgrades (RFC 7507).` };
  if (o.kind === "alert" && o.name === "inappropriate_fallback") return { status: "supported", detail: `${how} was refused with inappropriate_fallback, as RFC 7507 §3 says.` };
  if (o.kind === "alert" && o.name === "handshake_failure") return { status: "handshake-failure", detail: `${how} was refused, but with handshake_failure instead of inappropriate_fallback (RFC 7507 §3).` };
  return { status: "not-tested", detail: `${how} got no usable answer: ${answer(o)}.` };
}

function resumption(p: FeatureProbes, c: FeatureContext): TlsFeatures["resumption"] {
  if (!TLS_BELOW_13.some((v) => offered(c, v))) return { ids: null, tickets: null, detail: "Not tested: the probe resumes over TLS 1.0–1.2, and none of them is offered." };
  const r = p.resumption;
  const word = (v: boolean | null): string => (v === null ? "not tested" : v ? "yes" : "no");
  return { ids: r.ids, tickets: r.tickets, detail: `By session ID: ${word(r.ids)} (${r.evidence.ids}). By ticket: ${word(r.tickets)} (${r.evidence.tickets}).` };
}

/** The well-known group a DH prime belongs to, by its leading bits (RFC 7919 App. A, RFC 3526/2409 MODP). */
function dhGroupName(prime: Buffer, bits: number): string | null {
  const hex = prime.toString("hex").replace(/^(00)+/, "").toUpperCase();
  if (hex.startsWith("FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1")) return `ffdhe${bits} (RFC 7919)`;
  if (hex.startsWith("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1")) return `MODP ${bits} (RFC ${bits <= 1024 ? "2409" : "3526"})`;
  return null;
}

function keyExchange(p: FeatureProbes, c: FeatureContext): TlsFeatures["keyExchange"] {
  const params = p.dh.params;
  const dhBits = params?.kind === "dhe" ? params.primeBits : null;
  const dhGroup = params?.kind === "dhe" ? dhGroupName(params.prime, params.primeBits) : null;
  const weakCurves = p.curves.accepted.flatMap((code) => {
    const curve = WEAK_CURVES.get(code);
    return curve !== undefined ? [curve] : [];
  });
  let dhText: string;
  if (dhBits !== null) dhText = `DHE suites use a ${dhBits}-bit group${dhGroup !== null ? ` (${dhGroup})` : " (not a published one)"}.`;
  else if (notBelow13(c)) dhText = "No version below TLS 1.3 is offered.";
  else if (p.dh.outcome instanceof Error || p.dh.outcome.kind === "timeout" || p.dh.outcome.kind === "invalid") dhText = `The DH group was not tested: ${describeFlightOutcome(p.dh.outcome)}.`;
  else if (p.dh.hello !== null) dhText = `No DHE suite accepted (the server chose ${describeSuite(p.dh.hello.cipherSuite)?.iana ?? "another suite"}).`;
  else dhText = "No DHE suite accepted.";
  const curveText =
    weakCurves.length > 0
      ? `Curves of 224 bits or less accepted for ECDHE: ${weakCurves.map((w) => `${w.name} (${w.bits} bits)`).join(", ")}.`
      : notBelow13(c)
        ? ""
        : "No curve of 224 bits or less is accepted for ECDHE.";
  return { dhBits, dhGroup, weakCurves, detail: `${dhText} ${curveText}`.trim() };
}

function ocspStapling(c: FeatureContext): TlsFeatures["ocspStapling"] {
  if (c.certificate === null) return { stapled: null, responseStatus: null, certStatus: null, detail: "Not tested: the certificate handshake failed." };
  const responder = c.certificate.ocspUrls[0];
  if (c.ocsp === null || c.ocsp.length === 0) {
    const why = responder !== undefined ? `, although the certificate names an OCSP responder (${responder})` : "; the certificate names no OCSP responder";
    return { stapled: false, responseStatus: null, certStatus: null, detail: `The server staples no OCSP response${why}.` };
  }
  const r = parseStapledResponse(c.ocsp);
  if (r === null) return { stapled: true, responseStatus: null, certStatus: null, detail: "The server staples an OCSP response that is not valid DER." };
  const status = r.certStatus !== null ? `; certificate status ${r.certStatus}` : "";
  const next = r.nextUpdate !== null ? `; next update ${r.nextUpdate}` : "";
  return { stapled: true, responseStatus: r.responseStatus, certStatus: r.certStatus, detail: `The server staples an OCSP response: ${r.responseStatus}${status}${next}.` };
}

export function judgeFeatures(p: FeatureProbes, c: FeatureContext): TlsFeatures {
  return {
    renegotiation: renegotiation(p, c),
    compression: compression(p, c),
    heartbeat: heartbeat(p, c),
    fallbackScsv: fallbackScsv(p, c),
    resumption: resumption(p, c),
    keyExchange: keyExchange(p, c),
    ocspStapling: ocspStapling(c),
  };
}
