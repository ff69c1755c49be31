import { test } from "node:test";
import assert from "node:assert/strict";
import { isGrease } from "./cipher-suites.ts";
import {
  MAX_CLIENT_HELLO,
  maxOfferedVersion,
  offeredVersions,
  parseClientHello,
  summarizeHello,
  type ClientHello,
  type HelloParse,
} from "./client-hello.ts";
import { buildClientHello, buildSslv2ClientHello, toRecords } from "./hello-builder.ts";
import { u16, u16List, u24, vec16, vec8 } from "./wire.ts";

function hello(p: HelloParse): ClientHello {
  assert.equal(p.kind, "hello", JSON.stringify(p));
  if (p.kind !== "hello") throw new Error("unreachable");
  return p.hello;
}

function reason(p: HelloParse, kind: "invalid" | "not-tls"): string {
  assert.equal(p.kind, kind, JSON.stringify(p));
  return p.kind === kind ? p.reason : "";
}

/** A ClientHello record assembled from raw parts, for malformed variants. */
function rawHello(o: { type?: number; sessionId?: Buffer; suites?: Buffer; extensions?: Buffer; trailer?: Buffer }): Buffer {
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7),
    vec8(o.sessionId ?? Buffer.alloc(0)),
    o.suites ?? vec16(u16List([0xc02f])),
    vec8(Buffer.from([0])),
    ...(o.extensions ? [o.extensions] : []),
    o.trailer ?? Buffer.alloc(0),
  ]);
  return toRecords(Buffer.concat([Buffer.from([o.type ?? 1]), u24(body.length), body]), 0x0301);
}

const ext = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vec16(data)]);

test("round trip: TLS 1.2 + 1.3 hello with SNI and ALPN", () => {
  const buf = buildClientHello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1301, 0x1302, 0xc02f], sni: "mx.example.org", alpn: ["smtp", "h2"] });
  const p = parseClientHello(buf);
  const h = hello(p);
  assert.equal(p.kind === "hello" && p.consumed, buf.length);
  assert.equal(h.recordVersion, 0x0301);
  assert.equal(h.legacyVersion, 0x0303);
  assert.deepEqual(h.supportedVersions, [0x0304, 0x0303]);
  assert.deepEqual(h.cipherSuites, [0x1301, 0x1302, 0xc02f]);
  assert.equal(h.sni, "mx.example.org");
  assert.deepEqual(h.alpn, ["smtp", "h2"]);
  assert.deepEqual(h.extensions, [0, 23, 0xff01, 10, 11, 13, 16, 43, 45, 51]);
  assert.deepEqual(h.compressionMethods, [0]);
  assert.equal(h.hasRenegotiationInfo, true);
  assert.equal(h.hasFallbackScsv, false);
  assert.deepEqual(h.supportedGroups, [0x001d, 0x0017, 0x0018, 0x0019, 0x001e]);
  assert.ok(h.signatureAlgorithms.includes(0x0804));
  assert.deepEqual(offeredVersions(h), ["TLSv1.2", "TLSv1.3"]);
  assert.equal(maxOfferedVersion(h), "TLSv1.3");
});

test("round trip: TLS 1.0-only hello has no supported_versions and offers exactly TLSv1", () => {
  const h = hello(parseClientHello(buildClientHello({ versions: ["TLSv1"], cipherSuites: [0xc013, 0x002f, 0x5600] })));
  assert.equal(h.legacyVersion, 0x0301);
  assert.deepEqual(h.supportedVersions, []);
  assert.ok(!h.extensions.includes(43) && !h.extensions.includes(13) && !h.extensions.includes(51));
  assert.equal(h.hasFallbackScsv, true);
  assert.deepEqual(offeredVersions(h), ["TLSv1"]);
});

