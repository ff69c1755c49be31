/**
 * Cipher suite knowledge for the TLS policy and the TLS checker: what a 16-bit
 * suite code means, which suites are weak or forbidden, and the mapping
 * between OpenSSL names and IANA codes.
 *
 * - Suite codes/names: IANA TLS Cipher Suites registry (see cipher-suite-table.ts).
 * - Signalling values: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3),
 *   TLS_FALLBACK_SCSV (RFC 7507 §2); GREASE values (RFC 8701 §2).
 * - Forbidden suites: RFC 7465 (RC4), RFC 7525/9325 §4.1 (NULL, EXPORT,
 *   anonymous, single DES, 3DES/64-bit block ciphers), RFC 6151 (MD5).
 * - SSLv2 cipher specs: draft-hickman-netscape-ssl-00 Appendix A.
 * - Policy suites: Mozilla Server Side TLS "intermediate" configuration (v5.7).
 */

import { OPENSSL_ALIASES, SUITE_ROWS } from "./cipher-suite-table.ts";

type KeyExchange =
  | "RSA" | "DH" | "DHE" | "ECDH" | "ECDHE" | "PSK" | "DHE_PSK" | "ECDHE_PSK" | "RSA_PSK"
  | "SRP" | "KRB5" | "any" | "NULL" | "SCSV";
type Authentication = "RSA" | "DSS" | "ECDSA" | "anon" | "PSK" | "SRP" | "KRB5" | "any" | "NULL" | "SCSV";
type BulkCipher =
  | "NULL" | "RC4" | "RC2-CBC" | "DES-CBC" | "3DES-EDE-CBC" | "IDEA-CBC" | "SEED-CBC"
  | "AES-CBC" | "AES-GCM" | "AES-CCM" | "AES-CCM8" | "CAMELLIA-CBC" | "CAMELLIA-GCM"
  | "ARIA-CBC" | "ARIA-GCM" | "CHACHA20-POLY1305" | "SM4-GCM" | "SM4-CCM" | "SCSV";
type MacAlgorithm = "AEAD" | "MD5" | "SHA1" | "SHA256" | "SHA384" | "NULL" | "SCSV";

interface CipherSuiteInfo {
  readonly code: number;
  readonly iana: string;
  /** OpenSSL's name, or undefined when no OpenSSL release names the suite. */
  readonly openssl: string | undefined;
  /** "DHE"/"ECDHE" for anonymous (DH_anon/ECDH_anon) suites, which are ephemeral; "DH"/"ECDH" are static. */
  readonly kx: KeyExchange;
  /** The authentication named in the suite ("RSA" for DH_RSA too); "any" for TLS 1.3 suites. */
  readonly auth: Authentication;
  readonly enc: BulkCipher;
  /** Key size as OpenSSL reports it (3DES: 168; effective strength is 112). */
  readonly bits: number;
  readonly mac: MacAlgorithm;
  readonly exportGrade: boolean;
  /** A TLS 1.3 suite (RFC 8446 §B.4), usable only with TLS 1.3. */
  readonly tls13: boolean;
}

export type Weakness =
  | "NULL" | "EXPORT" | "anonymous" | "RC4" | "3DES" | "DES" | "no-forward-secrecy"
  | "CBC" | "MD5" | "IDEA" | "SEED" | "unknown";

/** Weaknesses that make a suite one a server must never negotiate. */
const FORBIDDEN: ReadonlySet<Weakness> = new Set<Weakness>(["NULL", "EXPORT", "anonymous", "RC4", "3DES", "DES", "MD5"]);

export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff; // RFC 5746 §3.3
export const TLS_FALLBACK_SCSV = 0x5600; // RFC 7507 §2

// ---- deriving kx/auth/enc/mac from the IANA name ----

function parseKx(part: string): { kx: KeyExchange; auth: Authentication; exportGrade: boolean } {
  const tokens = part.split("_");
  const exportGrade = tokens.some((t) => t === "EXPORT" || t === "EXPORT1024");
  const key = tokens.filter((t) => t !== "EXPORT" && t !== "EXPORT1024").join("_");
  const fixed: Record<string, [KeyExchange, Authentication]> = {
    NULL: ["NULL", "NULL"],
    RSA: ["RSA", "RSA"],
    KRB5: ["KRB5", "KRB5"],
    PSK: ["PSK", "PSK"],
    SRP_SHA: ["SRP", "SRP"],
    SRP_SHA_RSA: ["SRP", "RSA"],
    SRP_SHA_DSS: ["SRP", "DSS"],
    DHE_PSK: ["DHE_PSK", "PSK"],
    PSK_DHE: ["DHE_PSK", "PSK"],
    ECDHE_PSK: ["ECDHE_PSK", "PSK"],
    RSA_PSK: ["RSA_PSK", "RSA"],
    DH_anon: ["DHE", "anon"],
    ECDH_anon: ["ECDHE", "anon"],
  };
  const hit = fixed[key];
  if (hit) return { kx: hit[0], auth: hit[1], exportGrade };
  const m = /^(DH|DHE|ECDH|ECDHE)_(RSA|DSS|ECDSA)$/.exec(key);
  if (!m) throw new Error(`cipher suite table: unknown key exchange "${part}"`);
  return { kx: m[1] as KeyExchange, auth: m[2] as Authentication, exportGrade };
}

