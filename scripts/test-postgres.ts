/**
 * Runs test files against PostgreSQL (issue 16): starts a private cluster (test/support/postgres.ts),
 * then `node --test` with SEALPOST_TEST_POSTGRES set, so every store a test opens through the test
 * scaffolding (`openTestStore`, `withTestAccount`, the end-to-end harness) is a database of its own
 * in that cluster; stops the cluster afterwards, also when interrupted. The exit status is the test
 * run's.
 *
 * Of the files the globs name, it runs those that reach test/support/postgres.ts through their
 * relative imports: the ones whose stores follow the run's engine. The others (the checker, the
 * parsers, the migrations of SQLite) do the same on every run, so a second run proves nothing.
 * Nor does it run files that start a cluster of their own (the tests of several nodes): they ran
 * on PostgreSQL in the first pass already.
 *
 *   node scripts/test-postgres.ts "src/**\/*.test.ts" "test/**\/*.test.ts"
 */
import { spawn } from "node:child_process";
import { globSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { startCluster, TEST_POSTGRES_ENV } from "../test/support/postgres.ts";

const ENGINE_SWITCH = resolve("test/support/postgres.ts");
const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gm;

/** Whether `file` reaches the engine switch through relative imports (memoised; cycles are cut). */
function followsEngine(file: string, seen = new Map<string, boolean>()): boolean {
  const known = seen.get(file);
  if (known !== undefined) return known;
  seen.set(file, false);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  for (const m of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), m[1] ?? "");
    if (target === ENGINE_SWITCH || followsEngine(target, seen)) {
      seen.set(file, true);
      return true;
    }
  }
  return false;
}

const globs = process.argv.slice(2);
if (globs.length === 0) {
  console.error("usage: node scripts/test-postgres.ts GLOB [GLOB...]");
  process.exit(2);
}
const all = [...new Set(globs.flatMap((g) => globSync(g)))].sort();
const seen = new Map<string, boolean>();
const ownCluster = (f: string): boolean => readFileSync(f, "utf8").includes("startCluster()");
const files = all.filter((f) => followsEngine(resolve(f), seen) && !ownCluster(f));
console.log(`PostgreSQL run: ${files.length} of ${all.length} test files open their stores through the test scaffolding (and do not start a cluster of their own)`);
const cluster = await startCluster();
const child = spawn(process.execPath, ["--test", "--test-concurrency=4", ...files], { stdio: "inherit", env: { ...process.env, [TEST_POSTGRES_ENV]: cluster.url } });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
const status = await new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
cluster.stop();
process.exit(status);