test("offeredVersions without supported_versions: every version from TLSv1 up to legacy_version", () => {
  const h11 = hello(parseClientHello(buildClientHello({ versions: ["TLSv1.1"], cipherSuites: [0x002f] })));
  assert.deepEqual(offeredVersions(h11), ["TLSv1", "TLSv1.1"]);
  const h12 = hello(parseClientHello(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f] })));
  assert.deepEqual(offeredVersions(h12), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  assert.equal(maxOfferedVersion(h12), "TLSv1.2");
  // legacy_version 0x0304 without the extension still cannot negotiate TLS 1.3 (RFC 8446 §4.2.1).
  assert.deepEqual(offeredVersions({ ...h12, legacyVersion: 0x0304 }), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  const ssl3 = hello(parseClientHello(buildClientHello({ versions: ["SSLv3"], cipherSuites: [0x000a] })));
  assert.equal(ssl3.recordVersion, 0x0300);
  assert.deepEqual(ssl3.extensions, []);
  assert.deepEqual(ssl3.cipherSuites, [0x000a, 0x00ff]);
  assert.equal(ssl3.hasRenegotiationInfo, true);
  assert.deepEqual(offeredVersions(ssl3), ["SSLv3"]);
  assert.deepEqual(offeredVersions({ ...ssl3, legacyVersion: 0x0200 }), []);
  assert.equal(maxOfferedVersion({ ...ssl3, legacyVersion: 0x0200 }), undefined);
});

test("offeredVersions with supported_versions: exactly the known ones, drafts as TLSv1.3", () => {
  const h = hello(parseClientHello(buildClientHello({ versions: ["TLSv1", "TLSv1.2"], includeSupportedVersions: true, cipherSuites: [0xc02f] })));
  assert.deepEqual(h.supportedVersions, [0x0303, 0x0301]);
  assert.deepEqual(offeredVersions(h), ["TLSv1", "TLSv1.2"]);
  assert.deepEqual(offeredVersions({ ...h, supportedVersions: [0x7f1c, 0x0303, 0x9999] }), ["TLSv1.2", "TLSv1.3"]);
});

test("GREASE values are removed from suites, extensions, versions and groups", () => {
  const buf = buildClientHello({
    versions: ["TLSv1.2", "TLSv1.3"],
    cipherSuites: [0x3a3a, 0x1301, 0xc02f],
    grease: true,
    extraExtensions: [{ type: 0x5a5a, data: Buffer.alloc(0) }],
  });
  assert.ok(buf.includes(Buffer.from([0x3a, 0x3a, 0x13, 0x01])), "the raw hello carries GREASE");
  const h = hello(parseClientHello(buf));
  assert.deepEqual(h.cipherSuites, [0x1301, 0xc02f]);
  assert.deepEqual(h.supportedVersions, [0x0304, 0x0303]);
  for (const list of [h.cipherSuites, h.extensions, h.supportedVersions, h.supportedGroups, h.signatureAlgorithms]) {
    assert.ok(list.every((v) => !isGrease(v)), JSON.stringify(list));
  }
  assert.deepEqual(summarizeHello(h).cipherSuites, ["TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
});

test("feeding byte by byte: incomplete until the last byte, then the hello", () => {
  const buf = buildClientHello({ versions: ["TLSv1.3"], cipherSuites: [0x1301], sni: "a.example" });
  for (let n = 0; n < buf.length; n++) {
    const p = parseClientHello(buf.subarray(0, n));
    assert.equal(p.kind, "incomplete", `at ${n} bytes`);
    if (p.kind === "incomplete" && p.needed !== undefined) assert.ok(p.needed >= 1 && n + p.needed <= buf.length, `needed at ${n}`);
  }
  assert.equal(hello(parseClientHello(buf)).sni, "a.example");
});

test("a hello fragmented over several records is reassembled; bytes after it are not consumed", () => {
  const buf = buildClientHello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1301, 0xc030], sni: "frag.example", fragmentRecords: 5 });
  let records = 0;
  for (let off = 0; off < buf.length; off += 5 + buf.readUInt16BE(off + 3)) records++;
  assert.equal(records, 5);
  const more = Buffer.concat([buf, Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01])]);
  const p = parseClientHello(more);
  assert.equal(hello(p).sni, "frag.example");
  assert.equal(p.kind === "hello" && p.consumed, buf.length);
  for (let n = buf.length - 1; n > buf.length - 40; n--) assert.equal(parseClientHello(buf.subarray(0, n)).kind, "incomplete");
});

