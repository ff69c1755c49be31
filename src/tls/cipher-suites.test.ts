import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import tls from "node:tls";
import {
  allSuites,
  describeSslv2Spec,
  describeSuite,
  forbiddenWeaknesses,
  INTERMEDIATE_TLS12_OPENSSL,
  INTERMEDIATE_TLS12_SUITES,
  isForbiddenSuite,
  isGrease,
  MODERN_TLS13_SUITES,
  opensslNameToCode,
  sslv2SpecName,
  sslv2SpecWeaknesses,
  suiteName,
  suitesForOpenSslNames,
  suiteWeaknesses,
} from "./cipher-suites.ts";
import { SUITE_ROWS } from "./cipher-suite-table.ts";

/** `openssl ciphers -stdname -V` lines: "0xC0,0x2F - IANA - OPENSSL TLSv1.2 Kx=.. Au=.. Enc=X(bits) Mac=..". */
function localOpenSslSuites(): { code: number; iana: string; openssl: string; enc: string; mac: string; au: string }[] {
  const out = execFileSync("/usr/bin/openssl", ["ciphers", "-stdname", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], { encoding: "utf8" });
  const rows = [];
  for (const line of out.split("\n")) {
    const m = /^\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)\s+\S+\s+Kx=\S+\s+Au=(\S+)\s+Enc=(\S+)\s+Mac=(\S+)/.exec(line);
    if (!m) continue;
    rows.push({ code: parseInt(`${m[1]}${m[2]}`, 16), iana: m[3] ?? "", openssl: m[4] ?? "", au: m[5] ?? "", enc: m[6] ?? "", mac: m[7] ?? "" });
  }
  return rows;
}

test("the table agrees with every suite the local OpenSSL knows (codes, both names, bits, MAC, auth)", () => {
  const rows = localOpenSslSuites();
  assert.ok(rows.length > 100, `only ${rows.length} suites parsed from openssl`);
  for (const row of rows) {
    const info = describeSuite(row.code);
    assert.ok(info, `0x${row.code.toString(16)} ${row.openssl} missing`);
    assert.equal(info.iana, row.iana);
    assert.equal(info.openssl, row.openssl);
    assert.equal(info.bits, Number(/\((\d+)\)/.exec(row.enc)?.[1] ?? "0"), row.openssl);
    assert.equal(info.mac, row.mac === "AEAD" ? "AEAD" : row.mac, row.openssl);
    assert.equal(info.auth === "anon", row.au === "None", row.openssl);
    assert.equal(info.tls13, row.iana.indexOf("_WITH_") < 0, row.openssl);
  }
});

test("every name Node's OpenSSL offers maps to a code", () => {
  const names = tls.getCiphers().map((n) => n.toUpperCase());
  const codes = suitesForOpenSslNames(names);
  assert.equal(codes.length, names.length);
  for (const name of names) assert.notEqual(opensslNameToCode(name), undefined, name);
});

test("table rows are sorted, unique, and never GREASE", () => {
  const codes = SUITE_ROWS.map((r) => r[0]);
  assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
  assert.equal(new Set(codes).size, codes.length);
  assert.ok(codes.every((c) => !isGrease(c)));
  assert.equal(allSuites().length, codes.length + 2); // plus the two SCSVs
});

