import { test } from "node:test";
import assert from "node:assert/strict";
import type { DeliveryProblem } from "../bounce/index.ts";
import { attemptTls } from "./attempts.ts";
import { problemLine } from "./problem-line.ts";

test("a problem line is words, never its kind again (the tls-report prints 'kind ×n: line')", () => {
  const lines: Array<[DeliveryProblem, string]> = [
    [{ kind: "no-such-domain", domain: "nowhere.test" }, "nowhere.test does not exist or has no MX or address records"],
    [{ kind: "null-mx", domain: "nomail.test" }, "nomail.test accepts no mail (null MX, RFC 7505)"],
    [{ kind: "dns", domain: "slow.test", detail: "DNS MX lookup for slow.test failed: ETIMEOUT" }, "DNS MX lookup for slow.test failed: ETIMEOUT"],
    [{ kind: "dns", domain: "mx1.slow.test", detail: "no address records" }, "mx1.slow.test: no address records"],
    [{ kind: "requiretls", host: "mx.x.test", reason: "not-offered", tls: null }, "REQUIRETLS: mx.x.test does not offer REQUIRETLS"],
    [{ kind: "requiretls", host: "mx.x.test", reason: "tls", tls: { kind: "no-starttls", host: "mx.x.test" } }, "REQUIRETLS: mx.x.test does not offer STARTTLS"],
    [
      { kind: "requiretls", host: "mx.x.test", reason: "mx-unauthenticated", tls: null },
      "REQUIRETLS: mx.x.test is named by MX records that are neither DNSSEC-signed nor in an MTA-STS policy",
    ],
  ];
  for (const [p, line] of lines) {
    assert.equal(problemLine(p), line);
    assert.ok(!problemLine(p).startsWith(`${p.kind}:`), problemLine(p));
  }
});

test("an attempt that never connected says so, not 'plaintext'", () => {
  const base = { tlsVersion: null, starttlsOffered: null };
  assert.equal(attemptTls({ ...base, address: null, problem: { kind: "dns", domain: "x.test", detail: "SERVFAIL" } }), "no connection");
  assert.equal(attemptTls({ ...base, address: "192.0.2.1", problem: { kind: "connect", host: "mx.x.test", detail: "connection refused" } }), "no connection");
  assert.equal(attemptTls({ ...base, address: "192.0.2.1", problem: { kind: "protocol", host: "mx.x.test", detail: "closed before the greeting" } }), "plaintext");
  assert.equal(attemptTls({ ...base, address: "192.0.2.1", problem: null, starttlsOffered: false }), "no STARTTLS");
  assert.equal(attemptTls({ ...base, address: "192.0.2.1", problem: null, tlsVersion: "TLSv1.3", starttlsOffered: true }), "TLSv1.3");
});
