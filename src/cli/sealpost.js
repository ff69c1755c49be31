#!/usr/bin/env -S node --max-semi-space-size=16
// The `sealpost` command's entry point, in plain JavaScript on purpose: Node strips a .ts entry's
// types before any of our code runs, so V8's compile cache (code and stripped sources, in the
// system's temp directory) has to be switched on here, first, or every run loads the TypeScript
// stripper (~80 ms; `sealpost check` 0.34 → 0.25 s). The command itself is src/cli/main.ts.
// The shebang's V8 flag is SERVER_NODE_FLAGS (node-flags.ts).
//
// Started by an older Node.js (the shebang finds the machine's `node` first on PATH, e.g. Debian's
// 20), it runs itself again on the Node.js 24 the package pins (node_modules/.bin/node, from the
// npm package `node`) instead of failing on the first TypeScript file. bin/sealpost, the launcher
// the README and the systemd unit use, goes straight to the pinned Node.
import * as nodeModule from "node:module"; // a namespace: Node 20 has no enableCompileCache to import by name

if (Number(process.versions.node.split(".")[0]) < 24) {
  await runOnPinnedNode();
} else {
  nodeModule.enableCompileCache();
  const { main } = await import("./main.ts");
  await main();
}

async function runOnPinnedNode() {
  const { spawn } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const here = (p) => fileURLToPath(new URL(p, import.meta.url));
  // A clone or an install's own node_modules, or (installed as a dependency) the node_modules it sits in.
  const candidates = [here("../../node_modules/.bin/node"), here("../../../.bin/node")];
  const pinned = process.env.SEALPOST_REEXEC === undefined ? candidates.find((p) => existsSync(p)) : undefined;
  if (pinned === undefined) {
    process.stderr.write(`sealpost: needs Node.js 24 or newer, not ${process.version}; run "npm ci" in ${here("../..")} to install the pinned one\n`);
    process.exit(1);
  }
  const child = spawn(pinned, ["--max-semi-space-size=16", here("sealpost.js"), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, SEALPOST_REEXEC: "1" },
  });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
