/**
 * The `sealpost` command's room. Its program starts at main.ts (through sealpost.js); this door is
 * for the benchmarks and tests that need a piece of it: the command tree and the server's V8 flags.
 * (The checker's target parsing lives in the check room, shared with the web console.)
 */

export { SERVER_NODE_FLAGS } from "./node-flags.ts";
