/**
 * Why an outbound delivery failed, as structured data: the SMTP client and the queue runner
 * produce these, the attempt log stores them, and the bounce (DSN) turns them into plain words
 * (`explain`). Host names are the MX host tried; `reply` is the remote server's reply text as
 * received ("550 5.1.1 <x@y>: unknown user").
 */
export type CertificateProblem =
  | "expired" // notAfter in the past
  | "not-yet-valid" // notBefore in the future
  | "hostname" // no subjectAltName/CN matches the MX host (RFC 6125) or the MTA-STS patterns
  | "untrusted" // does not chain to a trusted root (incl. self-signed)
  | "weak-key" // RSA < 2048 bits, EC < 256 bits
  | "weak-signature" // MD5 or SHA-1 signed
  | "dane-mismatch" // matches none of the host's DNSSEC-validated TLSA records (DANE, RFC 7672 §3)
  | "other";

/** Why a REQUIRETLS message could not go to a host (RFC 8689 §4.2.1). */
export type RequireTlsReason = "mx-unauthenticated" | "not-offered" | "tls";

export type DeliveryProblem =
  /** TCP connect failed or timed out (`detail`: "connection refused", "timed out after 30 s"). */
  | { kind: "connect"; host: string; detail: string }
  /** The connection broke or a reply was malformed or late, mid-session. */
  | { kind: "protocol"; host: string; detail: string }
  /** TLS was required (encrypt, verify, verify-once, MTA-STS) but STARTTLS was not offered. */
  | { kind: "no-starttls"; host: string }
  /** The server negotiated (or offered at most) a version below TLS 1.2: `offered` is e.g. "TLS 1.0". */
  | { kind: "tls-version"; host: string; offered: string }
  /** The server would only use a weak cipher suite (`cipher`: IANA or OpenSSL name, `weakness`: "3DES", "RC4", "no forward secrecy" …). */
  | { kind: "weak-cipher"; host: string; cipher: string; weakness: string }
  /** The TLS handshake failed for another reason (`detail`: the alert or library error, secrets never included). */
  | { kind: "tls-handshake"; host: string; detail: string }
  /** The certificate failed verification (`detail`: "expired on 2026-01-01", "names mail.other.test only", "issued by Foo CA, which is not trusted"). */
  | { kind: "certificate"; host: string; problem: CertificateProblem; detail: string }
  /**
   * DANE (RFC 7672 §2.2): the MX host's DNSSEC status or TLSA records could not be looked up (a
   * validating resolver answers SERVFAIL for bogus data), so the host was not tried.
   */
  | { kind: "dane-lookup"; host: string; detail: string }
  /**
   * RFC 8689 §4.2.1: a message sent with REQUIRETLS was not passed on to `host`, the last host that
   * could have taken it: the domain's MX hosts could not be authenticated (neither a DNSSEC-signed
   * MX RRset nor an MTA-STS policy naming them: "mx-unauthenticated"), the host did not offer
   * REQUIRETLS after STARTTLS ("not-offered"), or TLS did not meet the conditions ("tls": no
   * STARTTLS, an unverified certificate …, the problem in `tls`).
   */
  | { kind: "requiretls"; host: string; reason: RequireTlsReason; tls: DeliveryProblem | null }
  /** The MX host is not among the names the domain's MTA-STS policy (mode enforce) allows. */
  | { kind: "mta-sts-mismatch"; host: string; patterns: string[] }
  /** The remote server answered with an error reply (temporary 4xx or permanent 5xx). */
  | { kind: "rejected"; host: string; reply: string; permanent: boolean }
  /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
  | { kind: "null-mx"; domain: string }
  /** The domain does not exist or has neither MX nor address records. */
  | { kind: "no-such-domain"; domain: string }
  /** DNS lookup failed temporarily (SERVFAIL, timeout). */
  | { kind: "dns"; domain: string; detail: string }
  /** The message stayed in the queue longer than the configured lifetime; `last` is the last attempt's problem. */
  | { kind: "expired"; lifetime: string; last: DeliveryProblem | null }
  /** An operator bounced it by hand (`sealpost queue bounce ID`). */
  | { kind: "operator" };