function macOf(token: string): MacAlgorithm {
  if (token === "SHA") return "SHA1";
  if (token === "MD5" || token === "SHA256" || token === "SHA384" || token === "NULL") return token;
  throw new Error(`cipher suite table: unknown MAC "${token}"`);
}

function parseCipher(part: string): { enc: BulkCipher; bits: number; mac: MacAlgorithm } {
  let m: RegExpExecArray | null;
  if ((m = /^NULL_(\w+)$/.exec(part))) return { enc: "NULL", bits: 0, mac: macOf(m[1] ?? "") };
  if ((m = /^(SHA256|SHA384)_\1$/.exec(part))) return { enc: "NULL", bits: 0, mac: macOf(m[1] ?? "") }; // RFC 9150
  if ((m = /^RC4_(\d+)_(\w+)$/.exec(part))) return { enc: "RC4", bits: Number(m[1]), mac: macOf(m[2] ?? "") };
  if ((m = /^RC2_CBC_(\d+)_(\w+)$/.exec(part))) return { enc: "RC2-CBC", bits: Number(m[1]), mac: macOf(m[2] ?? "") };
  if ((m = /^(?:DES40_CBC|DES_CBC_40)_(\w+)$/.exec(part))) return { enc: "DES-CBC", bits: 40, mac: macOf(m[1] ?? "") };
  if ((m = /^DES_CBC_(\w+)$/.exec(part))) return { enc: "DES-CBC", bits: 56, mac: macOf(m[1] ?? "") };
  if ((m = /^3DES_EDE_CBC_(\w+)$/.exec(part))) return { enc: "3DES-EDE-CBC", bits: 168, mac: macOf(m[1] ?? "") };
  if ((m = /^(IDEA|SEED)_CBC_(\w+)$/.exec(part))) {
    return { enc: m[1] === "IDEA" ? "IDEA-CBC" : "SEED-CBC", bits: 128, mac: macOf(m[2] ?? "") };
  }
  if ((m = /^(AES|CAMELLIA|ARIA)_(128|256)_(CBC|GCM)_(\w+)$/.exec(part))) {
    const enc = `${m[1]}-${m[3]}` as BulkCipher;
    return { enc, bits: Number(m[2]), mac: m[3] === "GCM" ? "AEAD" : macOf(m[4] ?? "") };
  }
  if ((m = /^AES_(128|256)_CCM(_8)?(?:_SHA256)?$/.exec(part))) {
    return { enc: m[2] ? "AES-CCM8" : "AES-CCM", bits: Number(m[1]), mac: "AEAD" };
  }
  if (part === "CHACHA20_POLY1305_SHA256") return { enc: "CHACHA20-POLY1305", bits: 256, mac: "AEAD" };
  if ((m = /^SM4_(GCM|CCM)_SM3$/.exec(part))) return { enc: `SM4-${m[1]}` as BulkCipher, bits: 128, mac: "AEAD" };
  throw new Error(`cipher suite table: unknown cipher "${part}"`);
}

function derive(code: number, openssl: string | undefined, iana: string): CipherSuiteInfo {
  const body = iana.replace(/^TLS_/, "");
  const at = body.indexOf("_WITH_");
  if (at < 0) {
    // TLS 1.3 suites name only the AEAD and hash (RFC 8446 §B.4).
    return { code, iana, openssl, kx: "any", auth: "any", ...parseCipher(body), exportGrade: false, tls13: true };
  }
  const { kx, auth, exportGrade } = parseKx(body.slice(0, at));
  return { code, iana, openssl, kx, auth, ...parseCipher(body.slice(at + 6)), exportGrade, tls13: false };
}

function scsv(code: number, iana: string): CipherSuiteInfo {
  return { code, iana, openssl: undefined, kx: "SCSV", auth: "SCSV", enc: "SCSV", bits: 0, mac: "SCSV", exportGrade: false, tls13: false };
}