test("a handshake message over 64 KiB is invalid as soon as its length is known", () => {
  const header = Buffer.concat([Buffer.from([1]), u24(MAX_CLIENT_HELLO)]); // 4 + 65536 > cap
  const first = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(100), header, Buffer.alloc(96)]);
  assert.match(reason(parseClientHello(first), "invalid"), /exceeds the 65536-byte limit/);
  const big = buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f], extraExtensions: [{ type: 0xffce, data: Buffer.alloc(40000) }] });
  assert.equal(hello(parseClientHello(big)).cipherSuites[0], 0xc02f); // 40 KB spans 3 records and is fine
});

test("plaintext and other non-TLS data is not-tls with a safe, short reason", () => {
  assert.equal(reason(parseClientHello(Buffer.from("NOOP\r\n")), "not-tls"), 'plaintext data ("NOOP") where a TLS ClientHello was expected');
  assert.match(reason(parseClientHello(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), "not-tls"), /\("GET \/ HTTP\/1\.1"\)/);
  assert.match(reason(parseClientHello(Buffer.from("EHLO client.example.org with a long tail\r\n")), "not-tls"), /\("EHLO client\.example\."\)/);
  assert.match(reason(parseClientHello(Buffer.from('A"\\\u0007b\u00ffc')), "not-tls"), /\("A\.\.\.b\.\.c"\)/);
  assert.match(reason(parseClientHello(Buffer.from([0x00, 0x01, 0x02])), "not-tls"), /binary data \(00 01 02\)/);
  assert.equal(parseClientHello(Buffer.from([0x80, 0x2e])).kind, "incomplete"); // SSLv2 header, type unknown yet
  assert.equal(parseClientHello(Buffer.from([0x85, 0x2e, 0x47])).kind, "not-tls"); // high bit but not CLIENT-HELLO
});

test("malformed TLS records and hellos are invalid with a reason", () => {
  const cases: [Buffer, RegExp][] = [
    [Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]), /content type 21/],
    [Buffer.from([0x16, 0x02, 0x00, 0x00, 0x10]), /major byte/],
    [Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00]), /empty handshake record/],
    [Buffer.from([0x16, 0x03, 0x01, 0x48, 0x01]), /exceeds 2\^14/],
    [rawHello({ type: 2 }), /type 2 where a ClientHello/],
    [rawHello({ sessionId: Buffer.alloc(33) }), /legacy_session_id of 33 bytes/],
    [rawHello({ suites: vec16(Buffer.from([0xc0, 0x2f, 0x00])) }), /cipher_suites has an odd length/],
    [rawHello({ suites: vec16(Buffer.alloc(0)) }), /cipher_suites is empty/],
    [rawHello({ extensions: Buffer.concat([u16(10), u16(0), u16(4)]) }), /extensions is truncated/],
    [rawHello({ extensions: vec16(Buffer.concat([u16(16), u16(10), Buffer.alloc(3)])) }), /extension 16 is truncated/],
    [rawHello({ extensions: vec16(Buffer.concat([ext(23, Buffer.alloc(0)), ext(23, Buffer.alloc(0))])) }), /duplicate extension 23/],
    [rawHello({ extensions: vec16(ext(0, vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from("a\u0000b"))])))) }), /not printable ASCII/],
    [rawHello({ extensions: vec16(ext(16, vec16(vec8(Buffer.alloc(0))))) }), /ALPN protocol name is empty/],
    [rawHello({ extensions: vec16(ext(43, Buffer.concat([vec8(u16(0x0304)), Buffer.from([0])]))) }), /trailing byte\(s\) in extension 43/],
    [rawHello({ extensions: vec16(Buffer.alloc(0)), trailer: Buffer.from([1]) }), /trailing byte\(s\) in ClientHello/],
  ];
  for (const [buf, re] of cases) assert.match(reason(parseClientHello(buf), "invalid"), re);
  // A record of another type in the middle of a fragmented hello.
  const two = buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f], fragmentRecords: 2 });
  const firstLen = 5 + two.readUInt16BE(3);
  const spliced = Buffer.concat([two.subarray(0, firstLen), Buffer.from([0x17, 0x03, 0x03, 0x00, 0x01, 0x00])]);
  assert.match(reason(parseClientHello(spliced), "invalid"), /content type 23 inside a fragmented/);
});

