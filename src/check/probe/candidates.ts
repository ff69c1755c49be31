/**
 * What each version probe offers, and how an accepted suite is reported (src/tls's table: IANA
 * name, OpenSSL name, weaknesses).
 *
 * - TLS 1.3 suites only with TLS 1.3 (RFC 8446 §B.4), and TLS 1.3 only with them.
 * - AEAD suites and suites with SHA-256/384 MACs or PRFs need TLS 1.2 (RFC 5246 §1.2, RFC 5288
 *   §4, RFC 5289 §3.2), so SSL 3.0, TLS 1.0 and TLS 1.1 are offered the MD5/SHA-1 suites only.
 * - SSL 2.0 is offered every SSLv2 cipher spec (draft-hickman-netscape-ssl-00 Appendix A).
 */
import {
  allSslv2Specs,
  allSuites,
  describeSslv2Spec,
  describeSuite,
  sslv2SpecName,
  sslv2SpecWeaknesses,
  suiteName,
  suiteWeaknesses,
  type TlsVersionName,
} from "../../tls/index.ts";
import type { SuiteResult } from "../types.ts";

const PRE_TLS12: ReadonlySet<string> = new Set(["MD5", "SHA1", "NULL"]);

/** The suites a probe for `version` offers, in ascending code order ("our table's order"). */
export function candidateSuites(version: TlsVersionName): number[] {
  if (version === "SSLv2") return allSslv2Specs().map((s) => s.code);
  return allSuites()
    .filter((s) => {
      if (s.kx === "SCSV") return false;
      if (version === "TLSv1.3") return s.tls13;
      if (s.tls13) return false;
      return version === "TLSv1.2" || PRE_TLS12.has(s.mac);
    })
    .map((s) => s.code);
}

export function suiteResult(code: number): SuiteResult {
  return { code, name: suiteName(code), openssl: describeSuite(code)?.openssl ?? null, weaknesses: suiteWeaknesses(code) };
}

export function sslv2SpecResult(code: number): SuiteResult {
  return { code, name: sslv2SpecName(code), openssl: describeSslv2Spec(code)?.openssl ?? null, weaknesses: sslv2SpecWeaknesses(code) };
}

/** Splits `codes` round-robin into `n` chunks, so accepted suites (which cluster by code) spread out. */
export function interleave(codes: readonly number[], n: number): number[][] {
  const chunks: number[][] = Array.from({ length: Math.max(1, n) }, () => []);
  codes.forEach((c, i) => chunks[i % chunks.length]?.push(c));
  return chunks.filter((c) => c.length > 0);
}
