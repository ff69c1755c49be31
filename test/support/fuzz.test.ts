// The linearity check itself: it must pass linear work and fail quadratic work, or the
// `time is linear` tests beside the parsers prove nothing.
import assert from "node:assert/strict";
import test from "node:test";
import { assertLinear } from "./fuzz.ts";

const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`);

test("assertLinear passes a single scan over the input", () => {
  const figures = assertLinear(lines, (ls) => ls.reduce((sum, l) => sum + l.length, 0), { name: "scan", n0: 256, maxN: 1 << 20 });
  assert.match(figures, /^scan: n=\d+/);
});

test("assertLinear fails the quadratic pattern issue 9 found: re-scanning everything received for each chunk", () => {
  const rescan = (ls: string[]): number => {
    let count = 0;
    for (let end = 1; end <= ls.length; end++) {
      for (let i = 0; i < end; i++) if (ls[i]?.startsWith("X-") === true) count++;
    }
    return count;
  };
  assert.throws(() => assertLinear(lines, rescan, { name: "rescan", n0: 64, maxN: 1 << 16, reps: 1 }), /time is not linear in the input size: rescan/);
});
