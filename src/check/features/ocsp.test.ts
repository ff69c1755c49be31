// parseStapledResponse on responses `openssl ocsp` makes (good, revoked) and on what is not one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { opensslLeaf, opensslOcspResponse } from "../../../test/openssl-pki.ts";
import { generateCa } from "../../tls/index.ts";
import { parseStapledResponse } from "./ocsp.ts";

test("a good and a revoked response from openssl's responder: status, certificate status, next update", async () => {
  const ca = await generateCa({ name: "OCSP Parse CA", keyType: "rsa" });
  const leaf = opensslLeaf(ca, "/CN=ocsp.parse.test", ["-newkey", "rsa:2048"], "-sha256", "subjectAltName=DNS:ocsp.parse.test\n");
  for (const status of ["good", "revoked"] as const) {
    const r = parseStapledResponse(opensslOcspResponse(ca, leaf, status));
    assert.deepEqual([r?.responseStatus, r?.certStatus], ["successful", status]);
    const days = (Date.parse(r?.nextUpdate ?? "") - Date.now()) / 86_400_000;
    assert.ok(days > 6 && days < 8, `next update in about 7 days (-ndays 7): ${r?.nextUpdate}`);
  }
});

test("an error response has only its status; what is not an OCSPResponse is null", () => {
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED tryLater(3) }
  assert.deepEqual(parseStapledResponse(Buffer.from("30030a0103", "hex")), { responseStatus: "tryLater", certStatus: null, nextUpdate: null });
  assert.equal(parseStapledResponse(Buffer.from("30030a01", "hex")), null); // truncated
  assert.equal(parseStapledResponse(Buffer.from("020103", "hex")), null); // an INTEGER, not a SEQUENCE
  assert.equal(parseStapledResponse(Buffer.from("not DER at all")), null);
});
