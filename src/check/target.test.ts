import { test } from "node:test";
import assert from "node:assert/strict";
import { accessFor, isDomainName, parseTarget, TargetError, unreachableReport } from "./target.ts";
import { CHECK_SCHEMA, validateAgainstSchema } from "./schema.ts";

test("TARGET parsing and the protocol each port implies", () => {
  assert.deepEqual(parseTarget("mail.example.test"), { host: "mail.example.test", port: null });
  assert.deepEqual(parseTarget("mail.example.test.:587"), { host: "mail.example.test", port: 587 });
  assert.deepEqual(parseTarget("[::1]:993"), { host: "::1", port: 993 });
  assert.deepEqual(parseTarget("::1"), { host: "::1", port: null });
  assert.deepEqual(parseTarget("192.0.2.7:25"), { host: "192.0.2.7", port: 25 });
  const mapping = [25, 587, 143, 110, 465, 993, 995, 443, 8443].map((p) => accessFor(p, undefined));
  assert.deepEqual(mapping, ["smtp", "smtp", "imap", "pop3", "tls", "tls", "tls", "tls", "tls"]);
  assert.equal(accessFor(2525, "smtp"), "smtp");
  assert.equal(accessFor(25, "pop3"), "pop3");
});

test("a TARGET that cannot be checked is a TargetError naming the problem", () => {
  const cases: Array<[string, RegExp]> = [
    ["127.0.0.1:99999", /port "99999" is not a number from 1 to 65535/],
    ["mail.example.test:smtp", /port "smtp" is not a number/],
    ["not a host", /"not a host" is not a host name or IP address/],
    ["[mail.example.test]:25", /is not an IPv6 address in brackets/],
    ["", /"" is not a host name/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseTarget(text), (e: unknown) => e instanceof TargetError && message.test(e.message), text);
});

test("a domain for --mx is a name, not an address or anything else", () => {
  assert.equal(isDomainName("example.test"), true);
  assert.equal(isDomainName("example.test."), true);
  for (const bad of ["192.0.2.1", "::1", "-not-a-domain-", "a b.test", "example.test:25", ""]) assert.equal(isDomainName(bad), false, bad);
});

test("the report of a check that could not start validates against the schema and says why", () => {
  const r = unreachableReport({ host: "nowhere.test", port: 25, address: "", servername: "nowhere.test", access: "smtp" }, "cannot resolve nowhere.test", Date.now());
  assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, JSON.parse(JSON.stringify(r))), []);
  assert.equal(r.error, "cannot resolve nowhere.test");
  assert.match(r.verdicts.strictSenders.text, /^Could not check nowhere\.test: cannot resolve/);
});
