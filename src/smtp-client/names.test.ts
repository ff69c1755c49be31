import { test } from "node:test";
import assert from "node:assert/strict";
import { findNameMatch, nameMatches } from "./names.ts";

test("name matcher: RFC 6125 wildcards and RFC 8461 MTA-STS patterns", () => {
  const table: Array<[presented: string, reference: string, expected: boolean]> = [
    ["mx.example.net", "mx.example.net", true],
    ["MX.Example.NET", "mx.example.net.", true],
    ["mx.example.net.", "MX.EXAMPLE.NET", true],
    ["mx.example.net", "mx2.example.net", false],
    // presented wildcard: one whole leftmost label
    ["*.example.net", "mx.example.net", true],
    ["*.example.net", "a.b.example.net", false],
    ["*.example.net", "example.net", false],
    ["*.net", "example.net", false],
    ["m*.example.net", "mx.example.net", false],
    ["mx.*.net", "mx.example.net", false],
    ["*", "localhost", false],
    // reference pattern (MTA-STS "mx:" line): exactly one more label
    ["mx.example.net", "*.example.net", true],
    ["a.b.example.net", "*.example.net", false],
    ["example.net", "*.example.net", false],
    ["*.example.net", "*.example.net", true],
    ["*.sub.example.net", "*.example.net", false],
    ["localhost", "*.localhost", false],
    ["", "mx.example.net", false],
    ["mx..example.net", "mx..example.net", false],
  ];
  for (const [presented, reference, expected] of table) {
    assert.equal(nameMatches(presented, reference), expected, `${presented} vs ${reference}`);
  }
});

test("CN counts only when there is no dNSName; IP references match iPAddress entries", () => {
  const withSan = { dns: ["mail.example.net"], ips: ["127.0.0.1", "::1"], cn: "other.example.net" };
  assert.equal(findNameMatch(withSan, ["other.example.net"]), null);
  assert.deepEqual(findNameMatch(withSan, ["x.test", "*.example.net"]), { presented: "mail.example.net", reference: "*.example.net" });
  assert.deepEqual(findNameMatch(withSan, ["0:0:0:0:0:0:0:1"]), { presented: "::1", reference: "0:0:0:0:0:0:0:1" });
  assert.equal(findNameMatch(withSan, ["127.0.0.2"]), null);
  const cnOnly = { dns: [], ips: [], cn: "Legacy.Example.Net" };
  assert.deepEqual(findNameMatch(cnOnly, ["legacy.example.net"]), { presented: "Legacy.Example.Net", reference: "legacy.example.net" });
  assert.equal(findNameMatch({ dns: [], ips: [], cn: null }, ["legacy.example.net"]), null);
});
