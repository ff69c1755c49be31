/**
 * Builds ClientHello records by hand, for tests and for the TLS checker that
 * probes servers with hellos no TLS library would send (old versions, weak
 * suites, SSLv2).
 *
 * - ClientHello: RFC 8446 §4.1.2, RFC 5246 §7.4.1.2; session id for middlebox
 *   compatibility RFC 8446 §D.4; mandatory TLS 1.3 extensions §9.2.
 * - Extensions: server_name RFC 6066 §3, supported_groups RFC 8446 §4.2.7,
 *   ec_point_formats RFC 8422 §5.1.2, signature_algorithms RFC 8446 §4.2.3,
 *   ALPN RFC 7301 §3.1, extended_master_secret RFC 7627, supported_versions
 *   RFC 8446 §4.2.1, psk_key_exchange_modes §4.2.9, key_share §4.2.8,
 *   renegotiation_info / SCSV RFC 5746 §3.3; compression methods RFC 3749 §2
 *   (DEFLATE = 1), heartbeat RFC 6520 §2 (for the checker's probes).
 * - Records: RFC 8446 §5.1 (fragments ≤ 2^14). GREASE: RFC 8701.
 * - SSLv2-compatible CLIENT-HELLO: RFC 5246 Appendix E.2.
 */

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { TLS_EMPTY_RENEGOTIATION_INFO_SCSV } from "./cipher-suites.ts";
import { compareVersions, versionCode, type TlsVersionName } from "./versions.ts";
import { CONTENT_TYPE, EXT, HANDSHAKE_TYPE, MAX_RECORD_PLAINTEXT, u16, u16List, u24, u8, vec16, vec8 } from "./wire.ts";

/** Named groups (RFC 8446 §4.2.7). */
const GROUP = { secp256r1: 0x0017, secp384r1: 0x0018, secp521r1: 0x0019, x25519: 0x001d, x448: 0x001e } as const;

/** Extension codes the checker's probes add with `extraExtensions` (IANA TLS ExtensionType Values). */
export const PROBE_EXT = { heartbeat: 15, sessionTicket: 35, renegotiationInfo: EXT.renegotiationInfo } as const;

/** RFC 6520 §2: HeartbeatMode peer_allowed_to_send, the body of a heartbeat extension. */
export const HEARTBEAT_PEER_ALLOWED_TO_SEND = 1;

/** RFC 3749 §2: the DEFLATE compression method. */
export const COMPRESSION_DEFLATE = 1;

const DEFAULT_GROUPS: readonly number[] = [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.x448];

/** Signature schemes (RFC 8446 §4.2.3), including SHA-1 ones so old servers can answer. */
const DEFAULT_SIG_ALGS: readonly number[] = [
  0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, _secp384r1_sha384, _secp521r1_sha512
  0x0807, 0x0808, // ed25519, ed448
  0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
  0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256/384/512
  0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
  0x0402, 0x0502, 0x0602, // dsa_sha256/384/512 (TLS 1.2)
  0x0203, 0x0201, 0x0202, // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
];

export interface ClientHelloOptions {
  /** Versions to offer, e.g. ["TLSv1"] or ["TLSv1.2", "TLSv1.3"]. SSLv2: use buildSslv2ClientHello. */
  versions: TlsVersionName[];
  cipherSuites: number[];
  sni?: string;
  alpn?: string[];
  /** Record-layer version; default 0x0301 (0x0300 when only SSLv3 is offered). */
  recordVersion?: number;
  /** Send supported_versions; default: when TLSv1.3 is offered. */
  includeSupportedVersions?: boolean;
  groups?: number[];
  sigAlgs?: number[];
  /** Send an x25519 key share when TLS 1.3 is offered; default true. */
  keyShare?: boolean;
  /** Split the handshake message over this many records (more if it exceeds 2^14 per record). */
  fragmentRecords?: number;
  /** Add GREASE values (RFC 8701) to suites, extensions, versions and groups. */
  grease?: boolean;
  /** Extensions appended verbatim after the built ones. */
  extraExtensions?: { type: number; data: Buffer }[];
  /**
   * Compression methods offered, in order; default [0] (null only). RFC 5246 §7.4.1.2: the list
   * must contain null (0), so it is added at the end when missing. TLS 1.3 allows null only.
   */
  compressionMethods?: number[];
}

function greaseValue(): number {
  const n = randomBytes(1)[0] ?? 0;
  const nibble = (n & 0xf0) | 0x0a;
  return (nibble << 8) | nibble;
}

/** A fresh X25519 public key (RFC 7748), 32 bytes: the tail of its SPKI DER encoding. */
function x25519PublicKey(): Buffer {
  const der = generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

/** Wraps a handshake message in `count` (or more, to respect 2^14) handshake records. */
export function toRecords(message: Buffer, recordVersion: number, count = 1): Buffer {
  const n = Math.max(1, count, Math.ceil(message.length / MAX_RECORD_PLAINTEXT));
  if (n > message.length) throw new RangeError(`cannot split ${message.length} bytes over ${n} records`);
  const records: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor((message.length - off) / (n - i));
    const fragment = message.subarray(off, off + size);
    off += size;
    records.push(Buffer.from([CONTENT_TYPE.handshake]), u16(recordVersion), u16(fragment.length), fragment);
  }
  return Buffer.concat(records);
}

