import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { RFC_EXAMPLE } from "../../test/support/tls-rpt-fixtures.ts";
import { buildReport, classifyAttempt, reportDestinations, reportFromMessage, reportLines, reportMessage, parseReportJson, MAX_REPORT_BYTES, type AttemptFacts } from "./index.ts";

test("the _smtp._tls record gives its mailto and https destinations; several records or a doubled field give none (RFC 8460 §3)", () => {
  assert.deepEqual(reportDestinations(["v=TLSRPTv1; rua=mailto:reports@example.net,https://reporting.example.net/v1/tlsrpt"]), [
    { kind: "mailto", target: "reports@example.net" },
    { kind: "https", target: "https://reporting.example.net/v1/tlsrpt" },
  ]);
  assert.deepEqual(reportDestinations(["v=spf1 -all", "v=TLSRPTv1;rua=mailto:tls%2Brpt@example.net"]), [{ kind: "mailto", target: "tls+rpt@example.net" }]);
  assert.equal(reportDestinations(["v=TLSRPTv1; rua=mailto:a@example.net", "v=TLSRPTv1; rua=mailto:b@example.net"]), null);
  assert.equal(reportDestinations(["v=TLSRPTv1; rua=mailto:a@example.net; rua=mailto:b@example.net"]), null);
  assert.equal(reportDestinations(["v=TLSRPTv1; rua=ftp://example.net/x"]), null);
  assert.equal(reportDestinations(["v=TLSRPTv10; rua=mailto:a@example.net"]), null);
  assert.equal(reportDestinations([]), null);
});

test("the RFC's example report parses and reads as lines people understand", () => {
  const parsed = parseReportJson(JSON.stringify(RFC_EXAMPLE));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, RFC_EXAMPLE);
  assert.deepEqual(reportLines(parsed.value), [
    "Company-X reported 5326 successful sessions and 303 failed sessions to company-y.example (policy sts)",
    "Company-X reported 100 failed sessions to mx1.mail.company-y.example: certificate expired",
    "Company-X reported 200 failed sessions to mx2.mail.company-y.example: STARTTLS not offered",
    "Company-X reported 3 failed sessions to mx-backup.mail.company-y.example: TLS negotiation failed (X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED)",
  ]);
});

test("a report with a field of the wrong type, a missing field or a bad date is refused with the field named", () => {
  const bad = (mutate: (r: Record<string, unknown>) => void): string => {
    const r = structuredClone(RFC_EXAMPLE) as unknown as Record<string, unknown>;
    mutate(r);
    const p = parseReportJson(JSON.stringify(r));
    assert.equal(p.ok, false);
    return p.ok ? "" : p.error;
  };
  assert.match(bad((r) => delete r["report-id"]), /report-id/);
  assert.match(bad((r) => (r["date-range"] = { "start-datetime": "yesterday", "end-datetime": "2016-04-01T23:59:59Z" })), /start-datetime/);
  assert.match(bad((r) => ((r.policies as Array<{ summary: Record<string, unknown> }>)[0]!.summary["total-failure-session-count"] = -1)), /total-failure-session-count/);
  assert.match(bad((r) => ((r.policies as Array<{ policy: Record<string, unknown> }>)[0]!.policy["policy-type"] = "smtp")), /policy-type/);
  assert.match(bad((r) => (r.policies = "none")), /policies/);
  const notJson = parseReportJson("{");
  assert.deepEqual(notJson, { ok: false, error: "the report is not JSON" });
});

const attempt = (over: Partial<AttemptFacts>): AttemptFacts => ({ mxHost: "mx1.example.net", address: "192.0.2.1", tlsVersion: null, starttlsOffered: true, outcome: "delivered", problem: null, policySource: "default", ...over });

