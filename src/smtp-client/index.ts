/**
 * The outbound SMTP client: one delivery attempt to one host, reported in full (RFC 5321,
 * RFC 3207 STARTTLS, RFC 1870 SIZE, RFC 2920 PIPELINING, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8).
 * TLS below 1.2, weak suites and failed certificate checks stop the attempt before MAIL.
 * `deliverAndKeep` keeps a clean session open for further transactions (RFC 5321 §3.3).
 */
export { deliver, deliverAndKeep } from "./deliver.ts";
export { SmtpSession } from "./session.ts";
export type {
  DeliveryRequest,
  DeliveryResult,
  TlsRequirement,
} from "./types.ts";
export { findNameMatch, type PresentedNames } from "./names.ts";