/** A well-formed ClientHello record (or records) that OpenSSL-based servers parse and answer. */
export function buildClientHello(opts: ClientHelloOptions): Buffer {
  const versions = [...new Set(opts.versions)].sort(compareVersions);
  if (versions.length === 0) throw new RangeError("buildClientHello: no versions");
  if (versions.includes("SSLv2")) throw new RangeError("buildClientHello: use buildSslv2ClientHello for SSLv2");
  const max = versions.at(-1) ?? "TLSv1.2";
  const offers13 = versions.includes("TLSv1.3");
  const offersPre13 = versions.some((v) => v !== "TLSv1.3");
  const useSupportedVersions = opts.includeSupportedVersions ?? offers13;
  const legacyVersion = useSupportedVersions ? Math.min(versionCode(max), 0x0303) : versionCode(max);
  const recordVersion = opts.recordVersion ?? Math.min(legacyVersion, 0x0301);
  const grease = opts.grease ?? false;
  const sslv3Only = max === "SSLv3" && !useSupportedVersions;

  const suites = [...opts.cipherSuites];
  if (grease) suites.unshift(greaseValue());
  // RFC 5746 §3.3: signal secure renegotiation by SCSV when no extensions can be sent.
  if (sslv3Only && !suites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);

  const exts: Buffer[] = [];
  if (!sslv3Only) {
    const groups = [...(opts.groups ?? DEFAULT_GROUPS)];
    // Two distinct GREASE extension types, neither among the caller's extra extensions.
    const taken = new Set((opts.extraExtensions ?? []).map((e) => e.type));
    let greaseExt = greaseValue();
    while (taken.has(greaseExt) || taken.has(greaseExt ^ 0x1010)) greaseExt = greaseValue();
    if (grease) exts.push(ext(greaseExt, Buffer.alloc(0)));
    if (opts.sni !== undefined) {
      const name = Buffer.from(opts.sni, "latin1");
      exts.push(ext(EXT.serverName, vec16(Buffer.concat([u8(0), vec16(name)]))));
    }
    if (offersPre13) {
      exts.push(ext(EXT.extendedMasterSecret, Buffer.alloc(0)));
      if (!suites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) exts.push(ext(EXT.renegotiationInfo, vec8(Buffer.alloc(0))));
    }
    exts.push(ext(EXT.supportedGroups, vec16(u16List(grease ? [greaseValue(), ...groups] : groups))));
    if (offersPre13) exts.push(ext(EXT.ecPointFormats, vec8(Buffer.from([0])))); // uncompressed
    if (compareVersions(max, "TLSv1.2") >= 0) exts.push(ext(EXT.signatureAlgorithms, vec16(u16List(opts.sigAlgs ?? DEFAULT_SIG_ALGS))));
    if (opts.alpn && opts.alpn.length > 0) {
      exts.push(ext(EXT.alpn, vec16(Buffer.concat(opts.alpn.map((p) => vec8(Buffer.from(p, "latin1")))))));
    }
    if (useSupportedVersions) {
      const codes = [...versions].reverse().map(versionCode);
      exts.push(ext(EXT.supportedVersions, vec8(u16List(grease ? [greaseValue(), ...codes] : codes))));
    }
    if (offers13) {
      exts.push(ext(EXT.pskKeyExchangeModes, vec8(Buffer.from([1])))); // psk_dhe_ke
      const shares = opts.keyShare !== false && groups.includes(GROUP.x25519)
        ? Buffer.concat([u16(GROUP.x25519), vec16(x25519PublicKey())])
        : Buffer.alloc(0);
      exts.push(ext(EXT.keyShare, vec16(shares)));
    }
    for (const extra of opts.extraExtensions ?? []) exts.push(ext(extra.type, extra.data));
    if (grease) exts.push(ext(greaseExt ^ 0x1010, Buffer.from([0]))); // a second, distinct GREASE type
  }

  const compression = [...(opts.compressionMethods ?? [0])];
  if (!compression.includes(0)) compression.push(0);
  const body = Buffer.concat([
    u16(legacyVersion),
    randomBytes(32),
    vec8(offers13 ? randomBytes(32) : Buffer.alloc(0)),
    vec16(u16List(suites)),
    vec8(Buffer.from(compression)),
    ...(exts.length > 0 ? [vec16(Buffer.concat(exts))] : []),
  ]);
  const message = Buffer.concat([u8(HANDSHAKE_TYPE.clientHello), u24(body.length), body]);
  return toRecords(message, recordVersion, opts.fragmentRecords);
}

/**
 * An SSLv2-format CLIENT-HELLO (2-byte header, no session id, 16-byte challenge).
 * `version` is 0x0002 for a pure SSLv2 hello or e.g. 0x0301 for the
 * SSLv2-compatible hello of an SSLv3/TLS client; cipherSpecs are 3-byte codes
 * (a TLS suite is its 16-bit code behind a zero byte: 0x00 hi lo).
 */
export function buildSslv2ClientHello(opts: { version: number; cipherSpecs: number[] }): Buffer {
  const specs = Buffer.concat(opts.cipherSpecs.map((s) => u24(s)));
  const challenge = randomBytes(16);
  const msg = Buffer.concat([u8(1), u16(opts.version), u16(specs.length), u16(0), u16(challenge.length), specs, challenge]);
  if (msg.length > 0x7fff) throw new RangeError("SSLv2 CLIENT-HELLO too long");
  return Buffer.concat([u16(0x8000 | msg.length), msg]);
}
