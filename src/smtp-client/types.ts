/**
 * The outbound SMTP client's request and result shapes: one delivery attempt to one host
 * (RFC 5321), with STARTTLS (RFC 3207) under a caller-chosen TLS requirement.
 */
import type { CertificateProblem, DeliveryProblem } from "../bounce/index.ts";
import type { TlsaRecord } from "../dane/index.ts";

type StartTlsMode = "never" | "opportunistic" | "required";

export interface TlsRequirement {
  starttls: StartTlsMode;
  /**
   * null: the certificate is not checked (levels may/encrypt), only described.
   * Else: chain to a trusted root (Node's root store + `ca`), validity period, name match.
   * `names` are acceptable reference identities: host names, or MTA-STS patterns "*.example.net"
   * where "*." matches exactly one leftmost label (RFC 8461 §4.1). Empty: the request's `host`.
   */
  verify: null | { ca: readonly string[]; names: readonly string[]; sanOnly?: boolean };
  /**
   * DANE (RFC 7672 §3): the host's usable TLSA records. Given, they authenticate the certificate
   * instead of `verify`: DANE-EE the key or certificate alone, DANE-TA the chain up to the anchor
   * and the MX host name.
   */
  dane?: { records: readonly TlsaRecord[] };
  /**
   * REQUIRETLS (RFC 8689 §4.2.1): the message may go only over TLS with the certificate
   * authenticated (`verify` or `dane`), to a server that offers REQUIRETLS in its EHLO after
   * STARTTLS; MAIL FROM then carries the REQUIRETLS parameter. A session that does not offer it
   * ends before MAIL with the problem "requiretls" (reason "not-offered").
   */
  requireTls?: true;
}

/**
 * Time limits, RFC 5321 §4.5.3.2 unless noted. Defaults: connect 30 s, greeting 5 min, commands
 * (EHLO, STARTTLS, MAIL, RCPT) 5 min, TLS handshake min(commandMs, 60 s), DATA initiation
 * min(commandMs, 2 min), each data block (a write waiting for the peer to drain) min(dataMs, 3 min),
 * the reply to the final dot 10 min, QUIT min(commandMs, 10 s).
 */
export interface DeliveryTimeouts {
  connectMs: number;
  greetingMs: number;
  commandMs: number;
  handshakeMs: number;
  dataInitMs: number;
  dataBlockMs: number;
  /** The reply to the final "." (RFC 5321 §4.5.3.2.6: 10 minutes). */
  dataMs: number;
}

export interface DeliveryRequest {
  /** MX host name: SNI (omitted for an IP literal), the default reference identity, and reporting. */
  host: string;
  /** The IP address to connect to. */
  address: string;
  port: number;
  /** Our host name for EHLO (HELO when EHLO gets a 5xx). */
  heloName: string;
  tls: TlsRequirement;
  /** Envelope sender; "" is the null sender "<>". */
  from: string;
  recipients: readonly string[];
  /** The whole message; bare LF / bare CR become CRLF, lines are dot-stuffed, CRLF.CRLF is added. */
  message: Buffer;
  timeouts?: Partial<DeliveryTimeouts>;
  signal?: AbortSignal;
}

export type CertificateVerdict =
  | { checked: false; subject: string | null; issuer: string | null; notAfter: string | null }
  /** `by`: what authenticated it, when not the PKI (a DANE-EE or DANE-TA record, whose usage `matched` names). */
  | { checked: true; ok: true; subject: string; issuer: string; notAfter: string; matched: string; by?: "dane-ee" | "dane-ta" }
  | {
      checked: true;
      ok: false;
      problem: CertificateProblem;
      detail: string;
      subject: string | null;
      issuer: string | null;
      notAfter: string | null;
    };

export interface TlsSummary {
  /** As `getProtocol()` names it: "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1". */
  version: string;
  /** OpenSSL's name of the negotiated suite ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_AES_256_GCM_SHA384"). */
  cipher: string;
  /** The ephemeral key exchange (`getEphemeralKeyInfo`): "ECDH X25519 253", "DH 2048"; null for TLS 1.3 PSK or unknown. */
  keyExchange: { type: string; name: string | null; bits: number } | null;
  certificate: CertificateVerdict;
}

export interface RecipientResult {
  address: string;
  /** The reply code that decided this recipient; 0 when no reply concerned it (not attempted). */
  code: number;
  /** The full reply as received ("550 5.1.1 <x@y> unknown"; lines of a multi-line reply joined by "\n"). */
  reply: string;
  /** The server accepted the RCPT. */
  accepted: boolean;
  /** Only after the final 2xx to the end of data. */
  delivered: boolean;
  permanent: boolean;
}

export interface DeliveryResult {
  host: string;
  address: string;
  port: number;
  /** null: the session never got to EHLO. */
  starttlsOffered: boolean | null;
  /** null: the mail went (or would have gone) in plaintext. */
  tls: TlsSummary | null;
  /** Set when the whole attempt failed (connection, greeting, EHLO, STARTTLS, TLS, MAIL, all RCPTs, DATA). */
  problem: DeliveryProblem | null;
  /** `problem` is permanent: a 5xx, a local 5xx-style refusal, or a TLS policy failure. */
  permanent: boolean;
  /** MAIL FROM was sent: a failure before it (connect, greeting, EHLO, STARTTLS, TLS) says nothing about the message. */
  mailStarted: boolean;
  recipients: RecipientResult[];
  /** The transaction ran on a connection kept from an earlier one (session.ts); absent: a new connection. */
  reused?: boolean;
  /** The connection's id (src/log): the attempt row and the log lines of the delivery carry it; absent: no connection was tried. */
  session?: string;
  /** Commands and replies ("C: MAIL FROM:<a@b>", "S: 250 2.1.0 Ok"), without message data. */
  transcript?: string[];
}
