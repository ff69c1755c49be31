// judgeFeatures: what the probes mean with the scan's versions — applicable or not, tested or not,
// and which fallback probe counts (testssl.sh's: the version below the highest under TLS 1.3).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ServerHello } from "../../tls/index.ts";
import { CheckError, type HelloOutcome } from "../probe/index.ts";
import { certInfo, versions } from "../../../test/support/check-targets.ts";
import type { TlsVersionName } from "../../tls/index.ts";
import { fallbackVersions } from "./hello-probes.ts";
import { judgeFeatures, type FeatureContext, type FeatureProbes } from "./judge.ts";

function serverHello(version: number, over: Partial<ServerHello> = {}): ServerHello {
  return { recordVersion: 0x0303, legacyVersion: version, version, versionName: undefined, cipherSuite: 0x002f, compressionMethod: 0, sessionId: Buffer.alloc(0), extensions: [], isHelloRetryRequest: false, keyShareGroup: undefined, alpn: undefined, ...over };
}

const failure = { kind: "alert" as const, name: "handshake_failure", description: 40 };

function probes(over: Partial<FeatureProbes> = {}): FeatureProbes {
  const flight = { kind: "flight" as const, flight: { kind: "flight" as const, hello: serverHello(0x0303), messages: [], end: null, alert: null, consumed: 0 } };
  return {
    renegotiation: { status: "refused", accepted: 0, evidence: "refused (no renegotiation)", protocol: "TLSv1.2" },
    resumption: { ids: true, tickets: false, evidence: { ids: "resumed", tickets: "no ticket" } },
    heartbeat: { outcome: flight, extension: false, heartbleed: "not-vulnerable", evidence: "" },
    fallback: null,
    dh: { outcome: failure, params: null, hello: null },
    curves: { accepted: [], last: { outcome: failure, params: null, hello: null } },
    ...over,
  };
}

function context(offered: TlsVersionName[], over: Partial<FeatureContext> = {}): FeatureContext {
  const renegotiationInfo = Object.fromEntries(offered.filter((v) => v !== "TLSv1.3").map((v) => [v, true]));
  return { protocols: versions(offered), renegotiationInfo, certificate: null, ocsp: null, ...over };
}

test("a TLS 1.3-only server: renegotiation, compression, fallback and resumption do not apply", () => {
  const unreachable = new CheckError("connect", "protocol_version");
  const x = judgeFeatures(probes({ renegotiation: { status: "not-tested", accepted: 0, evidence: "handshake failed", protocol: null }, heartbeat: { outcome: unreachable, extension: null, heartbleed: "not-tested", evidence: "" } }), context(["TLSv1.3"]));
  assert.deepEqual([x.renegotiation.secure, x.renegotiation.clientInitiated], [null, "not-applicable"]);
  assert.deepEqual([x.compression.offered, x.compression.detail], [null, "No version below TLS 1.3 is offered; TLS 1.3 has no compression (RFC 8446 §4.1.2)."]);
  assert.deepEqual([x.fallbackScsv.status, x.resumption.ids, x.resumption.tickets], ["not-applicable", null, null]);
  assert.equal(x.ocspStapling.stapled, null);
});

test("secure renegotiation is false when any version below TLS 1.3 lacks renegotiation_info, naming it", () => {
  const x = judgeFeatures(probes(), context(["TLSv1", "TLSv1.2"], { renegotiationInfo: { TLSv1: false, "TLSv1.2": true } }));
  assert.equal(x.renegotiation.secure, false);
  assert.match(x.renegotiation.detail, /^No secure renegotiation \(RFC 5746\) for TLS 1\.0:/);
});

test("fallback SCSV: the version one below the highest under TLS 1.3 is probed, and only a ServerHello of that version means no protection", () => {
  assert.deepEqual(fallbackVersions(versions(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"])), { high: "TLSv1.2", low: "TLSv1.1" });
  assert.deepEqual(fallbackVersions(versions(["SSLv3", "TLSv1", "TLSv1.2"])), { high: "TLSv1.2", low: "TLSv1" });
  assert.deepEqual(fallbackVersions(versions(["TLSv1.2", "TLSv1.3"])), { high: "TLSv1.2", low: null });
  assert.deepEqual(fallbackVersions(versions(["TLSv1.3"])), { high: null, low: null });
  const ctx = context(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
  const status = (o: HelloOutcome): string => judgeFeatures(probes({ fallback: { version: "TLSv1.1", outcome: o } }), ctx).fallbackScsv.status;
  assert.equal(status({ kind: "alert", name: "inappropriate_fallback" }), "supported");
  assert.equal(status({ kind: "alert", name: "handshake_failure" }), "handshake-failure");
  assert.equal(status({ kind: "server-hello", hello: serverHello(0x0302) }), "not-supported");
  assert.equal(status({ kind: "server-hello", hello: serverHello(0x0303) }), "not-tested");
  assert.equal(status({ kind: "timeout", ms: 5000 }), "not-tested");
  assert.equal(judgeFeatures(probes({ fallback: null }), ctx).fallbackScsv.status, "not-tested");
  // TLS 1.2 and 1.0 offered, 1.1 not: the TLS 1.0 probe counts.
  const gap = judgeFeatures(probes({ fallback: { version: "TLSv1", outcome: { kind: "server-hello", hello: serverHello(0x0301) } } }), context(["TLSv1", "TLSv1.2"]));
  assert.equal(gap.fallbackScsv.status, "not-supported");
  assert.match(gap.fallbackScsv.detail, /A TLS 1\.0 hello with TLS_FALLBACK_SCSV \(a client falling back from TLS 1\.2\)/);
});

test("key exchange: the DH group named by its prime, weak curves listed; OCSP stapling from the certificate handshake", () => {
  const ffdhe = Buffer.from("FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1".padEnd(512, "0"), "hex");
  const x = judgeFeatures(
    probes({
      dh: { outcome: failure, params: { kind: "dhe", prime: ffdhe, primeBits: 2048, generator: Buffer.from([2]) }, hello: serverHello(0x0303) },
      curves: { accepted: [19], last: { outcome: failure, params: null, hello: null } },
    }),
    context(["TLSv1.2"], { certificate: certInfo({ ocspUrls: ["http://ocsp.example/"] }) }),
  );
  assert.deepEqual([x.keyExchange.dhBits, x.keyExchange.dhGroup, x.keyExchange.weakCurves], [2048, "ffdhe2048 (RFC 7919)", [{ name: "secp192r1", bits: 192 }]]);
  assert.equal(x.resumption.detail, "By session ID: yes (resumed). By ticket: no (no ticket).");
  assert.deepEqual([x.ocspStapling.stapled, x.ocspStapling.detail], [false, "The server staples no OCSP response, although the certificate names an OCSP responder (http://ocsp.example/)."]);
});
