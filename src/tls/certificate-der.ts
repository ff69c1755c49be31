/**
 * What Node's X509Certificate does not give structurally, read from the certificate's DER:
 * the subjectAltName dNSNames and iPAddresses (RFC 5280 §4.2.1.6), the subject's and issuer's
 * common names (§4.1.2.4, §4.1.2.6; X.520 id-at-commonName), the CRL distribution points' URLs
 * (§4.2.1.13) and the OCSP responders' URLs (§4.2.2.1). Node's own `subjectAltName` and
 * `subject` are strings whose escaping a crafted name can confuse; these come from the structure.
 *
 * A minimal DER reader (X.690 §8, §10): definite lengths only, the tags these fields use. It is
 * linear in the certificate's size and a malformed certificate throws `CertificateDerError`.
 * Reading here rather than with @peculiar/x509 keeps that library (and its ~140 ms of loading)
 * off the paths that only inspect certificates: `sealpost check`, outbound delivery.
 */
import { isIP } from "node:net";

export class CertificateDerError extends Error {
  override name = "CertificateDerError";
}

interface CertificateNames {
  /** subjectAltName dNSName entries, as written. */
  dns: string[];
  /** subjectAltName iPAddress entries, as text. */
  ips: string[];
  /** The subject's first commonName, or null. */
  cn: string | null;
  /** The issuer's first commonName, or null. */
  issuerCn: string | null;
}

interface RevocationUrls {
  crlUrls: string[];
  ocspUrls: string[];
}

