/**
 * TLS alerts (RFC 8446 §6; older codes from RFC 5246 §7.2 and RFC 6066 §9):
 * building the plaintext alert a server sends to refuse a ClientHello, and
 * parsing the alert a server sends to refuse a probe's hello.
 */

import { ByteReader, CONTENT_TYPE, u16 } from "./wire.ts";

/** RFC 8446 §6: AlertLevel. */
export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** RFC 8446 §6: AlertDescription values a server or checker deals with. */
export const AlertDescription = {
  closeNotify: 0,
  unexpectedMessage: 10,
  handshakeFailure: 40,
  illegalParameter: 47,
  decodeError: 50,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
  inappropriateFallback: 86,
  unrecognizedName: 112,
  noApplicationProtocol: 120,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  0: "close_notify",
  10: "unexpected_message",
  20: "bad_record_mac",
  21: "decryption_failed",
  22: "record_overflow",
  30: "decompression_failure",
  40: "handshake_failure",
  41: "no_certificate",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  47: "illegal_parameter",
  48: "unknown_ca",
  49: "access_denied",
  50: "decode_error",
  51: "decrypt_error",
  60: "export_restriction",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  86: "inappropriate_fallback",
  90: "user_canceled",
  100: "no_renegotiation",
  109: "missing_extension",
  110: "unsupported_extension",
  111: "certificate_unobtainable",
  112: "unrecognized_name",
  113: "bad_certificate_status_response",
  114: "bad_certificate_hash_value",
  115: "unknown_psk_identity",
  116: "certificate_required",
  120: "no_application_protocol",
};

/** The RFC name of an alert description ("protocol_version"), or "alert_<n>" when unknown. */
export function alertName(description: number): string {
  return NAMES[description] ?? `alert_${description}`;
}

/**
 * A plaintext alert record (RFC 8446 §6, §5.1): content type 21, the record
 * version, length 2, level, description. Before a version is agreed the record
 * version should echo the client's record version (0x0301 is always safe).
 */
export function buildAlert(level: number, description: number, recordVersion = 0x0303): Buffer {
  return Buffer.concat([Buffer.from([CONTENT_TYPE.alert]), u16(recordVersion), u16(2), Buffer.from([level, description])]);
}

type AlertParse =
  | { kind: "incomplete"; needed?: number }
  | { kind: "invalid"; reason: string }
  | { kind: "alert"; level: number; description: number; name: string; recordVersion: number; consumed: number };

/** Parses a plaintext alert record at the start of `buf`. */
export function parseAlert(buf: Buffer): AlertParse {
  if (buf.length < 5) return { kind: "incomplete", needed: 5 - buf.length };
  if (buf[0] !== CONTENT_TYPE.alert) return { kind: "invalid", reason: `record of content type ${buf[0]} is not an alert` };
  if (buf[1] !== 0x03) return { kind: "invalid", reason: "alert record version is not SSL 3.0/TLS" };
  const r = new ByteReader(buf);
  r.bytes(1, "type");
  const recordVersion = r.u16("version");
  const length = r.u16("length");
  if (length !== 2) return { kind: "invalid", reason: `alert record of ${length} bytes (encrypted, or not an alert)` };
  if (buf.length < 7) return { kind: "incomplete", needed: 7 - buf.length };
  const level = r.u8("level");
  const description = r.u8("description");
  return { kind: "alert", level, description, name: alertName(description), recordVersion, consumed: 7 };
}
