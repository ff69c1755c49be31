/**
 * DANE for SMTP (RFC 7672, with RFC 6698 and RFC 7671): whether it applies to a delivery, from the
 * AD bit of trusted validating resolvers (lookup.ts), and the match of a server's certificate chain
 * against TLSA records (tlsa.ts). Standards code: callers pass the resolvers and the chain; the
 * checker and outbound delivery share it.
 */
export { DaneLookup, queryTlsa, type HostDane } from "./lookup.ts";
export { matchTlsa, presentedChain, usableTlsa, type TlsaMatch, type TlsaRecord } from "./tlsa.ts";
