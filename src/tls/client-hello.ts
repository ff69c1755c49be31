/**
 * Parses the ClientHello a client sends first on a TLS connection, before any
 * TLS library sees the bytes, so the server can log and refuse what it must
 * not speak (old versions, forbidden suites, plaintext on a TLS port).
 *
 * - ClientHello: RFC 8446 §4.1.2, RFC 5246 §7.4.1.2 (extensions optional).
 * - Record layer and fragmentation: RFC 8446 §5.1 (see wire.ts).
 * - Extensions: server_name RFC 6066 §3, ALPN RFC 7301 §3.1, supported_versions
 *   RFC 8446 §4.2.1, signature_algorithms §4.2.3, supported_groups §4.2.7,
 *   renegotiation_info RFC 5746 §3.2; at most one of each type (RFC 8446 §4.2).
 * - SSLv2-compatible CLIENT-HELLO: RFC 5246 Appendix E.2, RFC 6101 Appendix E.2,
 *   draft-hickman-netscape-ssl-00 (2-byte record header, 3-byte cipher specs).
 * - GREASE values are dropped from every list (RFC 8701 §2).
 */

import {
  describeSslv2Spec,
  forbiddenWeaknesses,
  isGrease,
  sslv2SpecName,
  suiteName,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
} from "./cipher-suites.ts";
import { compareVersions, versionCode, versionName, type TlsVersionName } from "./versions.ts";
import {
  ByteReader,
  CONTENT_TYPE,
  describeNonTls,
  EXT,
  HANDSHAKE_TYPE,
  ParseError,
  readHandshakeMessage,
  readU16List,
} from "./wire.ts";

export interface ClientHello {
  /** Version in the (first) record header; 0x0002 for an SSLv2-format hello. */
  recordVersion: number;
  /** ClientHello.legacy_version (client_version before TLS 1.3). */
  legacyVersion: number;
  /** From the supported_versions extension, GREASE removed; empty if absent. */
  supportedVersions: number[];
  /** In client order, GREASE removed; SCSVs kept. */
  cipherSuites: number[];
  sni: string | undefined;
  alpn: string[];
  /** Extension types in order, GREASE removed. */
  extensions: number[];
  compressionMethods: number[];
  sslv2: boolean;
  /** Every 3-byte spec of an SSLv2-format hello (TLS-compatible ones included); empty otherwise. */
  sslv2CipherSpecs: number[];
  /** renegotiation_info extension or TLS_EMPTY_RENEGOTIATION_INFO_SCSV present (RFC 5746 §3.3). */
  hasRenegotiationInfo: boolean;
  /** TLS_FALLBACK_SCSV present (RFC 7507 §2). */
  hasFallbackScsv: boolean;
  signatureAlgorithms: number[];
  supportedGroups: number[];
}

export type HelloParse =
  | { kind: "incomplete"; needed?: number }
  | { kind: "not-tls"; reason: string }
  | { kind: "invalid"; reason: string }
  | { kind: "hello"; hello: ClientHello; consumed: number };

/** Largest ClientHello (handshake header included) that is reassembled. */
export const MAX_CLIENT_HELLO = 64 * 1024;

const EXPECTED = "a TLS ClientHello";

/**
 * Parses the first bytes received on a TLS connection. Feed it everything
 * received so far; "incomplete" means call again with more bytes.
 */
export function parseClientHello(buf: Buffer): HelloParse {
  if (buf.length === 0) return { kind: "incomplete", needed: 1 };
  const first = buf[0] ?? 0;
  if (first === CONTENT_TYPE.handshake) return parseTlsHello(buf);
  if (first & 0x80) return parseSslv2Hello(buf);
  if (first === CONTENT_TYPE.changeCipherSpec || first === CONTENT_TYPE.alert || first === CONTENT_TYPE.applicationData) {
    if (buf.length < 2) return { kind: "incomplete", needed: 1 };
    if (buf[1] === 0x03) return { kind: "invalid", reason: `TLS record of content type ${first} where ${EXPECTED} was expected` };
  }
  return { kind: "not-tls", reason: describeNonTls(buf, EXPECTED) };
}

