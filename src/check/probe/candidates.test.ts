// What each version probe offers, and the round-robin split of the enumeration.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeSuite } from "../../tls/index.ts";
import { candidateSuites, interleave, sslv2SpecResult, suiteResult } from "./candidates.ts";

test("TLS 1.3 probes offer only TLS 1.3 suites; TLS 1.2 every other suite; no signalling values", () => {
  const v13 = candidateSuites("TLSv1.3");
  assert.ok(v13.every((c) => describeSuite(c)?.tls13 === true));
  assert.ok([0x1301, 0x1302, 0x1303, 0x1304, 0x1305].every((c) => v13.includes(c)));
  const v12 = candidateSuites("TLSv1.2");
  assert.ok(v12.every((c) => describeSuite(c)?.tls13 === false));
  assert.ok(!v12.includes(0x00ff) && !v12.includes(0x5600), "no SCSVs (a fallback SCSV would make servers refuse lower versions)");
  assert.ok([0x000a, 0x002f, 0xc02f, 0xcca8, 0x009c].every((c) => v12.includes(c)));
  assert.deepEqual(v12, [...v12].sort((a, b) => a - b));
});

test("SSL 3.0 to TLS 1.1 probes leave out AEAD and SHA-256/384 suites (TLS 1.2 only)", () => {
  for (const v of ["SSLv3", "TLSv1", "TLSv1.1"] as const) {
    const list = candidateSuites(v);
    assert.ok(list.includes(0x000a) && list.includes(0xc013) && list.includes(0x0004), v);
    assert.ok(!list.includes(0xc02f) && !list.includes(0x003c) && !list.includes(0xcca8) && !list.includes(0xc023), v);
    assert.ok(list.every((c) => ["MD5", "SHA1", "NULL"].includes(describeSuite(c)?.mac ?? "")), v);
  }
});

test("SSL 2.0 probes offer the eight SSLv2 cipher specs", () => {
  const specs = candidateSuites("SSLv2");
  assert.equal(specs.length, 8);
  assert.ok(specs.includes(0x010080) && specs.includes(0x0700c0));
  assert.deepEqual(sslv2SpecResult(0x0700c0), {
    code: 0x0700c0,
    name: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
    openssl: "DES-CBC3-MD5",
    weaknesses: ["3DES", "MD5", "no-forward-secrecy", "CBC"],
  });
});

test("suiteResult names a suite from the table; unknown codes are flagged", () => {
  assert.deepEqual(suiteResult(0x000a), { code: 0x000a, name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", openssl: "DES-CBC3-SHA", weaknesses: ["3DES", "no-forward-secrecy", "CBC"] });
  assert.deepEqual(suiteResult(0xc0ff), { code: 0xc0ff, name: "0xC0FF", openssl: null, weaknesses: ["unknown"] });
});

test("interleave deals candidates round-robin into at most n non-empty chunks", () => {
  assert.deepEqual(interleave([1, 2, 3, 4, 5], 2), [[1, 3, 5], [2, 4]]);
  assert.deepEqual(interleave([1, 2], 5), [[1], [2]]);
  assert.deepEqual(interleave([1, 2, 3], 0), [[1, 2, 3]]);
  assert.deepEqual(interleave([], 3), []);
});
