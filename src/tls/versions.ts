/**
 * SSL/TLS protocol version codes and names.
 *
 * Wire codes: SSL 2.0 (draft-hickman-netscape-ssl-00; 0x0002 as carried in an
 * SSLv2 CLIENT-HELLO), SSL 3.0 (RFC 6101 §5.2.1), TLS 1.0 (RFC 2246 §6.2.1),
 * TLS 1.1 (RFC 4346 §6.2.1), TLS 1.2 (RFC 5246 §6.2.1), TLS 1.3 (RFC 8446
 * §4.2.1; 0x7f17..0x7f1c are the codes of TLS 1.3 drafts 23..28).
 *
 * Names are the strings Node/OpenSSL's `tlsSocket.getProtocol()` returns, so
 * a version seen on the wire compares directly with a negotiated one.
 */

export type TlsVersionName = "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

/** Every version, oldest first. */
export const ALL_VERSIONS: readonly TlsVersionName[] = Object.freeze([
  "SSLv2",
  "SSLv3",
  "TLSv1",
  "TLSv1.1",
  "TLSv1.2",
  "TLSv1.3",
] as const);

const CODES: Readonly<Record<TlsVersionName, number>> = {
  SSLv2: 0x0002,
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  "TLSv1.1": 0x0302,
  "TLSv1.2": 0x0303,
  "TLSv1.3": 0x0304,
};

const LABELS: Readonly<Record<TlsVersionName, string>> = {
  SSLv2: "SSL 2.0",
  SSLv3: "SSL 3.0",
  TLSv1: "TLS 1.0",
  "TLSv1.1": "TLS 1.1",
  "TLSv1.2": "TLS 1.2",
  "TLSv1.3": "TLS 1.3",
};

/** TLS 1.3 draft versions are 0x7f00 | draft number; drafts 23..28 were deployed. */
const TLS13_DRAFT_MIN = 0x7f17;
const TLS13_DRAFT_MAX = 0x7f1c;

/** The name of a wire version code, or undefined for codes no SSL/TLS version uses. */
export function versionName(code: number): TlsVersionName | undefined {
  switch (code) {
    case 0x0002:
      return "SSLv2";
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv1";
    case 0x0302:
      return "TLSv1.1";
    case 0x0303:
      return "TLSv1.2";
    case 0x0304:
      return "TLSv1.3";
    default:
      return code >= TLS13_DRAFT_MIN && code <= TLS13_DRAFT_MAX ? "TLSv1.3" : undefined;
  }
}

/** The wire code of a version (the final RFC code for TLS 1.3, never a draft's). */
export function versionCode(name: TlsVersionName): number {
  return CODES[name];
}

/** Negative when a is older than b, 0 when equal, positive when a is newer. */
export function compareVersions(a: TlsVersionName, b: TlsVersionName): number {
  return ALL_VERSIONS.indexOf(a) - ALL_VERSIONS.indexOf(b);
}

/** A label for people: "SSL 3.0", "TLS 1.0", "TLS 1.2". */
export function versionLabel(name: TlsVersionName): string {
  return LABELS[name];
}

/** True when the string is one of the version names (e.g. from config or getProtocol()). */
export function isTlsVersionName(s: string): s is TlsVersionName {
  return (ALL_VERSIONS as readonly string[]).includes(s);
}
