/**
 * The outbound SMTP client: one delivery attempt to one host, reported in full (RFC 5321,
 * RFC 3207 STARTTLS, RFC 1870 SIZE, RFC 2920 PIPELINING, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8).
 * TLS below 1.2, weak suites and failed certificate checks stop the attempt before MAIL.
 * `deliverAndKeep` keeps a clean session open for further transactions (RFC 5321 §3.3).
 */
export { deliver, deliverAndKeep, resolveTimeouts } from "./deliver.ts";
export { SmtpSession, type TransactionOutcome } from "./session.ts";
export type {
  CertificateVerdict,
  DeliveryRequest,
  DeliveryResult,
  DeliveryTimeouts,
  RecipientResult,
  StartTlsMode,
  TlsRequirement,
  TlsSummary,
} from "./types.ts";
export { findNameMatch, nameMatches, type NameMatch, type PresentedNames } from "./names.ts";
export { cipherWeakness } from "./tls-check.ts";
