/**
 * Changing a few keys of an existing `sealpost.toml` in place, its comments and everything else as
 * the operator left them (`sealpost migrate` switches the store). The result is parsed and checked
 * against the schema before it replaces the file (written beside it, fsynced, renamed).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "smol-toml";
import { validateConfig } from "./load.ts";

/** `{ "store.postgres": { url: "…" } }`: each table's keys and their new values. */
type Edits = Record<string, Record<string, string | number | boolean>>;

/** The config text with `edits` made: a key's line replaced where the table has it, else added under the table's header (added at the end when missing). */
function editConfigText(text: string, edits: Edits): string {
  const lines = text.split("\n");
  for (const [table, keys] of Object.entries(edits)) {
    let header = lines.findIndex((l) => l.trim() === `[${table}]`);
    if (header < 0) {
      if (lines[lines.length - 1]?.trim() !== "") lines.push("");
      lines.push(`[${table}]`, "");
      header = lines.length - 2;
    }
    let end = lines.findIndex((l, i) => i > header && /^\s*\[/.test(l));
    if (end < 0) end = lines.length;
    for (const [key, value] of Object.entries(keys)) {
      const line = stringify({ [key]: value }).trim();
      const at = lines.findIndex((l, i) => i > header && i < end && new RegExp(`^\\s*${key}\\s*=`).test(l));
      if (at >= 0) lines[at] = line;
      else {
        lines.splice(header + 1, 0, line);
        end++;
      }
    }
  }
  return lines.join("\n");
}

/** Makes `edits` in `DIR/sealpost.toml`, checked first (a ConfigError leaves the file as it was). */
export function editConfig(dataDir: string, edits: Edits): void {
  const path = join(dataDir, "sealpost.toml");
  const next = editConfigText(readFileSync(path, "utf8"), edits);
  validateConfig(parse(next));
  const tmp = `${path}.new`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, next);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dataDir, "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
