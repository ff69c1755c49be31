import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIntFlag, parseWhen, UsageError } from "./output.ts";

test("parseIntFlag: the allowed range and the value as given, whatever is wrong with it", () => {
  assert.equal(parseIntFlag("--days", "30", 1, 3650), 30);
  assert.equal(parseIntFlag("--port-base", "0", 0, 65000), 0);
  for (const bad of ["-1", "0", "3651", "soon", "1.5", "", " 7", "1e3", "99999999999999999999"]) {
    assert.throws(
      () => parseIntFlag("--days", bad, 1, 3650),
      (e: unknown) => e instanceof UsageError && e.message === `--days: expected an integer from 1 to 3650, got ${JSON.stringify(bad)}`,
      bad,
    );
  }
});

test("date flags: a day (its start, or its end for an 'until'), a local time, or an instant; anything else is a one-line error", () => {
  assert.equal(parseWhen("--date", "2027-02-01"), new Date(2027, 1, 1).getTime());
  assert.equal(parseWhen("--until", "2027-01-31", { end: "day" }), new Date(2027, 1, 1).getTime());
  assert.equal(parseWhen("--from", "2027-01-31T04:30"), new Date(2027, 0, 31, 4, 30).getTime());
  assert.equal(parseWhen("--from", "2027-01-31 04:30"), new Date(2027, 0, 31, 4, 30).getTime());
  assert.equal(parseWhen("--from", "2027-01-31T04:30:00Z"), Date.UTC(2027, 0, 31, 4, 30));
  assert.equal(parseWhen("--from", "2027-01-31T04:30:00+01:00"), Date.UTC(2027, 0, 31, 3, 30));
  for (const bad of ["2027-02-30", "tomorrow", "2027-1-5", "2027-01-31T25:00", "31.01.2027", ""]) assert.throws(() => parseWhen("--date", bad), /^UsageError: --date: expected a date/);
});
