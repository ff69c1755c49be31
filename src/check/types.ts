/**
 * `sealpost check`: the shapes every part of the checker shares — the target, the protocol scan
 * (versions and suites found with hand-built hellos), the certificate, STARTTLS, findings and the
 * plain-words verdicts — and the JSON report (`--json`, schema `sealpost-check/1`, described in
 * schema.ts). Field names are part of the stable schema: add, never rename.
 */
import type { TlsVersionName, Weakness } from "../tls/index.ts";

/** How the TLS session is reached: STARTTLS in a mail protocol, or implicit TLS ("tls"). */
export type StartTlsProtocol = "smtp" | "imap" | "pop3";
export type Access = StartTlsProtocol | "tls";

export interface Target {
  /** As given (host name or address literal), for display. */
  host: string;
  port: number;
  /** The address connected to. */
  address: string;
  /** SNI sent and the name the certificate must match; null when the target is an address and no --servername was given. */
  servername: string | null;
  access: Access;
}

export interface CheckOptions {
  /** Per network step (connect, each reply, each handshake), ms. */
  timeoutMs: number;
  /** Probe connections open at once. */
  concurrency: number;
  /** Extra trust anchors (PEM), besides Node's root store. */
  ca: readonly string[];
  /** Names the certificate must (also) match, e.g. the MX host names that point at this target (RFC 6125). */
  extraNames?: readonly string[];
  signal?: AbortSignal;
  /** Progress for people on a terminal: called as probes finish. */
  onProgress?: (done: number, total: number, what: string) => void;
  now?: () => Date;
  /**
   * Implicit TLS that finds no TLS on a port that greets in plaintext (SMTP, IMAP, POP3): check it
   * again through that protocol's STARTTLS, with an info finding saying so. The CLI sets it
   * unless --starttls was given.
   */
  startTlsIfGreeted?: boolean;
}

/** One protocol version: offered or not, as found by a hello offering only that version. */
export interface VersionResult {
  version: TlsVersionName;
  offered: boolean;
  /** What the probe saw, in words ("ServerHello TLS 1.2", "handshake_failure alert", "connection closed"). */
  evidence: string;
}

export interface SuiteResult {
  /** IANA code point (for SSLv2, the 3-byte cipher spec). */
  code: number;
  /** IANA name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"; SSLv2: "SSL_CK_RC4_128_WITH_MD5"). */
  name: string;
  /** OpenSSL's name where it has one. */
  openssl: string | null;
  weaknesses: Weakness[];
}

export interface CipherList {
  version: TlsVersionName;
  /** Accepted suites: in the server's preference order when it has one, else in our table's order. */
  suites: SuiteResult[];
  /** true: the server chooses by its own order; false: it follows the client's; null: could not tell (fewer than two suites). */
  serverOrder: boolean | null;
}

export interface ProtocolScan {
  versions: VersionResult[];
  ciphers: CipherList[];
  /** Connections the scan made. */
  probes: number;
  /** Probes that got no answer (timeout, refused or dropped connection): the lists above may miss something. */
  gaps: string[];
  /**
   * Per version below TLS 1.3 that was offered: whether its ServerHello carried renegotiation_info
   * in answer to ours (RFC 5746 §3.6). Not part of the report; the features read it.
   */
  renegotiationInfo: Partial<Record<TlsVersionName, boolean>>;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** subjectAltName DNS names and IP addresses. */
  names: string[];
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter (negative: expired that many days ago). */
  daysLeft: number;
  selfSigned: boolean;
  keyType: string;
  keyBits: number | null;
  signatureAlgorithm: string;
  /** The chain as sent, leaf first: subject and issuer of each. */
  chain: Array<{ subject: string; issuer: string }>;
  /** Chains to a root in Node's store or --ca. */
  trusted: boolean;
  /** OpenSSL's verdict when not trusted ("CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT" …). */
  verifyError: string | null;
  /** Each name the certificate was checked against (RFC 6125) and whether it matched. */
  nameChecks: Array<{ name: string; matches: boolean }>;
  /** CRL distribution point URLs (RFC 5280 §4.2.1.13). */
  crlUrls: string[];
  /** OCSP responder URLs from the authority information access extension (RFC 5280 §4.2.2.1). */
  ocspUrls: string[];
}

/**
 * What testssl.sh's vulnerability scan tests besides versions and suites, from probes run beside
 * the scan (features/): renegotiation, compression, heartbeat, TLS_FALLBACK_SCSV, session
 * resumption, key exchange groups and OCSP stapling. "not-tested" and null mean the probe got no
 * usable answer; the detail says why.
 */
