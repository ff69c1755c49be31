/**
 * Parses a server's first answer to a hand-built ClientHello, for the TLS
 * checker: a ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3), a
 * HelloRetryRequest (RFC 8446 §4.1.4, recognised by its fixed random), an
 * alert (RFC 8446 §6), or an SSLv2 SERVER-HELLO / ERROR
 * (draft-hickman-netscape-ssl-00 §2.6, "Server Only Protocol Messages").
 * For probes that read further: the server's whole first flight (RFC 5246
 * §7.3: ServerHello … ServerHelloDone, handshake messages packed into records
 * in any way, §6.2.1), the key exchange parameters of a ServerKeyExchange
 * (RFC 5246 §7.4.3 ServerDHParams, RFC 8422 §5.4 ServerECDHParams), and single
 * records (e.g. a heartbeat response, RFC 6520 §3).
 */

import { alertName, parseAlert } from "./alerts.ts";
import { versionName, type TlsVersionName } from "./versions.ts";
import {
  ByteReader,
  CONTENT_TYPE,
  describeNonTls,
  EXT,
  HANDSHAKE_TYPE,
  MAX_RECORD_PLAINTEXT,
  ParseError,
  readHandshakeMessage,
} from "./wire.ts";

/** RFC 8446 §4.1.3: ServerHello.random of a HelloRetryRequest = SHA-256("HelloRetryRequest"). */
const HELLO_RETRY_REQUEST_RANDOM = Buffer.from(
  "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c",
  "hex",
);

export interface ServerHello {
  recordVersion: number;
  legacyVersion: number;
  /** The negotiated version: supported_versions.selected_version when present, else legacy_version. */
  version: number;
  versionName: TlsVersionName | undefined;
  cipherSuite: number;
  compressionMethod: number;
  sessionId: Buffer;
  /** Extension types in order. */
  extensions: number[];
  isHelloRetryRequest: boolean;
  /** key_share group (ServerHello) or selected_group (HelloRetryRequest). */
  keyShareGroup: number | undefined;
  /** The ALPN protocol the server selected. */
  alpn: string | undefined;
}

export type ServerHelloParse =
  | { kind: "incomplete"; needed?: number }
  | { kind: "not-tls"; reason: string }
  | { kind: "invalid"; reason: string }
  | { kind: "alert"; level: number; description: number; name: string; consumed: number }
  | { kind: "server-hello"; hello: ServerHello; consumed: number };

const EXPECTED = "a TLS ServerHello";

/** Parses the server's first record(s). An SSLv2-format answer is "not-tls" (see parseSslv2ServerHello). */
export function parseServerHello(buf: Buffer): ServerHelloParse {
  if (buf.length === 0) return { kind: "incomplete", needed: 1 };
  const first = buf[0] ?? 0;
  if (first === CONTENT_TYPE.alert) {
    const a = parseAlert(buf);
    return a.kind === "alert" ? { kind: "alert", level: a.level, description: a.description, name: a.name, consumed: a.consumed } : a;
  }
  if (first & 0x80) return { kind: "not-tls", reason: "an SSLv2-format record where a TLS ServerHello was expected" };
  if (first !== CONTENT_TYPE.handshake) return { kind: "not-tls", reason: describeNonTls(buf, EXPECTED) };
  const msg = readHandshakeMessage(buf, 64 * 1024);
  if (msg.kind !== "message") return msg;
  if (msg.msgType !== HANDSHAKE_TYPE.serverHello) {
    return { kind: "invalid", reason: `handshake message type ${msg.msgType} where a ServerHello (2) was expected` };
  }
  try {
    return { kind: "server-hello", hello: parseServerHelloBody(msg.body, msg.recordVersion), consumed: msg.consumed };
  } catch (e) {
    if (e instanceof ParseError) return { kind: "invalid", reason: `malformed ServerHello: ${e.message}` };
    throw e;
  }
}

function parseServerHelloBody(body: Buffer, recordVersion: number): ServerHello {
  const r = new ByteReader(body);
  const legacyVersion = r.u16("legacy_version");
  const random = r.bytes(32, "random");
  const sessionId = Buffer.from(r.vec8("legacy_session_id_echo"));
  const cipherSuite = r.u16("cipher_suite");
  const compressionMethod = r.u8("legacy_compression_method");
  const hello: ServerHello = {
    recordVersion,
    legacyVersion,
    version: legacyVersion,
    versionName: undefined,
    cipherSuite,
    compressionMethod,
    sessionId,
    extensions: [],
    isHelloRetryRequest: random.equals(HELLO_RETRY_REQUEST_RANDOM),
    keyShareGroup: undefined,
    alpn: undefined,
  };
  if (r.remaining > 0) {
    const exts = new ByteReader(r.vec16("extensions"));
    r.end("ServerHello");
    while (exts.remaining > 0) {
      const type = exts.u16("extension type");
      const data = new ByteReader(exts.vec16(`extension ${type}`));
      if (hello.extensions.includes(type)) throw new ParseError(`duplicate extension ${type}`);
      hello.extensions.push(type);
      if (type === EXT.supportedVersions) {
        hello.version = data.u16("selected_version"); // RFC 8446 §4.2.1
        data.end("supported_versions");
      } else if (type === EXT.keyShare) {
        hello.keyShareGroup = data.u16("key_share group"); // §4.2.8: KeyShareEntry or selected_group
      } else if (type === EXT.alpn) {
        const list = new ByteReader(data.vec16("ALPN list")); // RFC 7301 §3.1: exactly one name
        hello.alpn = list.vec8("ALPN protocol name").toString("latin1");
        list.end("ALPN list");
      }
    }
  }
  hello.versionName = versionName(hello.version);
  return hello;
}

