/**
 * The TLS layer every listener shares: policy (versions, suites), certificates (load, generate,
 * SNI, reload), ClientHello parsing and building, and the transport that captures the hello,
 * applies the policy and records the outcome for implicit TLS and STARTTLS alike.
 */
export { TlsTransport, normalizeIp, type TlsEvent, type TlsInfo } from "./transport.ts";
export { Connection } from "./connection.ts";
export {
  effectivePolicy,
  legacyPolicy,
  type EffectivePolicy,
} from "./policy.ts";
export {
  CertificateStore,
  generateSelfSigned,
  generateCa,
  writeCertificateFiles,
  writeFileAtomic,
  certificateSummary,
  certificateDaysLeft,
  CERTIFICATE_WARN_DAYS,
  type TlsContextPolicy,
  type PemPair,
  type CertificateSpec,
} from "./certificates.ts";
export {
  parseClientHello,
  buildAlert,
  type ClientHello,
} from "./client-hello.ts";
export { certificateNames, revocationUrls } from "./certificate-der.ts";
export { describeSuite, suiteName, suiteWeaknesses, opensslNameToCode } from "./cipher-suites.ts";
export { versionLabel, versionName, versionCode, type TlsVersionName } from "./versions.ts";
// What the checker (src/check) builds its probes from: the same hello code the transport parses with.
export {
  allSuites,
  allSslv2Specs,
  describeSslv2Spec,
  sslv2SpecName,
  sslv2SpecWeaknesses,
  TLS_FALLBACK_SCSV,
  type Weakness,
} from "./cipher-suites.ts";
export {
  buildClientHello,
  buildSslv2ClientHello,
  PROBE_EXT,
  HEARTBEAT_PEER_ALLOWED_TO_SEND,
  COMPRESSION_DEFLATE,
  type ClientHelloOptions,
} from "./hello-builder.ts";
export {
  parseServerHello,
  parseSslv2ServerHello,
  parseServerFlight,
  parseKeyExchangeParams,
  parseRecord,
  SERVER_HANDSHAKE_TYPE,
  type ServerHello,
  type ServerFlightParse,
  type KeyExchangeParams,
} from "./server-hello.ts";

export { ALL_VERSIONS } from "./versions.ts";