test("legacy suites are described from their IANA names", () => {
  assert.deepEqual(describeSuite(0x000a), {
    code: 0x000a, iana: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", openssl: "DES-CBC3-SHA", kx: "RSA", auth: "RSA",
    enc: "3DES-EDE-CBC", bits: 168, mac: "SHA1", exportGrade: false, tls13: false,
  });
  assert.equal(describeSuite(0x0003)?.openssl, "EXP-RC4-MD5");
  assert.equal(describeSuite(0x0003)?.bits, 40);
  assert.equal(describeSuite(0x0018)?.kx, "DHE");
  assert.equal(describeSuite(0x0018)?.auth, "anon");
  assert.equal(describeSuite(0x0016)?.openssl, "DHE-RSA-DES-CBC3-SHA");
  assert.equal(describeSuite(0x0062)?.bits, 56);
  assert.equal(describeSuite(0xc0aa)?.kx, "DHE_PSK");
  assert.equal(describeSuite(0xc07a)?.enc, "CAMELLIA-GCM");
  assert.equal(describeSuite(0xc07a)?.openssl, undefined);
  assert.equal(describeSuite(0x1305)?.enc, "AES-CCM8");
  assert.equal(describeSuite(0xc0b4)?.enc, "NULL");
  assert.equal(describeSuite(0x00ff)?.iana, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
  assert.equal(describeSuite(0x5600)?.iana, "TLS_FALLBACK_SCSV");
  assert.equal(describeSuite(0xc0ff), undefined);
});

test("suiteWeaknesses classifies weak and modern suites", () => {
  const cases: [number, string[]][] = [
    [0xc02f, []],
    [0x1301, []],
    [0xcca9, []],
    [0x009e, []],
    [0xc013, ["CBC"]],
    [0x002f, ["no-forward-secrecy", "CBC"]],
    [0x009c, ["no-forward-secrecy"]],
    [0x000a, ["3DES", "no-forward-secrecy", "CBC"]],
    [0xc012, ["3DES", "CBC"]],
    [0x0005, ["RC4", "no-forward-secrecy"]],
    [0x0004, ["RC4", "MD5", "no-forward-secrecy"]],
    [0x0003, ["EXPORT", "RC4", "MD5", "no-forward-secrecy"]],
    [0x0009, ["DES", "no-forward-secrecy", "CBC"]],
    [0x0014, ["EXPORT", "DES", "CBC"]],
    [0x0018, ["anonymous", "RC4", "MD5"]],
    [0x00a6, ["anonymous"]],
    [0x0000, ["NULL", "anonymous", "no-forward-secrecy"]],
    [0xc010, ["NULL"]],
    [0x0007, ["IDEA", "no-forward-secrecy", "CBC"]],
    [0x009a, ["SEED", "CBC"]],
    [0x00ff, []],
    [0x5600, []],
    [0x2a2a, []],
    [0xc0ff, ["unknown"]],
  ];
  for (const [code, expected] of cases) assert.deepEqual(suiteWeaknesses(code), expected, suiteName(code));
});

test("isForbiddenSuite: NULL, EXPORT, anon, RC4, 3DES, DES and MD5 only", () => {
  for (const code of [0x0000, 0x0001, 0x0003, 0x0004, 0x0005, 0x000a, 0x0009, 0x0018, 0x00a6, 0xc011, 0xc012, 0xc016, 0x003b]) {
    assert.equal(isForbiddenSuite(code), true, suiteName(code));
  }
  for (const code of [0xc02f, 0x1301, 0x1303, 0x002f, 0xc014, 0x0007, 0x0096, 0x00ff, 0x5600, 0x0a0a, 0xc0ff]) {
    assert.equal(isForbiddenSuite(code), false, suiteName(code));
  }
  assert.deepEqual(forbiddenWeaknesses(0x000a), ["3DES"]);
  assert.equal(allSuites().filter((s) => isForbiddenSuite(s.code)).some((s) => s.tls13 && s.enc !== "NULL"), false);
});

test("isGrease recognises exactly the 16 RFC 8701 values", () => {
  const grease = [];
  for (let code = 0; code <= 0xffff; code++) if (isGrease(code)) grease.push(code);
  assert.deepEqual(grease, [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa]);
});

test("suiteName: IANA name, GREASE, or hex", () => {
  assert.equal(suiteName(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  assert.equal(suiteName(0xfafa), "GREASE");
  assert.equal(suiteName(0xc0ff), "0xC0FF");
  assert.equal(suiteName(0x00c8), "0x00C8");
});

test("opensslNameToCode accepts OpenSSL names, old EDH labels and IANA names, any case", () => {
  assert.equal(opensslNameToCode("ECDHE-RSA-AES128-GCM-SHA256"), 0xc02f);
  assert.equal(opensslNameToCode("ecdhe-rsa-aes128-gcm-sha256"), 0xc02f);
  assert.equal(opensslNameToCode("EDH-RSA-DES-CBC3-SHA"), 0x0016);
  assert.equal(opensslNameToCode("TLS_AES_128_GCM_SHA256"), 0x1301);
  assert.equal(opensslNameToCode("TLS_RSA_WITH_RC4_128_SHA"), 0x0005);
  assert.equal(opensslNameToCode("HIGH"), undefined);
});

test("suitesForOpenSslNames keeps order, drops keywords and duplicates", () => {
  assert.deepEqual(suitesForOpenSslNames(["RC4-SHA:DES-CBC3-SHA", "!aNULL", "rc4-sha", "AES128-SHA", "@SECLEVEL=0"]), [0x0005, 0x000a, 0x002f]);
  assert.deepEqual(suitesForOpenSslNames([]), []);
});

test("Mozilla intermediate and modern suite sets", () => {
  assert.deepEqual(INTERMEDIATE_TLS12_SUITES, [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009e, 0x009f, 0xccaa]);
  assert.ok(INTERMEDIATE_TLS12_SUITES.every((c) => suiteWeaknesses(c).length === 0));
  assert.deepEqual(MODERN_TLS13_SUITES, [0x1301, 0x1302, 0x1303]);
  assert.doesNotThrow(() => tls.createSecureContext({ ciphers: INTERMEDIATE_TLS12_OPENSSL }));
});

test("SSLv2 cipher specs", () => {
  assert.equal(sslv2SpecName(0x010080), "SSL_CK_RC4_128_WITH_MD5");
  assert.equal(sslv2SpecName(0x0700c0), "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
  assert.equal(sslv2SpecName(0x123456), "0x123456");
  assert.equal(describeSslv2Spec(0x020080)?.exportGrade, true);
  assert.deepEqual(sslv2SpecWeaknesses(0x0700c0), ["3DES", "MD5", "no-forward-secrecy", "CBC"]);
  assert.deepEqual(sslv2SpecWeaknesses(0x020080), ["EXPORT", "RC4", "MD5", "no-forward-secrecy"]);
  assert.deepEqual(sslv2SpecWeaknesses(0x999999), ["unknown"]);
});
