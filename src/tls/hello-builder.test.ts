// buildClientHello's options for the checker's probes, read back with the ClientHello parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClientHello } from "./client-hello.ts";
import { buildClientHello, COMPRESSION_DEFLATE, HEARTBEAT_PEER_ALLOWED_TO_SEND, PROBE_EXT } from "./hello-builder.ts";

function parsed(hello: Buffer) {
  const p = parseClientHello(hello);
  assert.equal(p.kind, "hello");
  if (p.kind !== "hello") throw new Error("unreachable");
  return p.hello;
}

test("compression methods are offered in order, with null added last when missing (RFC 5246 §7.4.1.2)", () => {
  assert.deepEqual(parsed(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f] })).compressionMethods, [0]);
  assert.deepEqual(parsed(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f], compressionMethods: [COMPRESSION_DEFLATE, 0] })).compressionMethods, [1, 0]);
  assert.deepEqual(parsed(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f], compressionMethods: [COMPRESSION_DEFLATE] })).compressionMethods, [1, 0]);
});

test("the heartbeat extension goes in as an extra extension; renegotiation_info is there below TLS 1.3", () => {
  const h = parsed(buildClientHello({ versions: ["TLSv1", "TLSv1.1", "TLSv1.2"], cipherSuites: [0x002f], extraExtensions: [{ type: PROBE_EXT.heartbeat, data: Buffer.from([HEARTBEAT_PEER_ALLOWED_TO_SEND]) }] }));
  assert.ok(h.extensions.includes(PROBE_EXT.heartbeat));
  assert.ok(h.extensions.includes(PROBE_EXT.renegotiationInfo));
  assert.equal(h.legacyVersion, 0x0303);
});
