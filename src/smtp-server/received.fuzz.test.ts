/** countReceived reads a client's header: time linear in it, however its lines are made (issue 9). */
import { test } from "node:test";
import { assertLinear } from "../../test/support/fuzz.ts";
import { countReceived } from "./received.ts";

/** What countReceived reads at most (received.ts MAX_HEAD): past it, time stops growing. */
const MAX_HEAD = 256 * 1024;

test("counting Received fields is linear in the header, however its lines are made", (t) => {
  const cases: Array<[string, string]> = [
    ["X lines", "X\r\n"],
    ["other fields", "X-A: b\r\n"],
    ["Received fields", "Received: a\r\n"],
    ["folded lines", " received: x\r\n"],
    ["bare LF", "Received :\n"],
    ["one long line", "x"],
  ];
  for (const [name, unit] of cases) {
    const make = (n: number): Buffer[] => [Buffer.from(unit.repeat(n), "latin1")];
    t.diagnostic(assertLinear(make, (parts) => countReceived(parts), { name, n0: 256, maxN: Math.floor(MAX_HEAD / unit.length) }));
  }
});