interface Tlv {
  tag: number;
  /** Start and end of the contents. */
  start: number;
  end: number;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const OCTET_STRING = 0x04;
const CONTEXT_0 = 0xa0;
const CONTEXT_3 = 0xa3;
/** GeneralName (RFC 5280 §4.2.1.6), implicitly tagged. */
const GN_DNS = 0x82;
const GN_URI = 0x86;
const GN_IP = 0x87;

const OID_CN = "550403";
const OID_SAN = "551d11";
const OID_CRL_DP = "551d1f";
const OID_AIA = "2b06010505070101";
const OID_OCSP = "2b06010505073001"; // 1.3.6.1.5.5.7.48.1

function readTlv(der: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new CertificateDerError("truncated element");
  const tag = der[at] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new CertificateDerError("high tag numbers are not used in certificates");
  let len = der[at + 1] ?? 0;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new CertificateDerError("indefinite or oversized length");
    if (start + n > limit) throw new CertificateDerError("truncated length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new CertificateDerError("element runs past its container");
  return { tag, start, end };
}

/** The elements directly inside `outer`. */
function children(der: Buffer, outer: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = outer.start; at < outer.end; ) {
    const t = readTlv(der, at, outer.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined || t.tag !== tag) throw new CertificateDerError(`expected ${what}`);
  return t;
}

const hex = (der: Buffer, t: Tlv): string => der.toString("hex", t.start, t.end);

/** TBSCertificate's fields (RFC 5280 §4.1). */
function tbsFields(der: Buffer): { issuer: Tlv; subject: Tlv; extensions: Map<string, Tlv> } {
  const cert = expect(readTlv(der, 0, der.length), SEQUENCE, "Certificate");
  const tbs = expect(children(der, cert)[0], SEQUENCE, "TBSCertificate");
  const fields = children(der, tbs);
  let i = fields[0]?.tag === CONTEXT_0 ? 1 : 0; // [0] version
  i += 2; // serialNumber, signature
  const issuer = expect(fields[i], SEQUENCE, "issuer Name");
  const subject = expect(fields[i + 2], SEQUENCE, "subject Name"); // after validity
  const extensions = new Map<string, Tlv>();
  const wrapper = fields.slice(i + 4).find((f) => f.tag === CONTEXT_3); // after subjectPublicKeyInfo and unique IDs
  if (wrapper !== undefined) {
    for (const ext of children(der, expect(children(der, wrapper)[0], SEQUENCE, "Extensions"))) {
      const parts = children(der, expect(ext, SEQUENCE, "Extension"));
      const id = expect(parts[0], OID, "extnID");
      const value = expect(parts.at(-1), OCTET_STRING, "extnValue");
      if (!extensions.has(hex(der, id))) extensions.set(hex(der, id), readTlv(der, value.start, value.end));
    }
  }
  return { issuer, subject, extensions };
}

/** A directory string (X.520): UTF8String, PrintableString, IA5String, TeletexString, BMPString, UniversalString. */
function directoryString(der: Buffer, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x0c:
      return bytes.toString("utf8");
    case 0x1e: // BMPString: UTF-16BE, two bytes a character (swap16 would throw a RangeError on an odd count)
      if (bytes.length % 2 !== 0) throw new CertificateDerError("BMPString of an odd length");
      return Buffer.from(bytes).swap16().toString("utf16le");
    case 0x1c: {
      // UniversalString: UCS-4, four bytes a character; a partial one is damage, not something to drop.
      if (bytes.length % 4 !== 0) throw new CertificateDerError("UniversalString whose length is not a multiple of 4");
      let s = "";
      for (let i = 0; i + 4 <= bytes.length; i += 4) s += String.fromCodePoint(Math.min(bytes.readUInt32BE(i), 0x10ffff));
      return s;
    }
    default:
      return bytes.toString("latin1");
  }
}

/** The first commonName of a Name (RDNSequence). */
function commonName(der: Buffer, name: Tlv): string | null {
  for (const rdn of children(der, name)) {
    for (const atv of children(der, expect(rdn, SET, "RelativeDistinguishedName"))) {
      const [type, value] = children(der, expect(atv, SEQUENCE, "AttributeTypeAndValue"));
      if (type !== undefined && value !== undefined && hex(der, type) === OID_CN) return directoryString(der, value);
    }
  }
  return null;
}

function ipText(bytes: Buffer): string | null {
  if (bytes.length === 4) return [...bytes].join(".");
  if (bytes.length !== 16) return null;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  const text = groups.join(":");
  return isIP(text) === 6 ? text : null;
}

/** GeneralNames (a SEQUENCE, or an implicitly tagged one): each name's tag and contents. */
function generalNames(der: Buffer, names: Tlv): Array<{ tag: number; bytes: Buffer }> {
  return children(der, names).map((n) => ({ tag: n.tag, bytes: der.subarray(n.start, n.end) }));
}

export function certificateNames(der: Buffer): CertificateNames {
  const { issuer, subject, extensions } = tbsFields(der);
  const dns: string[] = [];
  const ips: string[] = [];
  const san = extensions.get(OID_SAN);
  if (san !== undefined) {
    for (const n of generalNames(der, expect(san, SEQUENCE, "GeneralNames"))) {
      if (n.tag === GN_DNS) dns.push(n.bytes.toString("latin1"));
      if (n.tag === GN_IP) {
        const ip = ipText(n.bytes);
        if (ip !== null) ips.push(ip);
      }
    }
  }
  return { dns, ips, cn: commonName(der, subject), issuerCn: commonName(der, issuer) };
}

export function revocationUrls(der: Buffer): RevocationUrls {
  const { extensions } = tbsFields(der);
  const crlUrls: string[] = [];
  const ocspUrls: string[] = [];
  const crl = extensions.get(OID_CRL_DP);
  if (crl !== undefined) {
    for (const point of children(der, expect(crl, SEQUENCE, "CRLDistributionPoints"))) {
      // DistributionPoint ::= SEQUENCE { distributionPoint [0] { fullName [0] GeneralNames } ... }
      const dpName = children(der, expect(point, SEQUENCE, "DistributionPoint")).find((f) => f.tag === CONTEXT_0);
      const fullName = dpName !== undefined ? children(der, dpName).find((f) => f.tag === CONTEXT_0) : undefined;
      if (fullName === undefined) continue;
      for (const n of generalNames(der, fullName)) if (n.tag === GN_URI) crlUrls.push(n.bytes.toString("latin1"));
    }
  }
  const aia = extensions.get(OID_AIA);
  if (aia !== undefined) {
    for (const desc of children(der, expect(aia, SEQUENCE, "AuthorityInfoAccessSyntax"))) {
      const [method, location] = children(der, expect(desc, SEQUENCE, "AccessDescription"));
      if (method !== undefined && location?.tag === GN_URI && hex(der, method) === OID_OCSP) {
        ocspUrls.push(der.toString("latin1", location.start, location.end));
      }
    }
  }
  return { crlUrls, ocspUrls };
}
