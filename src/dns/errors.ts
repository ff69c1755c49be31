/**
 * DNS failures as outbound delivery needs them: a name or record that does not exist (a
 * permanent answer, RFC 2308 NXDOMAIN or NODATA) versus one that could not be obtained now
 * (SERVFAIL, REFUSED, timeout, network error: try again later, RFC 5321 §4.5.4.1).
 */

type DnsErrorKind = "not-found" | "temporary";

export class DnsError extends Error {
  readonly kind: DnsErrorKind;
  /** The name that was looked up. */
  readonly hostname: string;
  /** The record type asked for ("MX", "A", "AAAA", "TXT"). */
  readonly rrtype: string;
  /** node:dns's error code (ENOTFOUND, ESERVFAIL, ETIMEOUT…), when the error came from it. */
  readonly code: string | undefined;

  constructor(kind: DnsErrorKind, hostname: string, rrtype: string, code: string | undefined, message?: string) {
    super(message ?? `DNS ${rrtype} lookup for ${hostname} failed: ${code ?? kind}`);
    this.name = "DnsError";
    this.kind = kind;
    this.hostname = hostname;
    this.rrtype = rrtype;
    this.code = code;
  }
}

/** node:dns (c-ares) codes that mean "no such name or no such record": permanent answers. */
const NOT_FOUND_CODES = new Set([
  "ENOTFOUND", // NXDOMAIN
  "ENODATA", // NOERROR without records of the type (NODATA)
  "EBADNAME", // not a valid domain name: no query can ever succeed
]);

/** Turns any error from node:dns into a DnsError; every code not known to be permanent is temporary. */
export function toDnsError(err: unknown, hostname: string, rrtype: string): DnsError {
  if (err instanceof DnsError) return err;
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  const kind: DnsErrorKind = code !== undefined && NOT_FOUND_CODES.has(code) ? "not-found" : "temporary";
  return new DnsError(kind, hostname, rrtype, code);
}