function emptyHello(): ClientHello {
  return {
    recordVersion: 0,
    legacyVersion: 0,
    supportedVersions: [],
    cipherSuites: [],
    sni: undefined,
    alpn: [],
    extensions: [],
    compressionMethods: [],
    sslv2: false,
    sslv2CipherSpecs: [],
    hasRenegotiationInfo: false,
    hasFallbackScsv: false,
    signatureAlgorithms: [],
    supportedGroups: [],
  };
}

function parseTlsHello(buf: Buffer): HelloParse {
  const msg = readHandshakeMessage(buf, MAX_CLIENT_HELLO);
  if (msg.kind !== "message") return msg;
  if (msg.msgType !== HANDSHAKE_TYPE.clientHello) {
    return { kind: "invalid", reason: `handshake message type ${msg.msgType} where a ClientHello (1) was expected` };
  }
  try {
    const hello = parseHelloBody(msg.body);
    hello.recordVersion = msg.recordVersion;
    return { kind: "hello", hello, consumed: msg.consumed };
  } catch (e) {
    if (e instanceof ParseError) return { kind: "invalid", reason: `malformed ClientHello: ${e.message}` };
    throw e;
  }
}

/** RFC 8446 §4.1.2 ClientHello body (after the handshake header). */
function parseHelloBody(body: Buffer): ClientHello {
  const r = new ByteReader(body);
  const hello = emptyHello();
  hello.legacyVersion = r.u16("legacy_version");
  r.bytes(32, "random");
  const sessionId = r.vec8("legacy_session_id");
  if (sessionId.length > 32) throw new ParseError(`legacy_session_id of ${sessionId.length} bytes exceeds 32`);
  const suites = r.vec16("cipher_suites");
  if (suites.length < 2) throw new ParseError("cipher_suites is empty");
  hello.cipherSuites = readU16List(suites, "cipher_suites").filter((c) => !isGrease(c));
  const compression = r.vec8("legacy_compression_methods");
  if (compression.length < 1) throw new ParseError("legacy_compression_methods is empty");
  hello.compressionMethods = [...compression];
  if (r.remaining > 0) {
    parseExtensions(r.vec16("extensions"), hello);
    r.end("ClientHello");
  }
  hello.hasRenegotiationInfo ||= hello.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  hello.hasFallbackScsv = hello.cipherSuites.includes(TLS_FALLBACK_SCSV);
  return hello;
}

function parseExtensions(data: Buffer, hello: ClientHello): void {
  const r = new ByteReader(data);
  const seen = new Set<number>();
  while (r.remaining > 0) {
    const type = r.u16("extension type");
    const ext = r.vec16(`extension ${type}`);
    if (seen.has(type)) throw new ParseError(`duplicate extension ${type}`);
    seen.add(type);
    if (!isGrease(type)) hello.extensions.push(type);
    parseExtension(type, ext, hello);
  }
}

