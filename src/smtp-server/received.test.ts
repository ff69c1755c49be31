import { test } from "node:test";
import assert from "node:assert/strict";
import { countReceived, receivedHeader, rfc5322Date } from "./received.ts";

const base = {
  heloName: "client.example",
  extended: true,
  clientIp: "192.0.2.7",
  hostname: "mx.sealpost.test",
  id: "ABC123",
  smtputf8: false,
  authenticated: false,
  recipients: ["a@example.test"],
  date: new Date(Date.UTC(2026, 10, 23, 8, 5, 9)),
};

test("RFC 5322 date in UTC", () => {
  assert.equal(rfc5322Date(base.date), "Mon, 23 Nov 2026 08:05:09 +0000");
});

test("Received names TLS version and cipher, with ESMTPS (RFC 3848)", () => {
  const h = receivedHeader({
    ...base,
    tls: { version: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", cipherOpenSsl: "TLS_AES_256_GCM_SHA384", hello: { offeredVersions: [] }, sni: undefined },
  });
  assert.match(h, /^Received: from client\.example \(\[192\.0\.2\.7\]\)\r\n\tby mx\.sealpost\.test \(Sealpost\) with ESMTPS id ABC123\r\n/);
  assert.match(h, /\(using TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384\)/);
  assert.match(h, /\tfor <a@example\.test>; Mon, 23 Nov 2026 08:05:09 \+0000\r\n$/);
});

test("an authenticated submission over TLS is ESMTPSA (RFC 3848)", () => {
  const h = receivedHeader({
    ...base,
    authenticated: true,
    tls: { version: "TLSv1.2", cipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", cipherOpenSsl: "ECDHE-ECDSA-AES128-GCM-SHA256", hello: { offeredVersions: [] }, sni: undefined },
  });
  assert.match(h, /with ESMTPSA id/);
  assert.match(h, /\(using TLSv1\.2 with cipher TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 \[ECDHE-ECDSA-AES128-GCM-SHA256\]\)/);
});

test("plaintext says so; several recipients are not listed; hostile HELO is neutralised", () => {
  const h = receivedHeader({ ...base, tls: null, extended: false, heloName: "evil)\r\nX-Injected: 1", recipients: ["a@x.test", "b@x.test"] });
  assert.match(h, /with SMTP id/);
  assert.match(h, /\(no TLS: plaintext session\); Mon/);
  assert.doesNotMatch(h, /for </);
  assert.doesNotMatch(h, /\r\nX-Injected/);
  assert.equal(h.split("\r\n").length, 4);
});

test("Received fields are counted in the header only, in any case, with blanks before the colon, across parts", () => {
  const parts = (...texts: string[]): Buffer[] => texts.map((t) => Buffer.from(t, "latin1"));
  assert.equal(countReceived(parts("Received: a\r\nRECEIVED : b\r\nX-Received: c\r\n received: folded\r\n\r\nReceived: body\r\n")), 2);
  assert.equal(countReceived(parts("Rec", "eived: a\r\nreceived:b\n\nReceived: body\n")), 2, "split between parts, LF line ends");
  assert.equal(countReceived(parts("\r\nReceived: body only\r\n")), 0, "no header at all");
  assert.equal(countReceived(parts("Receivedx: a\r\nReceived x: b\r\n")), 0);
  assert.equal(countReceived(parts("Received: a\r\n".repeat(80))), 80);
  assert.equal(countReceived(parts("Received: a\r\n".repeat(80)), 50), 50, "counting stops at the limit");
});
