/**
 * The TLS policy engine: decides from the raw ClientHello, before OpenSSL sees it, whether a
 * client may continue — so that a refusal can be recorded with what was offered and why
 * ("client offered at most TLS 1.0"). RFC 8996: TLS 1.0 and 1.1 are deprecated; the floor is
 * TLS 1.2 (BSI TR-02102-2). Cipher suites: forward-secret AEAD only (Mozilla "intermediate").
 */
import type { ClientHello } from "./client-hello.ts";
import { maxOfferedVersion, offeredVersions } from "./client-hello.ts";
import { isForbiddenSuite, opensslNameToCode, suiteName } from "./cipher-suites.ts";
import { compareVersions, versionLabel, type TlsVersionName } from "./versions.ts";

/** TLS alert descriptions we send when refusing (RFC 8446 §6.2). */
export const ALERT_HANDSHAKE_FAILURE = 40;
export const ALERT_PROTOCOL_VERSION = 70;

interface TlsPolicyConfig {
  minVersion: "TLSv1.2" | "TLSv1.3";
  /** OpenSSL cipher list for TLS 1.2. */
  ciphers: string;
  /** TLS 1.3 suites, colon-separated IANA names. */
  ciphersuites: string;
}

export interface EffectivePolicy {
  minVersion: TlsVersionName;
  tls12Suites: ReadonlySet<number>;
  tls13Suites: ReadonlySet<number>;
}

const TLS13_CODES: Record<string, number> = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_AES_128_CCM_8_SHA256: 0x1305,
};

export class TlsPolicyError extends Error {
  override name = "TlsPolicyError";
}

/** Turns configured names into the sets of suite codes the pre-handshake check compares against. */
export function effectivePolicy(cfg: TlsPolicyConfig, listenerMin?: "TLSv1.2" | "TLSv1.3" | ""): EffectivePolicy {
  const tls12 = new Set<number>();
  for (const name of cfg.ciphers.split(":").filter((n) => n !== "")) {
    const code = opensslNameToCode(name);
    if (code === undefined) throw new TlsPolicyError(`tls.ciphers: unknown or non-explicit cipher "${name}" (list explicit OpenSSL suite names)`);
    if (isForbiddenSuite(code)) throw new TlsPolicyError(`tls.ciphers: "${name}" is a forbidden suite (${suiteName(code)})`);
    tls12.add(code);
  }
  const tls13 = new Set<number>();
  for (const name of cfg.ciphersuites.split(":").filter((n) => n !== "")) {
    const code = TLS13_CODES[name];
    if (code === undefined) throw new TlsPolicyError(`tls.ciphersuites: unknown TLS 1.3 suite "${name}"`);
    tls13.add(code);
  }
  const min = listenerMin !== undefined && listenerMin !== "" && compareVersions(listenerMin, cfg.minVersion) > 0 ? listenerMin : cfg.minVersion;
  return { minVersion: min, tls12Suites: tls12, tls13Suites: tls13 };
}

type HelloVerdict = { accept: true } | { accept: false; reason: string; alert: number };

/** RFC 8996 §5/§6 and our cipher policy, applied to what the client offered. */
export function evaluateHello(hello: ClientHello, policy: EffectivePolicy): HelloVerdict {
  const max = maxOfferedVersion(hello);
  if (max === undefined) {
    return { accept: false, reason: "client offered no known TLS version", alert: ALERT_PROTOCOL_VERSION };
  }
  if (compareVersions(max, policy.minVersion) < 0) {
    return {
      accept: false,
      reason: `client offered at most ${versionLabel(max)}; this server requires ${versionLabel(policy.minVersion)} or newer`,
      alert: ALERT_PROTOCOL_VERSION,
    };
  }
  const versions = offeredVersions(hello).filter((v) => compareVersions(v, policy.minVersion) >= 0);
  const usable = hello.cipherSuites.some(
    (c) => (versions.includes("TLSv1.3") && policy.tls13Suites.has(c)) || (versions.includes("TLSv1.2") && policy.tls12Suites.has(c)),
  );
  if (!usable) {
    const weak = hello.cipherSuites.filter((c) => isForbiddenSuite(c));
    const offeredOnlyWeak = weak.length > 0 && weak.length === hello.cipherSuites.filter((c) => c !== 0x00ff && c !== 0x5600).length;
    const reason = offeredOnlyWeak
      ? `client offered only weak cipher suites (${weak.slice(0, 4).map(suiteName).join(", ")}${weak.length > 4 ? ", …" : ""})`
      : "client offered no cipher suite this server accepts (forward-secret AEAD required)";
    return { accept: false, reason, alert: ALERT_HANDSHAKE_FAILURE };
  }
  return { accept: true };
}