test("attempts count as TLS sessions only when they came to TLS; failures by result type", () => {
  assert.deepEqual(classifyAttempt(attempt({ tlsVersion: "TLSv1.3" })), { kind: "success" });
  assert.equal(classifyAttempt(attempt({ address: null, problem: { kind: "connect", host: "mx1.example.net", detail: "connection refused" } })), null);
  assert.equal(classifyAttempt(attempt({ address: null, problem: { kind: "dns", domain: "example.net", detail: "SERVFAIL" } })), null);
  assert.deepEqual(classifyAttempt(attempt({ starttlsOffered: false })), { kind: "failure", type: "starttls-not-supported", reason: null });
  assert.deepEqual(classifyAttempt(attempt({ starttlsOffered: false, outcome: "deferred", problem: { kind: "no-starttls", host: "mx1.example.net" }, policySource: "dane" })), { kind: "failure", type: "dane-required", reason: null });
  assert.deepEqual(classifyAttempt(attempt({ outcome: "deferred", problem: { kind: "certificate", host: "h", problem: "expired", detail: "" } })), { kind: "failure", type: "certificate-expired", reason: null });
  assert.deepEqual(classifyAttempt(attempt({ outcome: "deferred", problem: { kind: "certificate", host: "h", problem: "hostname", detail: "" } })), { kind: "failure", type: "certificate-host-mismatch", reason: null });
  assert.deepEqual(classifyAttempt(attempt({ outcome: "deferred", problem: { kind: "certificate", host: "h", problem: "untrusted", detail: "" } })), { kind: "failure", type: "certificate-not-trusted", reason: null });
  // The handshake completed (a version is known) but the certificate was refused afterwards: a failure.
  assert.deepEqual(classifyAttempt(attempt({ tlsVersion: "TLSv1.3", outcome: "deferred", policySource: "dane", problem: { kind: "certificate", host: "h", problem: "dane-mismatch", detail: "" } })), { kind: "failure", type: "tlsa-invalid", reason: null });
  assert.deepEqual(classifyAttempt(attempt({ address: null, outcome: "deferred", policySource: "dane", problem: { kind: "dane-lookup", host: "h", detail: "SERVFAIL" } })), { kind: "failure", type: "dnssec-invalid", reason: null });
  // A remote 5xx after a good TLS session is still a successful TLS session.
  assert.deepEqual(classifyAttempt(attempt({ tlsVersion: "TLSv1.3", outcome: "bounced", problem: { kind: "rejected", host: "h", reply: "550 5.1.1 no", permanent: true } })), { kind: "success" });
  assert.deepEqual(classifyAttempt(attempt({ outcome: "tls-fallback", problem: { kind: "tls-version", host: "h", offered: "TLS 1.0" } })), { kind: "failure", type: "validation-failure", reason: "tls-version" });
  // A session that failed TLS and went on in plaintext (the "may" level) is a failure, whatever came after.
  assert.deepEqual(classifyAttempt(attempt({ outcome: "tls-fallback", tlsVersion: null, problem: { kind: "tls-handshake", host: "h", detail: "alert" } })), { kind: "failure", type: "validation-failure", reason: "tls-handshake" });
});

test("a day of mixed outcomes becomes one report: per policy, successes and failures, failures grouped by type, MX and address", () => {
  const dayStart = Date.UTC(2026, 11, 6);
  const sts = { strings: ["version: STSv1", "mode: enforce", "mx: mx1.example.net", "max_age: 604800"], mxHost: ["mx1.example.net"] };
  const report = buildReport({
    domain: "example.net",
    dayStart,
    hostname: "mail.sealpost.test",
    contact: "postmaster@mail.sealpost.test",
    describe: (type) => (type === "sts" ? sts : null),
    attempts: [
      attempt({ tlsVersion: "TLSv1.3", policySource: "mta-sts" }),
      attempt({ tlsVersion: "TLSv1.2", policySource: "mta-sts" }),
      attempt({ outcome: "deferred", policySource: "mta-sts", problem: { kind: "certificate", host: "mx1.example.net", problem: "expired", detail: "" } }),
      attempt({ outcome: "deferred", policySource: "mta-sts", problem: { kind: "certificate", host: "mx1.example.net", problem: "expired", detail: "" } }),
      attempt({ mxHost: "mx2.example.net", address: "192.0.2.2", starttlsOffered: false, policySource: "default" }),
      attempt({ address: null, problem: { kind: "connect", host: "mx1.example.net", detail: "timed out" }, policySource: "mta-sts" }),
    ],
  });
  assert.ok(report !== null);
  assert.equal(report["report-id"], "2026-12-06.example.net@mail.sealpost.test");
  assert.deepEqual(report["date-range"], { "start-datetime": "2026-12-06T00:00:00Z", "end-datetime": "2026-12-06T23:59:59Z" });
  assert.deepEqual(report.policies, [
    {
      policy: { "policy-type": "sts", "policy-string": sts.strings, "mx-host": sts.mxHost, "policy-domain": "example.net" },
      summary: { "total-successful-session-count": 2, "total-failure-session-count": 2 },
      "failure-details": [{ "result-type": "certificate-expired", "receiving-mx-hostname": "mx1.example.net", "receiving-ip": "192.0.2.1", "failed-session-count": 2 }],
    },
    {
      policy: { "policy-type": "no-policy-found", "policy-domain": "example.net" },
      summary: { "total-successful-session-count": 0, "total-failure-session-count": 1 },
      "failure-details": [{ "result-type": "starttls-not-supported", "receiving-mx-hostname": "mx2.example.net", "receiving-ip": "192.0.2.2", "failed-session-count": 1 }],
    },
  ]);
  // What we send must pass what we accept.
  assert.deepEqual(parseReportJson(JSON.stringify(report)), { ok: true, value: report });
  assert.equal(buildReport({ domain: "example.net", dayStart, hostname: "h", contact: "c", describe: () => null, attempts: [attempt({ address: null, problem: { kind: "dns", domain: "example.net", detail: "x" } })] }), null);
});

