import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SERVER_NODE_FLAGS } from "./node-flags.ts";

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), "utf8");

test("every way of starting the server passes SERVER_NODE_FLAGS: the shebang, the re-run on the pinned Node, bin/sealpost, npm start", () => {
  const entry = read("./sealpost.js");
  const shebang = entry.slice(0, entry.indexOf("\n"));
  const rerun = /spawn\(pinned, \[([^\]]*)\]/.exec(entry)?.[1] ?? "";
  const launcher = read("../../bin/sealpost")
    .split("\n")
    .filter((l) => l.includes("exec "));
  const start = (JSON.parse(read("../../package.json")) as { scripts: Record<string, string> }).scripts.start ?? "";
  assert.ok(SERVER_NODE_FLAGS.length > 0);
  assert.equal(launcher.length, 2, "bin/sealpost runs the pinned Node, else the machine's");
  for (const flag of SERVER_NODE_FLAGS) {
    assert.ok(shebang.split(" ").includes(flag), `shebang: ${shebang}`);
    assert.ok(rerun.includes(`"${flag}"`), `the re-run on the pinned Node: ${rerun}`);
    for (const line of launcher) assert.ok(line.split(" ").includes(flag), `bin/sealpost: ${line}`);
    assert.ok(start.split(" ").includes(flag), `npm start: ${start}`);
  }
});
