import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOCK_FILE_ENV, ClockFileError, fileClock, processClock, systemClock } from "./clock.ts";

test("a clock file sets the time, which runs on, and a changed file makes it jump and tells the listeners", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-clock-"));
  try {
    const path = join(dir, "clock");
    writeFileSync(path, "2027-01-31T04:00:00Z\n");
    const clock = fileClock(path, { pollMs: 20 });
    const start = Date.parse("2027-01-31T04:00:00Z");
    assert.ok(Math.abs(clock.now() - start) < 1000);
    let jumps = 0;
    const stop = clock.onJump(() => jumps++);
    // The watcher's first look at the file sets what "changed" means: a write before it is not a change,
    // so the test writes again (a new modification time) until the jump is seen.
    for (let i = 0; i < 50 && jumps === 0; i++) {
      writeFileSync(path, "2027-03-01T00:00:00.000+01:00");
      for (let j = 0; j < 10 && jumps === 0; j++) await new Promise((r) => setTimeout(r, 20));
    }
    stop();
    assert.ok(jumps >= 1);
    assert.ok(Math.abs(clock.now() - Date.parse("2027-02-28T23:00:00Z")) < 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a clock file that does not hold an instant is a one-line error naming the variable", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-clock-"));
  try {
    const path = join(dir, "clock");
    writeFileSync(path, "tomorrow");
    assert.throws(() => fileClock(path), (e: unknown) => e instanceof ClockFileError && e.message.startsWith(CLOCK_FILE_ENV) && !e.message.includes("\n"));
    assert.throws(() => processClock({ [CLOCK_FILE_ENV]: join(dir, "missing") }), /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without the variable the process runs on the system clock", () => {
  assert.equal(processClock({}), systemClock);
});