function parseExtension(type: number, data: Buffer, hello: ClientHello): void {
  const r = new ByteReader(data);
  switch (type) {
    case EXT.serverName: {
      // RFC 6066 §3: ServerNameList; one host_name at most, ASCII without NULs.
      const list = new ByteReader(r.vec16("server_name list"));
      if (list.remaining === 0) throw new ParseError("server_name list is empty");
      while (list.remaining > 0) {
        const nameType = list.u8("server_name type");
        const name = list.vec16("server_name");
        if (nameType !== 0) continue;
        if (hello.sni !== undefined) throw new ParseError("server_name has two host_name entries");
        if (name.length === 0) throw new ParseError("server_name host_name is empty");
        if (name.some((b) => b < 0x21 || b > 0x7e)) throw new ParseError("server_name host_name is not printable ASCII");
        hello.sni = name.toString("latin1");
      }
      break;
    }
    case EXT.alpn: {
      // RFC 7301 §3.1: ProtocolNameList <2..2^16-1>, each name <1..2^8-1>.
      const list = new ByteReader(r.vec16("ALPN list"));
      if (list.remaining === 0) throw new ParseError("ALPN list is empty");
      while (list.remaining > 0) {
        const name = list.vec8("ALPN protocol name");
        if (name.length === 0) throw new ParseError("ALPN protocol name is empty");
        hello.alpn.push(name.toString("latin1"));
      }
      break;
    }
    case EXT.supportedVersions: {
      // RFC 8446 §4.2.1: ProtocolVersion versions<2..254>.
      const list = r.vec8("supported_versions");
      if (list.length < 2) throw new ParseError("supported_versions is empty");
      hello.supportedVersions = readU16List(list, "supported_versions").filter((v) => !isGrease(v));
      break;
    }
    case EXT.signatureAlgorithms:
      hello.signatureAlgorithms = readU16List(r.vec16("signature_algorithms"), "signature_algorithms").filter((v) => !isGrease(v));
      break;
    case EXT.supportedGroups:
      hello.supportedGroups = readU16List(r.vec16("supported_groups"), "supported_groups").filter((v) => !isGrease(v));
      break;
    case EXT.renegotiationInfo:
      r.vec8("renegotiation_info"); // RFC 5746 §3.2: renegotiated_connection<0..255>
      hello.hasRenegotiationInfo = true;
      break;
    default:
      return; // other extensions are recorded by type only
  }
  r.end(`extension ${type}`);
}

/** RFC 5246 Appendix E.2: SSLv2-format CLIENT-HELLO with a 2-byte record header. */
function parseSslv2Hello(buf: Buffer): HelloParse {
  if (buf.length < 3) return { kind: "incomplete", needed: 3 - buf.length };
  if (buf[2] !== 1) return { kind: "not-tls", reason: describeNonTls(buf, EXPECTED) };
  const length = (((buf[0] ?? 0) & 0x7f) << 8) | (buf[1] ?? 0);
  if (buf.length < 2 + length) return { kind: "incomplete", needed: 2 + length - buf.length };
  try {
    const r = new ByteReader(buf.subarray(3, 2 + length));
    const hello = emptyHello();
    hello.sslv2 = true;
    hello.recordVersion = 0x0002;
    hello.legacyVersion = r.u16("version");
    const major = hello.legacyVersion >> 8;
    if (major !== 0x00 && major !== 0x03) throw new ParseError(`version 0x${hello.legacyVersion.toString(16)} is not SSL/TLS`);
    const specLen = r.u16("cipher_spec_length");
    const sessionLen = r.u16("session_id_length");
    const challengeLen = r.u16("challenge_length");
    if (specLen === 0 || specLen % 3 !== 0) throw new ParseError(`cipher_spec_length ${specLen} is not a positive multiple of 3`);
    if (sessionLen !== 0 && sessionLen !== 16) throw new ParseError(`session_id_length ${sessionLen} is not 0 or 16`);
    if (challengeLen < 16 || challengeLen > 32) throw new ParseError(`challenge_length ${challengeLen} is not 16..32`);
    const specs = r.bytes(specLen, "cipher_specs");
    r.bytes(sessionLen, "session_id");
    r.bytes(challengeLen, "challenge");
    r.end("SSLv2 CLIENT-HELLO");
    for (let i = 0; i < specs.length; i += 3) {
      const spec = specs.readUIntBE(i, 3);
      hello.sslv2CipherSpecs.push(spec);
      if (spec >> 16 === 0 && !isGrease(spec)) hello.cipherSuites.push(spec);
    }
    hello.hasRenegotiationInfo = hello.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    hello.hasFallbackScsv = hello.cipherSuites.includes(TLS_FALLBACK_SCSV);
    return { kind: "hello", hello, consumed: 2 + length };
  } catch (e) {
    if (e instanceof ParseError) return { kind: "invalid", reason: `malformed SSLv2 CLIENT-HELLO: ${e.message}` };
    throw e;
  }
}

