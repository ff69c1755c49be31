import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePolicy, parseTxtRecord, selectTxtRecord, mxMatches, mxAllowed } from "./index.ts";

test("TXT records (§3.1)", () => {
  const cases: Array<[string, { id: string } | null]> = [
    ["v=STSv1; id=20160831085700Z;", { id: "20160831085700Z" }],
    ["v=STSv1;id=abc", { id: "abc" }],
    ["v=STSv1 ;\tid=abc ; ", { id: "abc" }],
    ["v=STSv1; ext=1.2; id=abc;", { id: "abc" }],
    ["v=STSv1; id=" + "a".repeat(32), { id: "a".repeat(32) }],
    ["v=STSv1; id=" + "a".repeat(33), null],
    ["v=STSv1;", null],
    ["v=STSv1", null],
    ["v=STSv1; id=ab-c", null],
    ["v=STSv1; id=a; id=b", null],
    ["v=STSv1;; id=a", null],
    ["v=STSv1; ext=a;b; id=a", null],
    ["v=STSv2; id=a", null],
    ["V=stsv1; id=a", null],
    [" v=STSv1; id=a", null],
    ["v=spf1 -all", null],
  ];
  for (const [txt, want] of cases) assert.deepEqual(parseTxtRecord(txt), want, txt);
});

test("of several TXT records exactly one STSv1 record must remain", () => {
  assert.deepEqual(selectTxtRecord(["v=spf1 -all", "v=STSv1; id=x1;"]), { id: "x1" });
  assert.equal(selectTxtRecord(["v=spf1 -all"]), null);
  assert.equal(selectTxtRecord([]), null);
  assert.ok("error" in (selectTxtRecord(["v=STSv1; id=a;", "v=STSv1; id=b;"]) ?? { id: "" }));
  assert.ok("error" in (selectTxtRecord(["v=STSv1; id=bad!;"]) ?? { id: "" }));
});

test("a valid policy with several mx lines, CRLF or LF", () => {
  const body = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Example.NET.\r\nmx:backupmx.example.com\r\nmax_age: 604800\r\n";
  const want = { ok: true, policy: { mode: "enforce", mx: ["mail.example.com", "*.example.net", "backupmx.example.com"], maxAge: 604800 } };
  assert.deepEqual(parsePolicy(body), want);
  assert.deepEqual(parsePolicy(body.replaceAll("\r\n", "\n")), want);
  assert.deepEqual(parsePolicy(body.replaceAll("\r\n", "\n").trimEnd()), want, "no final line break");
});

test("unknown keys are ignored, trailing whitespace and blank lines tolerated, order free", () => {
  const r = parsePolicy("mx: mx.example.com  \n\nfoo_bar: some value here\nmax_age: 0\nmode: testing\nversion: STSv1\n");
  assert.deepEqual(r, { ok: true, policy: { mode: "testing", mx: ["mx.example.com"], maxAge: 0 } });
});

test("mode none may go without mx", () => {
  assert.deepEqual(parsePolicy("version: STSv1\nmode: none\nmax_age: 86400\n"), { ok: true, policy: { mode: "none", mx: [], maxAge: 86400 } });
});

test("invalid policies say why", () => {
  const base = { version: "version: STSv1", mode: "mode: enforce", mx: "mx: mx.example.com", max_age: "max_age: 86400" };
  const cases: Array<[string, Partial<Record<keyof typeof base, string | null>>, RegExp]> = [
    ["missing version", { version: null }, /version is missing/],
    ["wrong version", { version: "version: STSv2" }, /not STSv1/],
    ["missing mode", { mode: null }, /mode is missing/],
    ["bad mode", { mode: "mode: Enforce" }, /mode "Enforce"/],
    ["missing max_age", { max_age: null }, /max_age is missing/],
    ["negative max_age", { max_age: "max_age: -1" }, /not a number/],
    ["max_age with unit", { max_age: "max_age: 86400s" }, /not a number/],
    ["max_age too long", { max_age: "max_age: 12345678901" }, /not a number/],
    ["max_age over a year", { max_age: "max_age: 31557601" }, /exceeds 31557600/],
    ["missing mx with enforce", { mx: null }, /no mx/],
    ["bad mx", { mx: "mx: mail_server.example.com" }, /mx "mail_server/],
    ["wildcard inside mx", { mx: "mx: mail.*.example.com" }, /mx /],
    ["duplicate mode", { mode: "mode: enforce\nmode: testing" }, /mode appears more than once/],
    ["not key: value", { mx: "mx mail.example.com" }, /line 3/],
  ];
  for (const [label, change, error] of cases) {
    const lines = Object.entries({ ...base, ...change }).flatMap(([, v]) => (v === null ? [] : [v]));
    const r = parsePolicy(lines.join("\n"));
    assert.equal(r.ok, false, label);
    if (!r.ok) assert.match(r.error, error, label);
  }
  assert.equal(parsePolicy("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557600").ok, true, "the maximum itself is allowed");
});

test("mxMatches (§4.1)", () => {
  const table: Array<[string, string, boolean]> = [
    ["mail.example.com", "mail.example.com", true],
    ["mail.example.com", "MAIL.Example.COM.", true],
    ["mail.example.com.", "mail.example.com", true],
    ["mail.example.com", "mail2.example.com", false],
    ["mail.example.com", "a.mail.example.com", false],
    ["*.example.net", "mx1.example.net", true],
    ["*.example.net", "MX1.EXAMPLE.NET.", true],
    ["*.Example.Net", "mx1.example.net", true],
    ["*.example.net", "example.net", false],
    ["*.example.net", "a.b.example.net", false],
    ["*.example.net", ".example.net", false],
    ["*.example.net", "mx1.example.net.evil.test", false],
    ["*.example.net", "mx1example.net", false],
    ["", "mail.example.com", false],
    ["mail.example.com", "", false],
  ];
  for (const [pattern, host, want] of table) assert.equal(mxMatches(pattern, host), want, `${pattern} ~ ${host}`);
});

test("mxAllowed checks every pattern of a policy", () => {
  const policy = { mx: ["mail.example.com", "*.example.net"] };
  assert.equal(mxAllowed(policy, "mail.example.com"), true);
  assert.equal(mxAllowed(policy, "b.example.net"), true);
  assert.equal(mxAllowed(policy, "mail.example.net.evil.test"), false);
  assert.equal(mxAllowed({ mx: [] }, "mail.example.com"), false);
});
