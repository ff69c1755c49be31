/**
 * The layout's lint rules (scripts/eslint-rooms.js) catch what they promise: a deep import into
 * another room from src/, test/ or bench/, and test scaffolding imported by production code — and
 * let doors, neighbours and unit tests' helpers through.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import rooms from "../scripts/eslint-rooms.js";
import { ROOT } from "./harness.ts";

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ["**/*.ts"],
      languageOptions: { parser: tseslint.parser },
      plugins: { rooms },
      rules: { "rooms/room-doors": "error", "rooms/no-test-imports": "error" },
    },
  ],
});

/** The rule ids reported for `code` as if it were the file at `path` (from the repository root). */
async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

test("an import past another room's door is an error from src, test and bench", async () => {
  assert.deepEqual(await problems("src/smtp-server/x.ts", `import { BlobStore } from "../store/blobs.ts";`), ["rooms/room-doors"]);
  assert.deepEqual(await problems("test/x.test.ts", `import type { HistoryEntry } from "../src/audit/history.ts";`), ["rooms/room-doors"]);
  assert.deepEqual(await problems("bench/x.ts", `export { SERVER_NODE_FLAGS } from "../src/cli/node-flags.ts";`), ["rooms/room-doors"]);
  assert.deepEqual(await problems("src/cli/x.ts", `const m = await import("../store/sweep.ts");`), ["rooms/room-doors"]);
});

test("doors, neighbours in the same room and packages pass", async () => {
  assert.deepEqual(await problems("src/smtp-server/x.ts", `import { BlobStore } from "../store/index.ts";`), []);
  assert.deepEqual(await problems("src/smtp-server/commands/x.ts", `import { SmtpError } from "../session.ts";`), []);
  assert.deepEqual(await problems("test/x.test.ts", `import { loginHistory } from "../src/audit/index.ts";`), []);
  assert.deepEqual(await problems("src/store/x.ts", `import { sql } from "kysely";`), []);
});

test("production code may not import test or bench scaffolding; a unit test beside it may", async () => {
  assert.deepEqual(await problems("src/check/probe/scan.ts", `import { sslscan } from "../../../test/support/openssl-peer.ts";`), ["rooms/no-test-imports"]);
  assert.deepEqual(await problems("src/net/x.ts", `import { x } from "../../bench/common.ts";`), ["rooms/no-test-imports"]);
  assert.deepEqual(await problems("src/check/probe/scan.test.ts", `import { sslscan } from "../../../test/support/openssl-peer.ts";`), []);
});

test("the dead-export check finds an export nobody imports, through a door and lazily, and passes the ones in use", async () => {
  const { deadExports } = await import("../scripts/dead-exports.ts");
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dead-"));
  try {
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "nodenext", allowImportingTsExtensions: true, noEmit: true, strict: true }, include: ["src"] }));
    write("src/a/x.ts", "export const used = 1;\nexport const onlyHere = 2;\nexport const lazy = 3;\nexport const viaDoorOnly = 4;\nexport const unused = onlyHere;\n");
    write("src/a/index.ts", 'export { used, viaDoorOnly } from "./x.ts";\n');
    write("src/b/y.ts", 'import { used } from "../a/index.ts";\nexport const z = async (): Promise<number> => used + (await import("../a/x.ts")).lazy;\n');
    write("src/b/y.test.ts", 'import { z } from "./y.ts";\nvoid z;\n');
    assert.deepEqual(deadExports(dir), [
      "src/a/index.ts:1: viaDoorOnly is exported but never imported",
      "src/a/x.ts:2: onlyHere is exported but never imported",
      "src/a/x.ts:4: viaDoorOnly is exported but never imported",
      "src/a/x.ts:5: unused is exported but never imported",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
