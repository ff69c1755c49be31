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
export { describeSuite, suiteName, suiteWeaknesses, isForbiddenSuite, opensslNameToCode } from "./cipher-suites.ts";
export { versionLabel, versionName, versionCode, compareVersions, type TlsVersionName } from "./versions.ts";
