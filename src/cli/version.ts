/**
 * `sealpost --version`: the package's version, read from package.json alone (no other module of
 * the program is loaded for it), and the Node.js that runs it — the pinned 24 or not is the first
 * thing to know about an installation.
 */
import { readFileSync } from "node:fs";

/** "sealpost 0.1.0 (Node.js v24.21.0)". */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  const version = typeof pkg.version === "string" ? pkg.version : "unknown";
  return `sealpost ${version} (Node.js ${process.version})`;
}