type Sslv2ServerParse =
  | { kind: "incomplete"; needed?: number }
  | { kind: "not-sslv2"; reason: string }
  | { kind: "invalid"; reason: string }
  | { kind: "error"; errorCode: number; consumed: number }
  | {
      kind: "server-hello";
      sessionIdHit: boolean;
      certificateType: number;
      version: number;
      certificate: Buffer;
      cipherSpecs: number[];
      connectionId: Buffer;
      consumed: number;
    };

/** Parses an SSLv2 SERVER-HELLO (msg type 4) or ERROR (msg type 0) in a 2-byte-header record. */
export function parseSslv2ServerHello(buf: Buffer): Sslv2ServerParse {
  if (buf.length === 0) return { kind: "incomplete", needed: 1 };
  const first = buf[0] ?? 0;
  if (!(first & 0x80)) {
    if (first === CONTENT_TYPE.alert) {
      const a = parseAlert(buf);
      if (a.kind === "alert") return { kind: "not-sslv2", reason: `TLS alert ${alertName(a.description)}` };
    }
    return { kind: "not-sslv2", reason: describeNonTls(buf, "an SSLv2 SERVER-HELLO") };
  }
  if (buf.length < 2) return { kind: "incomplete", needed: 1 };
  const length = ((first & 0x7f) << 8) | (buf[1] ?? 0);
  if (buf.length < 2 + length) return { kind: "incomplete", needed: 2 + length - buf.length };
  const consumed = 2 + length;
  try {
    const r = new ByteReader(buf.subarray(2, consumed));
    const msgType = r.u8("msg_type");
    if (msgType === 0) {
      const errorCode = r.u16("error_code");
      return { kind: "error", errorCode, consumed };
    }
    if (msgType !== 4) return { kind: "invalid", reason: `SSLv2 message type ${msgType} where SERVER-HELLO (4) was expected` };
    const sessionIdHit = r.u8("session_id_hit") !== 0;
    const certificateType = r.u8("certificate_type");
    const version = r.u16("server_version");
    const certLen = r.u16("certificate_length");
    const specLen = r.u16("cipher_specs_length");
    const connLen = r.u16("connection_id_length");
    if (specLen % 3 !== 0) throw new ParseError(`cipher_specs_length ${specLen} is not a multiple of 3`);
    const certificate = Buffer.from(r.bytes(certLen, "certificate"));
    const specs = r.bytes(specLen, "cipher_specs");
    const connectionId = Buffer.from(r.bytes(connLen, "connection_id"));
    r.end("SSLv2 SERVER-HELLO");
    const cipherSpecs: number[] = [];
    for (let i = 0; i < specs.length; i += 3) cipherSpecs.push(specs.readUIntBE(i, 3));
    return { kind: "server-hello", sessionIdHit, certificateType, version, certificate, cipherSpecs, connectionId, consumed };
  } catch (e) {
    if (e instanceof ParseError) return { kind: "invalid", reason: `malformed SSLv2 SERVER-HELLO: ${e.message}` };
    throw e;
  }
}

/** RFC 5246 §7.4: the handshake types of a server's first flight. */
export const SERVER_HANDSHAKE_TYPE = {
  serverHello: 2,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateStatus: 22, // RFC 6066 §8
} as const;

type RecordParse =
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  | { kind: "record"; type: number; version: number; payload: Buffer; consumed: number };

/** One record at the start of `buf` (RFC 5246 §6.2: a ciphertext may be 2^14 + 2048 bytes). */
export function parseRecord(buf: Buffer): RecordParse {
  if (buf.length >= 2 && buf[1] !== 0x03) return { kind: "invalid", reason: `record version major byte 0x${(buf[1] ?? 0).toString(16)} is not 3` };
  if (buf.length < 5) return { kind: "incomplete" };
  const length = buf.readUInt16BE(3);
  if (length > MAX_RECORD_PLAINTEXT + 2048) return { kind: "invalid", reason: `record length ${length} exceeds 2^14 + 2048` };
  if (buf.length < 5 + length) return { kind: "incomplete" };
  return { kind: "record", type: buf[0] ?? 0, version: buf.readUInt16BE(1), payload: buf.subarray(5, 5 + length), consumed: 5 + length };
}

interface HandshakeMessage {
  type: number;
  body: Buffer;
}

interface FlightAlert {
  level: number;
  description: number;
  name: string;
}

