#!/usr/bin/env -S node --max-semi-space-size=2
// The `sealpost` command's entry point, in plain JavaScript on purpose: Node strips a .ts entry's
// types before any of our code runs, so V8's compile cache (code and stripped sources, in the
// system's temp directory) has to be switched on here, first, or every run loads the TypeScript
// stripper (~80 ms; `sealpost check` 0.34 → 0.25 s). The command itself is src/cli/main.ts.
// The shebang's V8 flag is SERVER_NODE_FLAGS (node-flags.ts).
import { enableCompileCache } from "node:module";

enableCompileCache();
const { main } = await import("./main.ts");
await main();