const BY_CODE = new Map<number, CipherSuiteInfo>();
for (const [code, openssl, iana] of SUITE_ROWS) BY_CODE.set(code, Object.freeze(derive(code, openssl, iana)));
BY_CODE.set(TLS_EMPTY_RENEGOTIATION_INFO_SCSV, Object.freeze(scsv(TLS_EMPTY_RENEGOTIATION_INFO_SCSV, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")));
BY_CODE.set(TLS_FALLBACK_SCSV, Object.freeze(scsv(TLS_FALLBACK_SCSV, "TLS_FALLBACK_SCSV")));

const BY_NAME = new Map<string, number>();
for (const info of BY_CODE.values()) BY_NAME.set(info.iana.toUpperCase(), info.code);
for (const info of BY_CODE.values()) if (info.openssl !== undefined) BY_NAME.set(info.openssl.toUpperCase(), info.code);
for (const [alias, code] of Object.entries(OPENSSL_ALIASES)) BY_NAME.set(alias, code);

// ---- public API ----

/** What a suite code means, or undefined for unknown and GREASE codes. */
export function describeSuite(code: number): CipherSuiteInfo | undefined {
  return BY_CODE.get(code);
}

/** Every known suite (including the two SCSVs), by ascending code. */
export function allSuites(): CipherSuiteInfo[] {
  return [...BY_CODE.values()].sort((a, b) => a.code - b.code);
}

/** RFC 8701 §2: GREASE values are 0x?A?A with both bytes equal (0x0A0A, 0x1A1A, … 0xFAFA). */
export function isGrease(code: number): boolean {
  return (code & 0x0f0f) === 0x0a0a && code >> 8 === (code & 0xff);
}

function hex(code: number, digits: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(digits, "0")}`;
}

/** IANA name; "GREASE" for GREASE values; "0xC0FF"-style hex for unknown codes. */
export function suiteName(code: number): string {
  if (isGrease(code)) return "GREASE";
  return BY_CODE.get(code)?.iana ?? hex(code, 4);
}

function weaknessesOf(s: CipherSuiteInfo): Weakness[] {
  if (s.kx === "SCSV") return [];
  const w: Weakness[] = [];
  if (s.enc === "NULL") w.push("NULL");
  if (s.exportGrade) w.push("EXPORT");
  if (s.auth === "anon" || s.auth === "NULL") w.push("anonymous");
  if (s.enc === "RC4") w.push("RC4");
  if (s.enc === "3DES-EDE-CBC") w.push("3DES");
  if (s.enc === "DES-CBC") w.push("DES");
  if (s.enc === "IDEA-CBC") w.push("IDEA");
  if (s.enc === "SEED-CBC") w.push("SEED");
  if (s.mac === "MD5") w.push("MD5");
  const forwardSecret = ["DHE", "ECDHE", "DHE_PSK", "ECDHE_PSK", "SRP", "any"].includes(s.kx);
  if (!forwardSecret) w.push("no-forward-secrecy");
  if (s.enc.endsWith("-CBC")) w.push("CBC");
  return w;
}

/**
 * What is wrong with a suite. "CBC" and "no-forward-secrecy" mark suites that are
 * acceptable but not in a modern policy; "unknown" marks codes not in the table.
 * GREASE values and SCSVs have no weaknesses (they are never negotiated).
 */
export function suiteWeaknesses(code: number): Weakness[] {
  if (isGrease(code)) return [];
  const s = BY_CODE.get(code);
  return s ? weaknessesOf(s) : ["unknown"];
}

/** True for NULL, EXPORT, anonymous, RC4, 3DES, DES and MD5-MAC suites: never negotiate these. */
export function isForbiddenSuite(code: number): boolean {
  return suiteWeaknesses(code).some((w) => FORBIDDEN.has(w));
}

/** The weaknesses that make a suite forbidden (subset of suiteWeaknesses). */
export function forbiddenWeaknesses(code: number): Weakness[] {
  return suiteWeaknesses(code).filter((w) => FORBIDDEN.has(w));
}

/**
 * The IANA code of an OpenSSL cipher name (case-insensitive). Also accepts IANA
 * names (OpenSSL names TLS 1.3 suites by their IANA names) and the old "EDH-" labels.
 */
export function opensslNameToCode(name: string): number | undefined {
  return BY_NAME.get(name.trim().toUpperCase());
}

/**
 * Map an expanded OpenSSL cipher list — explicit names such as Node's
 * `tls.getCiphers()` output, or colon-separated lists of them — to IANA codes,
 * in order and without duplicates. Keywords and operators ("HIGH", "!aNULL",
 * "@SECLEVEL=0") are not expanded; they and unknown names are skipped.
 */
export function suitesForOpenSslNames(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const entry of names) {
    for (const name of entry.split(":")) {
      const code = opensslNameToCode(name);
      if (code !== undefined && !out.includes(code)) out.push(code);
    }
  }
  return out;
}

/** RFC 8446 §B.4 suites every modern policy allows (Mozilla "modern"/"intermediate" TLS 1.3). */
export const MODERN_TLS13_SUITES: readonly number[] = Object.freeze([0x1301, 0x1302, 0x1303]);

/** Mozilla Server Side TLS "intermediate" TLS 1.2 cipher string (v5.7). */
export const INTERMEDIATE_TLS12_OPENSSL =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" +
  "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/** The codes of INTERMEDIATE_TLS12_OPENSSL, in its order. */
export const INTERMEDIATE_TLS12_SUITES: readonly number[] = Object.freeze(
  suitesForOpenSslNames([INTERMEDIATE_TLS12_OPENSSL]),
);

export { allSslv2Specs, describeSslv2Spec, sslv2SpecName, sslv2SpecWeaknesses } from "./sslv2-specs.ts";
