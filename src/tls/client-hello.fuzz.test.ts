/**
 * Fuzzing the ClientHello parser (issue 9), which reads a client's first bytes before any TLS
 * library does: ClientHellos built from random fields and extensions, fragmented over records of
 * random sizes (RFC 8446 §5.1), cut short and bit-flipped, plus SSLv2-format hellos and noise.
 * It never throws; fragmentation never changes the result; every prefix of a hello is
 * "incomplete"; time is linear in the hello's size, however it is fragmented.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertLinear, fuzz } from "../../test/support/fuzz.ts";
import { MAX_CLIENT_HELLO, parseClientHello, summarizeHello, type HelloParse } from "./client-hello.ts";
import { EXT, u16, u24, u8, vec16, vec8 } from "./wire.ts";

const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const u16s = (max: number): fc.Arbitrary<Buffer> => fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: max }).map((v) => Buffer.concat(v.map(u16)));

/** An extension: a known type with well-formed (or random) data, or any type with random data. */
const extension = fc.oneof(
  fc.stringMatching(/^[a-z0-9.-]{1,20}$/).map((name) => [EXT.serverName, vec16(Buffer.concat([u8(0), vec16(Buffer.from(name))]))] as const),
  fc.array(fc.stringMatching(/^[a-z0-9/.]{1,8}$/), { minLength: 1, maxLength: 3 }).map((ps) => [EXT.alpn, vec16(Buffer.concat(ps.map((p) => vec8(Buffer.from(p)))))] as const),
  u16s(6).map((v) => [EXT.supportedVersions, vec8(v)] as const),
  u16s(8).map((v) => [EXT.supportedGroups, vec16(v)] as const),
  u16s(8).map((v) => [EXT.signatureAlgorithms, vec16(v)] as const),
  bytes(4).map((v) => [EXT.renegotiationInfo, vec8(v)] as const),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), bytes(24)).map(([type, data]) => [type, data] as const),
);

const helloMessage = fc
  .record({
    version: fc.constantFrom(0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0200),
    random: bytes(32).map((r) => Buffer.concat([r, Buffer.alloc(32 - r.length)])),
    sessionId: bytes(33),
    suites: u16s(12),
    compression: fc.uint8Array({ minLength: 0, maxLength: 3 }).map((a) => Buffer.from(a)),
    extensions: fc.option(fc.array(extension, { maxLength: 8 })),
  })
  .map((h) => {
    const exts = h.extensions === null ? [] : [vec16(Buffer.concat(h.extensions.map(([type, data]) => Buffer.concat([u16(type), vec16(data)]))))];
    const body = Buffer.concat([u16(h.version), h.random, vec8(h.sessionId), vec16(h.suites), vec8(h.compression), ...exts]);
    return Buffer.concat([u8(1), u24(body.length), body]);
  });

/** A handshake message over records of the given fragment sizes (cycled), each at most 2^14. */
function records(message: Buffer, sizes: readonly number[], version = 0x0301): Buffer {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < message.length; i++) {
    const size = Math.min(16384, Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? 16384));
    const fragment = message.subarray(off, off + size);
    out.push(u8(22), u16(version), u16(fragment.length), fragment);
    off += fragment.length;
  }
  return Buffer.concat(out);
}

/** What a parse says, comparable across fragmentations (the records consumed differ). */
function outcome(p: HelloParse): unknown {
  if (p.kind !== "hello") return p.kind === "incomplete" ? { kind: p.kind } : p;
  return { kind: p.kind, hello: { ...p.hello, recordVersion: 0 }, summary: summarizeHello(p.hello) };
}

test("fuzz: fragmentation never changes what a ClientHello says; every prefix is incomplete", (t) => {
  fuzz(
    t,
    fc.property(helloMessage, fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 6 }), fc.nat(), (message, sizes, cut) => {
      const whole = records(message, []);
      const split = records(message, sizes);
      const a = parseClientHello(whole);
      assert.deepEqual(outcome(parseClientHello(split)), outcome(a));
      if (a.kind === "hello") {
        assert.equal(a.consumed, whole.length);
        const prefix = split.subarray(0, cut % split.length);
        assert.equal(parseClientHello(prefix).kind, "incomplete", "a prefix of a hello is never judged");
      }
    }),
    0.5,
  );
});

test("fuzz: damaged hellos, SSLv2-format hellos and noise never throw", (t) => {
  const damaged = fc
    .tuple(helloMessage, fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([m, sizes, flips]) => {
      const b = Buffer.from(records(m, sizes));
      for (const [at, v] of flips) b[at % b.length] = v;
      return b;
    });
  const sslv2 = fc.tuple(fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 0x0304 }), bytes(60)).map(([len, version, rest]) =>
    Buffer.concat([u16(0x8000 | len), u8(1), u16(version), rest]),
  );
  fuzz(
    t,
    fc.property(fc.oneof(damaged, sslv2, bytes(80)), (input) => {
      const p = parseClientHello(input);
      assert.ok(["incomplete", "not-tls", "invalid", "hello"].includes(p.kind));
      if (p.kind === "hello") {
        assert.ok(p.consumed <= input.length);
        summarizeHello(p.hello);
      }
    }),
    0.5,
  );
});

test("time is linear in the hello's size, even in one-byte records", (t) => {
  // An unknown extension pads the hello to n bytes; one record per byte is the costliest framing.
  const hello = (n: number): Buffer => {
    const body = Buffer.concat([u16(0x0303), Buffer.alloc(32), vec8(Buffer.alloc(0)), vec16(u16(0x1301)), vec8(Buffer.from([0])), vec16(Buffer.concat([u16(0xfe00), vec16(Buffer.alloc(n))]))]);
    return records(Buffer.concat([u8(1), u24(body.length), body]), [1]);
  };
  t.diagnostic(assertLinear(hello, (b) => assert.equal(parseClientHello(b).kind, "hello"), { name: "one-byte records", n0: 256, maxN: MAX_CLIENT_HELLO - 100 }));
});
