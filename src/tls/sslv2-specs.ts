/**
 * SSL 2.0 cipher specs: the 3-byte CIPHER-KIND codes of an SSLv2 CLIENT-HELLO
 * (draft-hickman-netscape-ssl-00 Appendix A; RFC 6101 Appendix E.2 for the
 * SSLv2-compatible hello that carries them). Every SSLv2 spec uses an MD5 MAC,
 * so all of them are forbidden. A spec whose first byte is 0x00 is a TLS suite
 * code carried in an SSLv2-format hello (RFC 5246 §E.2).
 */

import type { Weakness } from "./cipher-suites.ts";

interface Sslv2CipherSpecInfo {
  readonly code: number;
  readonly name: string;
  readonly openssl: string;
  readonly enc: "RC4" | "RC2-CBC" | "IDEA-CBC" | "DES-CBC" | "3DES-EDE-CBC";
  readonly bits: number;
  readonly exportGrade: boolean;
}

const SPECS: readonly Sslv2CipherSpecInfo[] = [
  { code: 0x010080, name: "SSL_CK_RC4_128_WITH_MD5", openssl: "RC4-MD5", enc: "RC4", bits: 128, exportGrade: false },
  { code: 0x020080, name: "SSL_CK_RC4_128_EXPORT40_WITH_MD5", openssl: "EXP-RC4-MD5", enc: "RC4", bits: 40, exportGrade: true },
  { code: 0x030080, name: "SSL_CK_RC2_128_CBC_WITH_MD5", openssl: "RC2-CBC-MD5", enc: "RC2-CBC", bits: 128, exportGrade: false },
  { code: 0x040080, name: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", openssl: "EXP-RC2-CBC-MD5", enc: "RC2-CBC", bits: 40, exportGrade: true },
  { code: 0x050080, name: "SSL_CK_IDEA_128_CBC_WITH_MD5", openssl: "IDEA-CBC-MD5", enc: "IDEA-CBC", bits: 128, exportGrade: false },
  { code: 0x060040, name: "SSL_CK_DES_64_CBC_WITH_MD5", openssl: "DES-CBC-MD5", enc: "DES-CBC", bits: 56, exportGrade: false },
  { code: 0x0700c0, name: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", openssl: "DES-CBC3-MD5", enc: "3DES-EDE-CBC", bits: 168, exportGrade: false },
  // Not in the SSLv2 draft; sent by OpenSSL 0.9.x ("RC4-64-MD5").
  { code: 0x080080, name: "SSL_CK_RC4_64_WITH_MD5", openssl: "RC4-64-MD5", enc: "RC4", bits: 64, exportGrade: false },
];

const BY_CODE = new Map(SPECS.map((s) => [s.code, Object.freeze(s)]));

/** Every known SSLv2 cipher spec, in code order (what an SSLv2 probe offers). */
export function allSslv2Specs(): Sslv2CipherSpecInfo[] {
  return [...BY_CODE.values()];
}

export function describeSslv2Spec(code: number): Sslv2CipherSpecInfo | undefined {
  return BY_CODE.get(code);
}

/** The spec's name, or "0x0700C0"-style hex when unknown. */
export function sslv2SpecName(code: number): string {
  return BY_CODE.get(code)?.name ?? `0x${code.toString(16).toUpperCase().padStart(6, "0")}`;
}

/** Weaknesses of an SSLv2 cipher spec (all have MD5; none has forward secrecy). */
export function sslv2SpecWeaknesses(code: number): Weakness[] {
  const s = BY_CODE.get(code);
  if (!s) return ["unknown"];
  const w: Weakness[] = [];
  if (s.exportGrade) w.push("EXPORT");
  if (s.enc === "RC4") w.push("RC4");
  if (s.enc === "3DES-EDE-CBC") w.push("3DES");
  if (s.enc === "DES-CBC") w.push("DES");
  if (s.enc === "IDEA-CBC") w.push("IDEA");
  w.push("MD5", "no-forward-secrecy");
  if (s.enc.endsWith("-CBC")) w.push("CBC");
  return w;
}
