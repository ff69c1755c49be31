/**
 * The `sealpost` command's room. Its program starts at main.ts (through sealpost.js); this door is
 * for the benchmarks and tests that need a piece of it: the command tree, the server's V8 flags
 * and the checker's target parsing.
 */

export { SERVER_NODE_FLAGS } from "./node-flags.ts";
export { accessFor, parseTarget } from "./check.ts";