test("the report mail is multipart/report with the gzipped JSON (RFC 8460 §5.3): Python's email package reads it, and so do we", () => {
  const report = parseReportJson(JSON.stringify(RFC_EXAMPLE));
  assert.ok(report.ok);
  const mail = reportMessage({ report: report.value, domain: "company-y.example", submitter: "mail.sealpost.test", from: "noreply-tlsrpt@mail.sealpost.test", to: "tls-reports@company-y.example", now: Date.UTC(2016, 3, 2, 1) });
  assert.deepEqual(reportFromMessage(mail), report);
  const python = `
import email, email.policy, gzip, json, sys
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "tlsrpt"
part = [p for p in m.iter_parts() if p.get_content_type() == "application/tlsrpt+gzip"][0]
r = json.loads(gzip.decompress(part.get_content()))
print(m["TLS-Report-Domain"], m["TLS-Report-Submitter"], part.get_filename(), r["report-id"], m["Subject"], sep="\\n")
`;
  const out = execFileSync("python3", ["-c", python], { input: mail, encoding: "utf8" }).trim().split("\n");
  assert.deepEqual(out.slice(0, 2), ["company-y.example", "mail.sealpost.test"]);
  assert.match(out[2] ?? "", /^mail\.sealpost\.test!company-y\.example!1459468800!1459555199![0-9a-f]{12}\.json\.gz$/);
  assert.equal(out[3], RFC_EXAMPLE["report-id"]);
  assert.equal(out[4], `Report Domain: company-y.example Submitter: mail.sealpost.test Report-ID: <${RFC_EXAMPLE["report-id"]}>`);
});

test("a received report that inflates past the limit is refused without inflating it all; a plain JSON part is read too", () => {
  const bomb = gzipSync(Buffer.alloc(MAX_REPORT_BYTES + 1024, 0x20));
  const mail = (type: string, body: Buffer): Buffer =>
    Buffer.from(`Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type="tlsrpt"; boundary="b"\r\n\r\n--b\r\nContent-Type: ${type}\r\nContent-Transfer-Encoding: base64\r\n\r\n${body.toString("base64")}\r\n--b--\r\n`);
  assert.deepEqual(reportFromMessage(mail("application/tlsrpt+gzip", bomb)), { ok: false, error: `the report is larger than ${MAX_REPORT_BYTES} bytes decompressed` });
  assert.deepEqual(reportFromMessage(mail("application/tlsrpt+gzip", Buffer.from("not gzip"))), { ok: false, error: "the report part is not valid gzip" });
  assert.deepEqual(reportFromMessage(mail("application/tlsrpt+json", Buffer.from(JSON.stringify(RFC_EXAMPLE)))), { ok: true, value: RFC_EXAMPLE });
  assert.deepEqual(reportFromMessage(Buffer.from("Subject: hello\r\n\r\nno report here\r\n")), { ok: false, error: "no application/tlsrpt+gzip or application/tlsrpt+json part" });
});
