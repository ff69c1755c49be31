/**
 * The TLS layer every listener shares: policy (versions, suites), certificates (load, generate,
 * SNI, reload), ClientHello parsing and building, and the transport that captures the hello,
 * applies the policy and records the outcome for implicit TLS and STARTTLS alike.
 */
export { TlsTransport, normalizeIp, type TlsEvent, type TlsInfo, type TlsEndpoint, type TlsAcceptResult } from "./transport.ts";
export { Connection, type ConnectionHandlers } from "./connection.ts";
export {
  effectivePolicy,
  evaluateHello,
  TlsPolicyError,
  type EffectivePolicy,
  type TlsPolicyConfig,
  type HelloVerdict,
} from "./policy.ts";
export {
  CertificateStore,
  generateSelfSigned,
  generateCa,
  writeCertificateFiles,
  certificateSummary,
  certificateDaysLeft,
  type CertificateDescription,
  type CertificateSummary,
  type TlsContextPolicy,
  type CertificateSpec,
  type PemPair,
} from "./certificates.ts";
export {
  parseClientHello,
  offeredVersions,
  maxOfferedVersion,
  summarizeHello,
  buildAlert,
  parseAlert,
  type ClientHello,
  type HelloParse,
  type HelloSummary,
} from "./client-hello.ts";
export { certificateNames, revocationUrls, CertificateDerError, type CertificateNames, type RevocationUrls } from "./certificate-der.ts";
export { describeSuite, suiteName, suiteWeaknesses, isForbiddenSuite, opensslNameToCode } from "./cipher-suites.ts";
export { versionLabel, versionName, versionCode, compareVersions, type TlsVersionName } from "./versions.ts";
// What the checker (src/check) builds its probes from: the same hello code the transport parses with.
export {
  allSuites,
  isGrease,
  allSslv2Specs,
  describeSslv2Spec,
  sslv2SpecName,
  sslv2SpecWeaknesses,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  type CipherSuiteInfo,
  type Weakness,
  type Sslv2CipherSpecInfo,
} from "./cipher-suites.ts";
export {
  buildClientHello,
  buildSslv2ClientHello,
  toRecords,
  GROUP,
  DEFAULT_GROUPS,
  DEFAULT_SIG_ALGS,
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
  HELLO_RETRY_REQUEST_RANDOM,
  SERVER_HANDSHAKE_TYPE,
  type ServerHello,
  type ServerHelloParse,
  type Sslv2ServerParse,
  type ServerFlightParse,
  type HandshakeMessage,
  type FlightAlert,
  type KeyExchangeParams,
  type RecordParse,
} from "./server-hello.ts";
export { AlertDescription, AlertLevel, alertName, type AlertParse } from "./alerts.ts";
export { ALL_VERSIONS, isTlsVersionName } from "./versions.ts";