const RANGE: readonly TlsVersionName[] = ["TLSv1", "TLSv1.1", "TLSv1.2"];

/** Versions a client may negotiate for a given legacy_version without supported_versions. */
function versionsUpTo(legacyVersion: number): TlsVersionName[] {
  if (legacyVersion >> 8 !== 0x03) return [];
  if (legacyVersion === 0x0300) return ["SSLv3"];
  // RFC 8446 §4.2.1: without supported_versions, TLS 1.3 cannot be negotiated.
  const max = Math.min(legacyVersion, 0x0303);
  return RANGE.filter((v) => versionCode(v) <= max);
}

/**
 * The versions the client is willing to speak, oldest first.
 * - supported_versions present: exactly the known versions in it.
 * - absent: every version from TLSv1 up to legacy_version, capped at TLSv1.2
 *   (0x0301 → ["TLSv1"]; 0x0303 → ["TLSv1","TLSv1.1","TLSv1.2"]); SSLv3 only
 *   when legacy_version is 0x0300 (modern clients that could speak SSLv3 are
 *   not counted as offering it).
 * - SSLv2-format hello: "SSLv2" when the header version is 0x0002 or a genuine
 *   SSLv2 spec is offered, plus the range implied by the header version.
 */
export function offeredVersions(hello: ClientHello): TlsVersionName[] {
  const set = new Set<TlsVersionName>();
  if (hello.sslv2) {
    if (hello.legacyVersion === 0x0002 || hello.sslv2CipherSpecs.some((s) => s >> 16 !== 0)) set.add("SSLv2");
    for (const v of versionsUpTo(hello.legacyVersion)) set.add(v);
  } else if (hello.supportedVersions.length > 0) {
    for (const code of hello.supportedVersions) {
      const name = versionName(code);
      if (name) set.add(name);
    }
  } else {
    for (const v of versionsUpTo(hello.legacyVersion)) set.add(v);
  }
  return [...set].sort(compareVersions);
}

/** The highest version offered, or undefined when none is known. */
export function maxOfferedVersion(hello: ClientHello): TlsVersionName | undefined {
  return offeredVersions(hello).at(-1);
}

export interface HelloSummary {
  offeredVersions: string[];
  maxVersion: string | undefined;
  cipherSuites: string[];
  /** Names of offered suites (and SSLv2 specs) with a forbidden weakness. */
  weakSuites: string[];
  sni: string | undefined;
  alpn: string[];
  sslv2: boolean;
}

/** A JSON-friendly summary for the audit log. */
export function summarizeHello(hello: ClientHello): HelloSummary {
  const weak = hello.cipherSuites.filter((c) => forbiddenWeaknesses(c).length > 0).map(suiteName);
  for (const spec of hello.sslv2CipherSpecs) {
    if (spec >> 16 !== 0 && describeSslv2Spec(spec)) weak.push(sslv2SpecName(spec));
  }
  return {
    offeredVersions: offeredVersions(hello),
    maxVersion: maxOfferedVersion(hello),
    cipherSuites: hello.cipherSuites.map(suiteName),
    weakSuites: weak,
    sni: hello.sni,
    alpn: [...hello.alpn],
    sslv2: hello.sslv2,
  };
}

// The server refuses a hello with an alert; the checker parses the answers to its hellos.
export { AlertDescription, AlertLevel, alertName, buildAlert, parseAlert } from "./alerts.ts";
export {
  parseServerHello,
  parseSslv2ServerHello,
  type ServerHelloParse,
} from "./server-hello.ts";
