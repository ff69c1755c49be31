import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_VERSIONS,
  compareVersions,
  isTlsVersionName,
  versionCode,
  versionLabel,
  versionName,
  type TlsVersionName,
} from "./versions.ts";

test("versionName maps every SSL/TLS wire code", () => {
  assert.equal(versionName(0x0002), "SSLv2");
  assert.equal(versionName(0x0300), "SSLv3");
  assert.equal(versionName(0x0301), "TLSv1");
  assert.equal(versionName(0x0302), "TLSv1.1");
  assert.equal(versionName(0x0303), "TLSv1.2");
  assert.equal(versionName(0x0304), "TLSv1.3");
});

test("versionName maps TLS 1.3 draft codes 23..28 and nothing else", () => {
  for (let code = 0x7f17; code <= 0x7f1c; code++) assert.equal(versionName(code), "TLSv1.3");
  for (const code of [0x0000, 0x0200, 0x0305, 0x7f16, 0x7f1d, 0xfefd, 0x0a0a]) {
    assert.equal(versionName(code), undefined, `0x${code.toString(16)}`);
  }
});

test("versionCode inverts versionName for every version", () => {
  for (const name of ALL_VERSIONS) assert.equal(versionName(versionCode(name)), name);
  assert.equal(versionCode("TLSv1.3"), 0x0304);
  assert.equal(versionCode("SSLv2"), 0x0002);
});

test("ALL_VERSIONS is ordered oldest first and compareVersions agrees with wire codes", () => {
  assert.deepEqual(ALL_VERSIONS, ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
  for (const a of ALL_VERSIONS) {
    for (const b of ALL_VERSIONS) {
      assert.equal(Math.sign(compareVersions(a, b)), Math.sign(versionCode(a) - versionCode(b)), `${a} vs ${b}`);
    }
  }
  const shuffled: TlsVersionName[] = ["TLSv1.2", "SSLv3", "TLSv1.3", "TLSv1", "SSLv2", "TLSv1.1"];
  assert.deepEqual(shuffled.sort(compareVersions), [...ALL_VERSIONS]);
});

test("versionLabel gives human labels", () => {
  assert.equal(versionLabel("SSLv3"), "SSL 3.0");
  assert.equal(versionLabel("TLSv1"), "TLS 1.0");
  assert.equal(versionLabel("TLSv1.1"), "TLS 1.1");
  assert.equal(versionLabel("TLSv1.2"), "TLS 1.2");
  assert.equal(versionLabel("TLSv1.3"), "TLS 1.3");
  assert.equal(versionLabel("SSLv2"), "SSL 2.0");
});

test("isTlsVersionName accepts exactly the getProtocol() names", () => {
  for (const name of ALL_VERSIONS) assert.ok(isTlsVersionName(name));
  for (const s of ["TLSv1.0", "tlsv1.2", "TLS 1.2", "", "unknown"]) assert.equal(isTlsVersionName(s), false, s);
});
