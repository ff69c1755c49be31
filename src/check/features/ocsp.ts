/**
 * A stapled OCSP response (RFC 6066 §8) read as far as the checker needs it, with a small DER
 * reader (X.690 §8.1: tag, length, contents): the responseStatus (RFC 6960 §4.2.1) and, for a
 * successful basic response (§4.2.1, id-pkix-ocsp-basic), the first SingleResponse's certStatus
 * and nextUpdate. The signature is not verified: the client that receives the staple does that;
 * the checker reports what the server sends.
 */

interface StapledResponse {
  /** "successful", "tryLater" … (RFC 6960 §4.2.1 OCSPResponseStatus). */
  responseStatus: string;
  /** The first SingleResponse's certStatus; null when there is none or it could not be read. */
  certStatus: "good" | "revoked" | "unknown" | null;
  /** The first SingleResponse's nextUpdate (ISO time), when given. */
  nextUpdate: string | null;
}

const RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: "successful",
  1: "malformedRequest",
  2: "internalError",
  3: "tryLater",
  5: "sigRequired",
  6: "unauthorized",
};

interface Tlv {
  tag: number;
  value: Buffer;
  /** Offset just past this element. */
  end: number;
}

class DerError extends Error {}

/** One DER element at `off` (definite lengths only, as DER requires, X.690 §10.1). */
function tlv(buf: Buffer, off: number): Tlv {
  const tag = buf[off];
  const first = buf[off + 1];
  if (tag === undefined || first === undefined) throw new DerError("truncated");
  let len = first;
  let start = off + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new DerError("bad length");
    len = buf.readUIntBE(start, n);
    start += n;
  }
  if (start + len > buf.length) throw new DerError("truncated");
  return { tag, value: buf.subarray(start, start + len), end: start + len };
}

/** The elements inside a constructed element's contents. */
function children(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < value.length; ) {
    const t = tlv(value, off);
    out.push(t);
    off = t.end;
  }
  return out;
}

/** GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 5280 §4.1.2.5.2) as ISO 8601. */
function generalizedTime(value: Buffer): string | null {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(value.toString("latin1"));
  return m === null ? null : `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/** Reads a stapled OCSPResponse; null when it is not DER of that shape. */
export function parseStapledResponse(der: Buffer): StapledResponse | null {
  try {
    const top = tlv(der, 0);
    if (top.tag !== 0x30) return null;
    const [status, bytes] = children(top.value);
    if (status?.tag !== 0x0a || status.value.length !== 1) return null;
    const code = status.value[0] ?? 0;
    const result: StapledResponse = { responseStatus: RESPONSE_STATUS[code] ?? `status ${code}`, certStatus: null, nextUpdate: null };
    if (code !== 0 || bytes?.tag !== 0xa0) return result;
    // responseBytes: SEQUENCE { responseType OID, response OCTET STRING (BasicOCSPResponse) }
    const [, octets] = children(tlv(bytes.value, 0).value);
    if (octets?.tag !== 0x04) return result;
    const basic = tlv(octets.value, 0);
    const tbs = children(basic.value)[0];
    if (tbs?.tag !== 0x30) return result;
    // ResponseData: [0] version OPTIONAL, responderID, producedAt, responses SEQUENCE OF SingleResponse
    const fields = children(tbs.value).filter((f) => f.tag !== 0xa0);
    const responses = fields[2];
    const single = responses?.tag === 0x30 ? children(responses.value)[0] : undefined;
    if (single?.tag !== 0x30) return result;
    // SingleResponse: certID, certStatus ([0] good, [1] revoked, [2] unknown), thisUpdate, [0] nextUpdate
    const parts = children(single.value);
    const certStatus = parts[1]?.tag;
    result.certStatus = certStatus === 0x80 ? "good" : certStatus === 0xa1 ? "revoked" : certStatus === 0x82 ? "unknown" : null;
    const next = parts.slice(3).find((p) => p.tag === 0xa0);
    if (next !== undefined) {
      const time = tlv(next.value, 0);
      if (time.tag === 0x18) result.nextUpdate = generalizedTime(time.value);
    }
    return result;
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}
