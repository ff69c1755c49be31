/**
 * The TLS policy engine: decides from the raw ClientHello, before OpenSSL sees it, whether a
 * client may continue — so that a refusal can be recorded with what was offered and why
 * ("client offered at most TLS 1.0"). RFC 8996: TLS 1.0 and 1.1 are deprecated; the floor is
 * TLS 1.2 (BSI TR-02102-2). Cipher suites: forward-secret AEAD only (Mozilla "intermediate").
 */
import type { ClientHello } from "./client-hello.ts";
import { maxOfferedVersion, offeredVersions } from "./client-hello.ts";
import { describeSuite, forbiddenWeaknesses, isForbiddenSuite, opensslNameToCode, suiteName } from "./cipher-suites.ts";
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
  /** Suites for TLS 1.2 and, on a legacy endpoint, 1.0/1.1 (where only the SHA-1 MAC suites can work). */
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

/** A legacy endpoint's additions (`[legacy]`): a lower floor and the old clients' suites. */
interface LegacyPolicyConfig {
  minVersion: "TLSv1" | "TLSv1.1";
  /** Explicit OpenSSL names, colon-separated: AES-CBC with SHA-1 and the like. */
  ciphers: string;
}

/**
 * The legacy endpoint's policy (issue 12): the main policy's suites plus `[legacy] ciphers`, from
 * `[legacy] min_version` (TLS 1.0 or 1.1; SSL 2/3 never: RFC 6176, RFC 7568). Old clients need
 * CBC and suites without forward secrecy, so the check here is narrower than none at all, not the
 * main ports' one: RC4 (RFC 7465), single DES and 3DES (RFC 9325 §4.1, Sweet32), export grade, NULL
 * encryption, anonymous key exchange and MD5 MACs stay refused, with a one-line error naming the key.
 */
export function legacyPolicy(cfg: TlsPolicyConfig, legacy: LegacyPolicyConfig): EffectivePolicy {
  const main = effectivePolicy(cfg);
  if (legacy.minVersion !== "TLSv1" && legacy.minVersion !== "TLSv1.1") {
    throw new TlsPolicyError(`legacy.min_version: expected TLSv1 or TLSv1.1, got ${JSON.stringify(String(legacy.minVersion).slice(0, 20))}`);
  }
  const suites = new Set(main.tls12Suites);
  for (const name of legacy.ciphers.split(":").filter((n) => n !== "")) {
    const code = opensslNameToCode(name);
    if (code === undefined || /^TLS_/i.test(name) || describeSuite(code)?.tls13 === true) {
      throw new TlsPolicyError(`legacy.ciphers: unknown or non-explicit cipher "${name.slice(0, 60)}" (list explicit OpenSSL names of TLS 1.0-1.2 suites)`);
    }
    const why = forbiddenWeaknesses(code);
    if (why.length > 0) throw new TlsPolicyError(`legacy.ciphers: "${name}" is a forbidden suite (${suiteName(code)}: ${why.join(", ")})`);
    suites.add(code);
  }
  return { minVersion: legacy.minVersion, tls12Suites: suites, tls13Suites: main.tls13Suites };
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
  // TLS 1.0/1.1 (a legacy endpoint's floor) know only the suites with a SHA-1 MAC (RFC 5246 §1.2: the
  // SHA-256 MACs and AEAD suites came with 1.2).
  const old = versions.some((v) => compareVersions(v, "TLSv1.2") < 0);
  const usable = hello.cipherSuites.some(
    (c) =>
      (versions.includes("TLSv1.3") && policy.tls13Suites.has(c)) ||
      (versions.includes("TLSv1.2") && policy.tls12Suites.has(c)) ||
      (old && policy.tls12Suites.has(c) && describeSuite(c)?.mac === "SHA1"),
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
