import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIntFlag, UsageError } from "./output.ts";

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
