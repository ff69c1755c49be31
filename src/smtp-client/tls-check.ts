/**
 * STARTTLS for the client (RFC 3207): the ClientHello offers TLS 1.0 to 1.3 at OpenSSL security
 * level 0 on purpose, so that a server stuck on TLS 1.0/1.1 or a weak suite completes the
 * handshake and is named in one connection; then nothing is sent unless the result passes:
 * TLS 1.2 or newer (RFC 8996, RFC 9325 §3.1.1), a suite without the weaknesses of src/tls's table
 * (RFC 7465 RC4, RFC 9325 §4.1 NULL/EXPORT/anon/DES/3DES, forward secrecy §4.1), and, when
 * verification is asked for, the certificate (certificate.ts: by the PKI, or by TLSA records under DANE).
 */
import tls from "node:tls";
import { isIP } from "node:net";
import { opensslNameToCode, suiteWeaknesses, versionLabel, type TlsVersionName } from "../tls/index.ts";
import type { DeliveryProblem } from "../bounce/index.ts";
import { describeOnly, judgeCertificate, judgeDane } from "./certificate.ts";
import type { CertificateVerdict, TlsRequirement, TlsSummary } from "./types.ts";

const CLIENT_CONTEXT = { minVersion: "TLSv1", maxVersion: "TLSv1.3", ciphers: "DEFAULT:@SECLEVEL=0" } as const;
/**
 * Secure contexts by trust anchors. Building one loads every root certificate (~4 ms and native
 * memory V8 frees late); a context per connection made outbound delivery CPU- and memory-bound
 * (bench:outbound), so each distinct CA set gets one, kept for the process (a handful at most:
 * none, and the configured `ca_file`).
 */
const contexts = new Map<string, tls.SecureContext>();

function contextFor(ca: readonly string[] | null): tls.SecureContext {
  const key = ca === null ? "" : `roots\n${ca.join("\n")}`;
  let ctx = contexts.get(key);
  if (ctx === undefined) {
    if (contexts.size >= 16) contexts.clear();
    ctx = tls.createSecureContext({ ...CLIENT_CONTEXT, ...(ca === null ? {} : { ca: [...tls.rootCertificates, ...ca] }) });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** What the ClientHello offers: every version from TLS 1.0, every suite OpenSSL's DEFAULT has. */
export function clientTlsOptions(host: string, tlsReq: TlsRequirement): tls.ConnectionOptions {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  const options: tls.ConnectionOptions = {
    ...CLIENT_CONTEXT,
    secureContext: contextFor(tlsReq.verify === null ? null : tlsReq.verify.ca),
    rejectUnauthorized: false,
    // Names are checked by certificate.ts (RFC 6125 + MTA-STS patterns), not by Node.
    checkServerIdentity: () => undefined,
  };
  // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
  if (isIP(name) === 0 && name !== "") options.servername = name;
  return options;
}

const VERSIONS: readonly string[] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

function label(version: string): string {
  return VERSIONS.includes(version) ? versionLabel(version as TlsVersionName) : version;
}

/** What the handshake produced, with the certificate judged (or only described). */
export function summarise(socket: tls.TLSSocket, host: string, tlsReq: TlsRequirement): TlsSummary {
  const version = socket.getProtocol() ?? "unknown";
  const cipher = socket.getCipher().name;
  let certificate: CertificateVerdict;
  if (tlsReq.dane !== undefined) certificate = judgeDane(socket, tlsReq.dane.records, host);
  else if (tlsReq.verify === null) certificate = describeOnly(socket.getPeerX509Certificate());
  else certificate = judgeCertificate(socket, tlsReq.verify.names.length > 0 ? tlsReq.verify.names : [host], tlsReq.verify.sanOnly === true);
  const eph = socket.getEphemeralKeyInfo();
  const keyExchange = eph !== null && "type" in eph && typeof eph.size === "number" ? { type: eph.type, name: eph.name ?? null, bits: eph.size } : null;
  return { version, cipher, keyExchange, certificate };
}

// Weaknesses that stop a delivery; "CBC" and "SEED" suites are acceptable, unknown ones are not judged.
const WEAKNESS_LABELS: Readonly<Record<string, string>> = {
  NULL: "NULL",
  EXPORT: "EXPORT",
  anonymous: "anonymous",
  RC4: "RC4",
  "3DES": "3DES",
  DES: "DES",
  MD5: "MD5",
  IDEA: "IDEA",
  "no-forward-secrecy": "no forward secrecy",
};

/** The weaknesses of an OpenSSL-named suite that stop delivery, as plain words ("3DES, no forward secrecy"). */
function cipherWeakness(opensslName: string): string | null {
  const code = opensslNameToCode(opensslName);
  if (code === undefined) return null;
  const words = suiteWeaknesses(code).flatMap((w) => (WEAKNESS_LABELS[w] !== undefined ? [WEAKNESS_LABELS[w]] : []));
  return words.length > 0 ? words.join(", ") : null;
}

/** The first reason not to send mail over this TLS session, or null. */
export function tlsProblem(summary: TlsSummary, host: string): DeliveryProblem | null {
  const idx = VERSIONS.indexOf(summary.version);
  if (idx < VERSIONS.indexOf("TLSv1.2")) return { kind: "tls-version", host, offered: label(summary.version) };
  const weakness = cipherWeakness(summary.cipher) ?? keyExchangeWeakness(summary.keyExchange);
  if (weakness !== null) return { kind: "weak-cipher", host, cipher: summary.cipher, weakness };
  const c = summary.certificate;
  if (c.checked && !c.ok) return { kind: "certificate", host, problem: c.problem, detail: c.detail };
  return null;
}

/**
 * SECLEVEL=0 lets OpenSSL accept any group size, so the client judges it: finite-field DH below
 * 2048 bits (Logjam; BSI TR-02102-2) and elliptic curves below 256 bits stop the delivery.
 */
function keyExchangeWeakness(kx: TlsSummary["keyExchange"]): string | null {
  if (kx === null) return null;
  if (kx.type === "DH" && kx.bits < 2048) return `a ${kx.bits}-bit Diffie-Hellman key exchange`;
  if (kx.type === "ECDH" && kx.bits < 253) return `a ${kx.bits}-bit elliptic-curve key exchange`;
  return null;
}

/**
 * A failed handshake as a problem. A protocol_version alert to a hello offering TLS 1.0–1.3, or
 * OpenSSL refusing the version the server chose, means the server speaks none of them.
 */
export function handshakeProblem(host: string, code: string | undefined, detail: string): DeliveryProblem {
  if (code === "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" || code === "ERR_SSL_UNSUPPORTED_PROTOCOL") {
    return { kind: "tls-version", host, offered: "below TLS 1.0 or unknown" };
  }
  return { kind: "tls-handshake", host, detail };
}