export interface TlsFeatures {
  renegotiation: {
    /**
     * RFC 5746 §3.6: the server answers our renegotiation_info with its own in every ServerHello
     * below TLS 1.3. null: no version below TLS 1.3 offered (TLS 1.3 has no renegotiation).
     */
    secure: boolean | null;
    /**
     * Client-initiated renegotiation on one connection (TLS 1.2 or lower): "refused"; "limited"
     * (refused after `accepted` renegotiations, as Node.js does after 3); "unlimited" (every
     * renegotiation the probe asked for was done); "not-applicable" (no version below TLS 1.3);
     * "not-tested" (the handshake failed).
     */
    clientInitiated: "refused" | "limited" | "unlimited" | "not-applicable" | "not-tested";
    /** Renegotiations the server completed on the probe's connection. */
    accepted: number;
    detail: string;
  };
  /** TLS compression (RFC 3749; CRIME, CVE-2012-4929): the server chose DEFLATE. null: not tested. */
  compression: { offered: boolean | null; detail: string };
  /** The heartbeat extension (RFC 6520) and whether it leaks memory (Heartbleed, CVE-2014-0160). */
  heartbeat: { extension: boolean | null; heartbleed: "vulnerable" | "not-vulnerable" | "not-tested"; detail: string };
  /**
   * TLS_FALLBACK_SCSV (RFC 7507), as testssl.sh tests it: a hello for the next version below the
   * highest one under TLS 1.3, with the SCSV. "handshake-failure": refused with the wrong alert.
   */
  fallbackScsv: { status: "supported" | "not-supported" | "handshake-failure" | "not-applicable" | "not-tested"; detail: string };
  /** Session resumption by session ID (RFC 5246 §7.4.1.2) and by ticket (RFC 5077), over TLS 1.2 or lower. null: not tested. */
  resumption: { ids: boolean | null; tickets: boolean | null; detail: string };
  /**
   * Key exchange groups below TLS 1.3: the finite-field group of the DHE suites (RFC 5246
   * §7.4.3; null: no DHE suite accepted) and elliptic curves of 224 bits or less accepted for
   * ECDHE (RFC 8422 §5.1.1).
   */
  keyExchange: { dhBits: number | null; dhGroup: string | null; weakCurves: Array<{ name: string; bits: number }>; detail: string };
  /** OCSP stapling (RFC 6066 §8, RFC 6960) on the certificate handshake. null: the handshake failed. */
  ocspStapling: { stapled: boolean | null; responseStatus: string | null; certStatus: "good" | "revoked" | "unknown" | null; detail: string };
}

export interface StartTlsInfo {
  protocol: StartTlsProtocol;
  offered: boolean;
  /**
   * CVE-2011-0411: a command pipelined after STARTTLS in the same packet is answered inside the
   * TLS session. "vulnerable", "not-vulnerable", or "not-tested" (STARTTLS not offered).
   */
  injection: "vulnerable" | "not-vulnerable" | "not-tested";
  detail: string;
}

export type Severity = "info" | "low" | "medium" | "high" | "critical";

export interface Finding {
  /** Stable identifier ("tls1_0-offered", "cert-expired", "starttls-injection", "cipher-3des" …). */
  id: string;
  severity: Severity;
  /** One line for the table. */
  title: string;
  /** Plain words: what it means and what to do. */
  detail: string;
}

export interface Verdict {
  ok: boolean;
  /** A sentence that answers the question, with the reason. */
  text: string;
}

export interface CheckReport {
  schema: "sealpost-check/1";
  target: Target;
  startedAt: string;
  durationMs: number;
  /** null when the TLS checks ran; otherwise why the check could not run (exit status 2). */
  error: string | null;
  starttls: StartTlsInfo | null;
  protocols: VersionResult[];
  ciphers: CipherList[];
  certificate: CertificateInfo | null;
  /**
   * A second certificate of another key type (RSA beside ECDSA, or the reverse), which clients
   * that prefer that key type get: many servers have both. Judged like `certificate`.
   */
  otherCertificates: CertificateInfo[];
  /** Renegotiation, compression, heartbeat, fallback SCSV, resumption, groups, OCSP stapling; null when the check did not run. */
  features: TlsFeatures | null;
  findings: Finding[];
  /** Probes that got no answer (timeout, refused or dropped connection, e.g. a connection rate limit): versions and suites may be missing. */
  gaps: string[];
  verdicts: {
    /** Senders that require TLS 1.2 and a valid certificate (e.g. Microsoft 365) — mail servers only. */
    strictSenders: Verdict;
    /** Mail programs and devices limited to TLS 1.0/1.1. */
    legacyClients: Verdict;
  };
  probes: number;
}
