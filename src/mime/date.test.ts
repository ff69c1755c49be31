import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDateField } from "./date.ts";

test("parseDateField: RFC 5322 dates with zones, obsolete years and zone names, comments; nonsense is null", () => {
  assert.equal(parseDateField("Mon, 7 Dec 2026 08:23:00 +0100"), Date.UTC(2026, 11, 7, 7, 23, 0));
  assert.equal(parseDateField("7 Dec 2026 08:23 -0230"), Date.UTC(2026, 11, 7, 10, 53, 0));
  assert.equal(parseDateField("Tue, 01 Jun 99 12:00:00 EST"), Date.UTC(1999, 5, 1, 17, 0, 0));
  assert.equal(parseDateField("Thu, 1 Jan 2026 00:00:00 +0000 (UTC)"), Date.UTC(2026, 0, 1));
  assert.equal(parseDateField("Thu, 1 Jan 2026 00:00:00 GMT"), Date.UTC(2026, 0, 1));
  assert.equal(parseDateField("Thu, 1 January 2026 00:00:00 +0000"), Date.UTC(2026, 0, 1));
  assert.equal(parseDateField("yesterday"), null);
  assert.equal(parseDateField("32 Dec 2026 00:00 +0000"), null);
  assert.equal(parseDateField("1 Foo 2026 00:00 +0000"), null);
  assert.equal(parseDateField("1 Dec 2026 25:00 +0000"), null);
});