test("a hello without extensions (SSLv3-era) parses", () => {
  const h = hello(parseClientHello(rawHello({})));
  assert.deepEqual(h.extensions, []);
  assert.equal(h.sni, undefined);
  assert.deepEqual(offeredVersions(h), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
});

test("a hello offering only 3DES and RC4 lists them as weak suites", () => {
  const h = hello(parseClientHello(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0x000a, 0x0005, 0xc012, 0x0004] })));
  const s = summarizeHello(h);
  assert.deepEqual(s.weakSuites, [
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_RC4_128_MD5",
  ]);
  const { sni, ...rest } = s;
  assert.equal(sni, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), rest); // JSON-friendly
  const ok = summarizeHello(hello(parseClientHello(buildClientHello({ versions: ["TLSv1.3"], cipherSuites: [0x1301] }))));
  assert.deepEqual(ok.weakSuites, []);
  assert.deepEqual(ok.offeredVersions, ["TLSv1.3"]);
  assert.equal(ok.maxVersion, "TLSv1.3");
});

test("SSLv2 CLIENT-HELLO round trip", () => {
  const buf = buildSslv2ClientHello({ version: 0x0002, cipherSpecs: [0x010080, 0x0700c0, 0x060040] });
  const p = parseClientHello(buf);
  const h = hello(p);
  assert.equal(p.kind === "hello" && p.consumed, buf.length);
  assert.equal(h.sslv2, true);
  assert.equal(h.legacyVersion, 0x0002);
  assert.deepEqual(h.sslv2CipherSpecs, [0x010080, 0x0700c0, 0x060040]);
  assert.deepEqual(h.cipherSuites, []);
  assert.deepEqual(offeredVersions(h), ["SSLv2"]);
  const s = summarizeHello(h);
  assert.equal(s.sslv2, true);
  assert.deepEqual(s.weakSuites, ["SSL_CK_RC4_128_WITH_MD5", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "SSL_CK_DES_64_CBC_WITH_MD5"]);
  for (let n = 0; n < buf.length; n++) assert.equal(parseClientHello(buf.subarray(0, n)).kind, "incomplete");
});

test("SSLv2-compatible hello of a TLS client: TLS suites extracted, SSLv2 only if a real SSLv2 spec is offered", () => {
  const compat = hello(parseClientHello(buildSslv2ClientHello({ version: 0x0301, cipherSpecs: [0x00002f, 0x00000a, 0x0000ff, 0x002a2a] })));
  assert.deepEqual(compat.cipherSuites, [0x002f, 0x000a, 0x00ff]);
  assert.equal(compat.hasRenegotiationInfo, true);
  assert.deepEqual(offeredVersions(compat), ["TLSv1"]);
  assert.deepEqual(summarizeHello(compat).weakSuites, ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]);
  const mixed = hello(parseClientHello(buildSslv2ClientHello({ version: 0x0301, cipherSpecs: [0x010080, 0x00002f] })));
  assert.deepEqual(offeredVersions(mixed), ["SSLv2", "TLSv1"]);
  assert.equal(maxOfferedVersion(mixed), "TLSv1");
});

test("malformed SSLv2 hellos are invalid", () => {
  const good = buildSslv2ClientHello({ version: 0x0002, cipherSpecs: [0x010080] });
  const badSpecLen = Buffer.from(good);
  badSpecLen.writeUInt16BE(4, 5);
  assert.match(reason(parseClientHello(badSpecLen), "invalid"), /cipher_spec_length 4/);
  const badVersion = Buffer.from(good);
  badVersion.writeUInt16BE(0x0505, 3);
  assert.match(reason(parseClientHello(badVersion), "invalid"), /not SSL\/TLS/);
  const badChallenge = Buffer.from(good);
  badChallenge.writeUInt16BE(8, 9);
  assert.match(reason(parseClientHello(badChallenge), "invalid"), /challenge_length 8/);
});
