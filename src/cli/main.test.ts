import { test } from "node:test";
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "./main.ts";

const leaves = (c: Command, path: string[] = []): Array<[string, Command]> =>
  c.commands.length === 0 ? [[path.join(" "), c]] : c.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));

test("every command takes --data (declared once, default ./data); check takes it and hides it", async () => {
  const program = await buildProgram();
  const all = leaves(program);
  assert.ok(all.length > 20, `only ${all.length} commands`);
  for (const [path, c] of all) {
    const data = c.options.filter((o) => o.long === "--data");
    assert.equal(data.length, 1, `${path}: ${data.length} --data options`);
    if (path === "check") assert.equal(data[0]?.hidden, true);
    else assert.equal(data[0]?.defaultValue, "./data", path);
  }
});

test("a lazily loaded command alone gets --data too", async () => {
  const program = await buildProgram("history");
  const history = program.commands.find((c) => c.name() === "history");
  assert.ok(history?.options.some((o) => o.long === "--data"));
});
