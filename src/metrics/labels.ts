/**
 * Label values: each metric label takes one of a small fixed set, so a client can never grow the
 * number of series (no addresses, no names, nothing a client chose verbatim).
 */

export const PROTOCOLS = ["smtp", "submission", "imap", "pop3", "web"] as const;
/** Versions a session or handshake can end on (the policy refuses anything older). */
export const SESSION_TLS_VERSIONS = ["TLSv1.2", "TLSv1.3", "none"] as const;
/** Versions a ClientHello can offer at most, as the hello parser names them. */
const OFFERED_VERSIONS = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "unknown"] as const;
export const LOGIN_RESULTS = ["ok", "failed", "throttled", "refused"] as const;
export const DELIVERY_OUTCOMES = ["delivered", "deferred", "bounced", "tls-fallback"] as const;
export const TLS_LEVELS = ["may", "encrypt", "verify", "verify-once"] as const;

/** `value` if it is one of `allowed`, else `other`. */
export function oneOf<T extends string>(allowed: readonly T[], value: string | null | undefined, other: T): T {
  return value !== null && value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : other;
}

export function protocolLabel(protocol: string): string {
  return oneOf<string>(PROTOCOLS, protocol, "other");
}

/** A negotiated version: TLSv1.2, TLSv1.3, none (no TLS), or other. */
export function tlsVersionLabel(version: string | null): string {
  return version === null ? "none" : oneOf<string>(["TLSv1.2", "TLSv1.3"], version, "other");
}

/** The highest version a refused ClientHello offered (`hello.maxVersion`). */
export function offeredVersionLabel(version: string | null | undefined): string {
  return oneOf<string>(OFFERED_VERSIONS, version, "unknown");
}
