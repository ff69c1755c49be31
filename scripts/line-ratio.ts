/**
 * `npm run stats:lines`: lines of test code per line of production code. Production is every
 * `.ts` file in src/ that is not a test; tests are the `*.test.ts` files beside the code plus
 * everything in test/ (end-to-end tests and their support). Lines are non-blank lines.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

function* tsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) yield path;
  }
}

const lines = (file: string): number => readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").length;

export interface LineCounts {
  production: number;
  unitTests: number;
  endToEnd: number;
}

export function countLines(root = ROOT): LineCounts {
  const counts: LineCounts = { production: 0, unitTests: 0, endToEnd: 0 };
  for (const file of tsFiles(join(root, "src"))) {
    if (file.endsWith(".test.ts")) counts.unitTests += lines(file);
    else counts.production += lines(file);
  }
  for (const file of tsFiles(join(root, "test"))) counts.endToEnd += lines(file);
  return counts;
}

if (import.meta.main) {
  const c = countLines();
  const tests = c.unitTests + c.endToEnd;
  process.stdout.write(
    [
      `production (src, not tests)   ${c.production} lines`,
      `unit tests (src/**/*.test.ts) ${c.unitTests} lines`,
      `end-to-end (${relative(ROOT, join(ROOT, "test"))}/)             ${c.endToEnd} lines`,
      `test-to-code ratio            ${(tests / c.production).toFixed(2)} (unit tests alone ${(c.unitTests / c.production).toFixed(2)})`,
      "",
    ].join("\n"),
  );
}
