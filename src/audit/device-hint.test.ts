import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceHint, deviceKind, isLegacy } from "./device-hint.ts";

const input = (over: Partial<Parameters<typeof deviceKind>[0]>): Parameters<typeof deviceKind>[0] => ({ clientName: null, tlsVersion: null, offeredMax: null, offeredSuites: [], plaintext: false, ...over });

test("the kind of a legacy device: by the name it gave, else by what it spoke or offered; none when not legacy", () => {
  const cases: Array<[Parameters<typeof deviceKind>[0], string | null]> = [
    [input({ clientName: "Microsoft Outlook 15.0", tlsVersion: "TLSv1" }), "outlook"],
    [input({ clientName: "Thunderbird 52", tlsVersion: "TLSv1.1" }), "thunderbird"],
    [input({ clientName: "iPhone Mail (9A405)", tlsVersion: "TLSv1" }), "apple"],
    [input({ clientName: "K-9 Mail", plaintext: true }), "android"],
    [input({ clientName: "KYOCERA ECOSYS M2540dn", offeredMax: "TLSv1" }), "printer"],
    [input({ clientName: "BlackBerry", tlsVersion: "TLSv1" }), "old-phone"],
    [input({ plaintext: true }), "plaintext"],
    [input({ offeredMax: "TLSv1", offeredSuites: ["TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"] }), "rc4-era"],
    [input({ offeredMax: "TLSv1.2", offeredSuites: ["TLS_RSA_WITH_RC4_128_SHA"], weakSuites: ["TLS_RSA_WITH_RC4_128_SHA"] }), "rc4-era"],
    [input({ tlsVersion: "TLSv1" }), "tls10"],
    [input({ offeredMax: "SSLv3" }), "tls10"],
    [input({ offeredMax: "TLSv1.1", offeredSuites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] }), "tls11"],
    [input({ clientName: "Microsoft Outlook 16.0", tlsVersion: "TLSv1.3" }), null],
    [input({ offeredMax: "TLSv1.3" }), null],
  ];
  for (const [h, kind] of cases) {
    assert.equal(deviceKind(h), kind, JSON.stringify(h));
    assert.equal(isLegacy(h), kind !== null, JSON.stringify(h));
  }
});

test("the CLI's hint is the kind in English words", () => {
  assert.equal(deviceHint(null), null);
  assert.match(deviceHint("plaintext") ?? "", /without encryption/);
  assert.match(deviceHint("tls10") ?? "", /limited to TLS 1\.0/);
  assert.match(deviceHint("printer") ?? "", /printer or scanner/);
});