export type ServerFlightParse =
  | { kind: "incomplete" }
  | { kind: "not-tls"; reason: string }
  | { kind: "invalid"; reason: string }
  /** A fatal alert (or close_notify) instead of a ServerHello. */
  | { kind: "alert"; alert: FlightAlert }
  | {
      kind: "flight";
      hello: ServerHello;
      /** The complete handshake messages after the ServerHello, in order. */
      messages: HandshakeMessage[];
      /**
       * Why the flight is over: ServerHelloDone, a record of another content type (TLS 1.3's
       * encrypted flight, a ChangeCipherSpec), an alert; null while more may follow.
       */
      end: "server-hello-done" | "other-record" | "alert" | null;
      alert: FlightAlert | null;
      consumed: number;
    };

/**
 * The server's first flight at the start of `buf`, as far as it has arrived: the ServerHello
 * (a warning alert before it, e.g. unrecognized_name per RFC 6066 §3, is skipped) and the
 * handshake messages after it, whichever way they are split over records.
 */
export function parseServerFlight(buf: Buffer): ServerFlightParse {
  if (buf.length === 0) return { kind: "incomplete" };
  if ((buf[0] ?? 0) & 0x80) return { kind: "not-tls", reason: "an SSLv2-format record where a TLS ServerHello was expected" };
  let off = 0;
  let stream: Buffer = Buffer.alloc(0);
  let hello: ServerHello | undefined;
  const messages: HandshakeMessage[] = [];
  const flight = (end: "server-hello-done" | "other-record" | "alert" | null, alert: FlightAlert | null = null): ServerFlightParse =>
    hello === undefined ? { kind: "incomplete" } : { kind: "flight", hello, messages, end, alert, consumed: off };
  for (;;) {
    const rest = buf.subarray(off);
    if (rest.length === 0) return flight(null);
    const first = rest[0] ?? 0;
    if (hello === undefined && first !== CONTENT_TYPE.handshake && first !== CONTENT_TYPE.alert) {
      return { kind: "not-tls", reason: describeNonTls(rest, EXPECTED) };
    }
    const r = parseRecord(rest);
    if (r.kind === "incomplete") return flight(null);
    if (r.kind === "invalid") return r;
    off += r.consumed;
    if (r.type === CONTENT_TYPE.alert) {
      if (r.payload.length !== 2) return hello === undefined ? { kind: "invalid", reason: `alert record of ${r.payload.length} bytes` } : flight("other-record");
      const alert = { level: r.payload[0] ?? 0, description: r.payload[1] ?? 0, name: alertName(r.payload[1] ?? 0) };
      if (hello !== undefined) return flight("alert", alert);
      if (alert.level === 1 && alert.description !== 0) continue;
      return { kind: "alert", alert };
    }
    if (r.type !== CONTENT_TYPE.handshake) return flight("other-record");
    stream = stream.length === 0 ? r.payload : Buffer.concat([stream, r.payload]);
    // RFC 5246 §7.4: msg_type (1 byte), length (uint24), body; messages may share or span records.
    while (stream.length >= 4) {
      const length = stream.readUIntBE(1, 3);
      if (stream.length < 4 + length) break;
      const type = stream[0] ?? 0;
      const body = stream.subarray(4, 4 + length);
      stream = stream.subarray(4 + length);
      if (hello === undefined) {
        if (type !== HANDSHAKE_TYPE.serverHello) return { kind: "invalid", reason: `handshake message type ${type} where a ServerHello (2) was expected` };
        try {
          hello = parseServerHelloBody(body, r.version);
        } catch (e) {
          if (e instanceof ParseError) return { kind: "invalid", reason: `malformed ServerHello: ${e.message}` };
          throw e;
        }
        continue;
      }
      messages.push({ type, body });
      if (type === SERVER_HANDSHAKE_TYPE.serverHelloDone) return flight("server-hello-done");
    }
  }
}

export type KeyExchangeParams =
  /** RFC 5246 §7.4.3 ServerDHParams: the group's prime and generator. */
  | { kind: "dhe"; prime: Buffer; primeBits: number; generator: Buffer }
  /** RFC 8422 §5.4 ServerECDHParams: curve_type 3 (named_curve) and the NamedCurve; null for explicit curves. */
  | { kind: "ecdhe"; curveType: number; namedCurve: number | null };

/** The leading parameters of a ServerKeyExchange body for a DHE or ECDHE suite. Throws ParseError. */
export function parseKeyExchangeParams(body: Buffer, kx: "DHE" | "ECDHE"): KeyExchangeParams {
  const r = new ByteReader(body);
  if (kx === "DHE") {
    const prime = r.vec16("dh_p");
    const generator = r.vec16("dh_g");
    r.vec16("dh_Ys");
    return { kind: "dhe", prime, primeBits: bitLength(prime), generator };
  }
  const curveType = r.u8("curve_type");
  return { kind: "ecdhe", curveType, namedCurve: curveType === 3 ? r.u16("namedcurve") : null };
}

/** Bits of an unsigned big-endian integer (leading zero bytes ignored). */
function bitLength(n: Buffer): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i] ?? 0));
}
