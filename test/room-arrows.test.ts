/**
 * Arrows between rooms that the room-door lint rule does not see: the SMTP server asks the
 * directory where a recipient goes (a mailbox, a relay domain, nowhere) and hands messages to the
 * store; it never reaches into outbound, the queue runner's room (DESIGN.md: arrows only downward).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./harness.ts";

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) if (m[1] !== undefined) found.push(m[1]);
  return found;
}

/** The files under src/`from` that import anything under src/`to`, with the specifier. */
function importsInto(from: string, to: string): string[] {
  const base = join(ROOT, "src", from);
  const target = join(ROOT, "src", to);
  const hits: string[] = [];
  for (const e of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith(".ts")) continue;
    const file = join(e.parentPath, e.name);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const resolved = resolve(dirname(file), spec);
      if (resolved === target || resolved.startsWith(target + "/")) hits.push(`${relative(ROOT, file)}: ${spec}`);
    }
  }
  return hits;
}

test("the scanner sees static, type-only, re-exported and dynamic imports", () => {
  assert.deepEqual(
    specifiers(`import { a } from "../outbound/index.ts";\nimport type { B } from '../outbound/x.ts';\nexport { c } from "../outbound/index.ts";\nconst m = await import("../outbound/index.ts");\nimport "../outbound/side.ts";`),
    ["../outbound/index.ts", "../outbound/x.ts", "../outbound/index.ts", "../outbound/index.ts", "../outbound/side.ts"],
  );
});

test("src/smtp-server imports nothing from src/outbound", () => {
  assert.deepEqual(importsInto("smtp-server", "outbound"), []);
});
