/** Reads and validates `sealpost.toml` against the schema; writes the commented file `init` creates. */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse, stringify, TomlError } from "smol-toml";
import type { Field } from "./field.ts";
import { SCHEMA } from "./schema.ts";
import type { Config } from "./types.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return "an array";
  if (v !== null && typeof v === "object") return "a table";
  return String(v);
}

function check(field: Field, value: unknown, key: string): unknown {
  switch (field.kind) {
    case "string":
      if (value === undefined) {
        if (field.default !== undefined) return field.default;
        throw new ConfigError(`${key}: missing (${field.description})`);
      }
      if (typeof value !== "string") throw new ConfigError(`${key}: expected a string, got ${describeValue(value)}`);
      if (field.pattern !== undefined && !field.pattern.test(value)) {
        throw new ConfigError(`${key}: expected ${field.patternHint ?? "a valid value"}, got ${field.secret === true ? "something else (not shown)" : describeValue(value)}`);
      }
      return value;
    case "enum":
      if (value === undefined && field.default !== undefined) return field.default;
      if (typeof value !== "string" || !field.values.includes(value)) {
        throw new ConfigError(`${key}: expected one of ${field.values.filter((v) => v !== "").map((v) => `"${v}"`).join(", ")}, got ${describeValue(value)}`);
      }
      return value;
    case "int":
      if (value === undefined && field.default !== undefined) return field.default;
      if (typeof value !== "number" || !Number.isInteger(value) || value < field.min || value > field.max) {
        throw new ConfigError(`${key}: expected an integer from ${field.min} to ${field.max}, got ${describeValue(value)}`);
      }
      return value;
    case "bool":
      if (value === undefined && field.default !== undefined) return field.default;
      if (typeof value !== "boolean") throw new ConfigError(`${key}: expected true or false, got ${describeValue(value)}`);
      return value;
    case "array": {
      if (value === undefined) return field.default ?? [];
      if (!Array.isArray(value)) throw new ConfigError(`${key}: expected an array, got ${describeValue(value)}`);
      return value.map((v, i) => check(field.of, v, `${key}[${i}]`));
    }
    case "table": {
      const obj = value ?? {};
      if (typeof obj !== "object" || Array.isArray(obj) || obj === null) {
        throw new ConfigError(`${key}: expected a table, got ${describeValue(value)}`);
      }
      return checkTable(field.fields, obj as Record<string, unknown>, `${key}.`);
    }
  }
}

function checkTable(fields: Record<string, Field>, obj: Record<string, unknown>, prefix: string): Record<string, unknown> {
  for (const k of Object.keys(obj)) {
    if (!(k in fields)) throw new ConfigError(`${prefix}${k}: unknown key`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = check(f, obj[k], `${prefix}${k}`);
  return out;
}

/** Validates a parsed TOML document. */
export function validateConfig(doc: Record<string, unknown>): Config {
  return checkTable(SCHEMA, doc, "") as unknown as Config;
}

/** Loads `DIR/sealpost.toml`; relative certificate paths are resolved against the data directory. */
export function loadConfig(dataDir: string): Config {
  const path = join(dataDir, "sealpost.toml");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === "ENOENT" ? `${path}: not found (run "sealpost init" first)` : `${path}: cannot read (${code ?? "error"})`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (e) {
    // One line: where (file:line:column, as compilers and editors read it) and what is wrong;
    // smol-toml's message adds a code block below its first line.
    const first = (e instanceof Error ? e.message : String(e)).split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "";
    const where = e instanceof TomlError ? `${path}:${e.line}:${e.column}` : path;
    throw new ConfigError(`${where}: invalid TOML: ${first}`);
  }
  const config = validateConfig(doc);
  config.tls.certificates = config.tls.certificates.map((c) => ({
    cert: isAbsolute(c.cert) ? c.cert : join(dataDir, c.cert),
    key: isAbsolute(c.key) ? c.key : join(dataDir, c.key),
  }));
  return config;
}

/**
 * The PEM certificates of a trust-anchor file the config names under `key` ("delivery.ca_file"),
 * relative to the data directory; [] for "" (none). Throws a one-line ConfigError naming the key.
 */
export function readCaFile(key: string, dataDir: string, file: string): string[] {
  if (file === "") return [];
  const path = isAbsolute(file) ? file : join(dataDir, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${key}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new ConfigError(`${key}: no PEM certificate in ${path}`);
  return pems;
}

/** Renders a config as TOML with each field's description as a comment above it. */
export function renderConfig(values: Record<string, unknown>): string {
  const lines: string[] = ["# Sealpost configuration. Every key is described below; `sealpost serve` reads it at start and on SIGHUP.", ""];
  const top = Object.entries(SCHEMA).filter(([, f]) => f.kind !== "table");
  for (const [k, f] of top) {
    lines.push(`# ${f.description}`, stringify({ [k]: values[k] }).trim(), "");
  }
  const renderTable = (path: string, fields: Record<string, Field>, vals: Record<string, unknown>, description: string): void => {
    const scalars = Object.entries(fields).filter(([, f]) => f.kind !== "table" && !(f.kind === "array" && f.of.kind === "table"));
    lines.push(`# ${description}`, `[${path}]`);
    for (const [k, f] of scalars) {
      lines.push(`# ${f.description}`, stringify({ [k]: vals[k] ?? defaultOf(f) }).trim());
    }
    lines.push("");
    for (const [k, f] of Object.entries(fields)) {
      if (f.kind === "table") renderTable(`${path}.${k}`, f.fields, (vals[k] ?? {}) as Record<string, unknown>, f.description);
      if (f.kind === "array" && f.of.kind === "table") {
        const items = (vals[k] ?? []) as Record<string, unknown>[];
        lines.push(`# ${f.description}`);
        for (const item of items) lines.push(`[[${path}.${k}]]`, stringify(item).trim(), "");
      }
    }
  };
  for (const [k, f] of Object.entries(SCHEMA)) {
    if (f.kind === "table") renderTable(k, f.fields, (values[k] ?? {}) as Record<string, unknown>, f.description);
  }
  return lines.join("\n");
}

function defaultOf(f: Field): unknown {
  return "default" in f ? f.default : undefined;
}

/**
 * How the store opens its database under this config: PostgreSQL at `[store.postgres] url` with its
 * message files in `blob_dir` (shared by the nodes), or SQLite and blobs/ in the data directory.
 * Throws a one-line ConfigError when postgres has no URL.
 */
export function databaseOptions(config: Config, dataDir: string): { postgres?: string; blobDir?: string } {
  if (config.store.backend !== "postgres") return {};
  const { url, blob_dir: blobDir } = config.store.postgres;
  if (url === "") throw new ConfigError('store.postgres.url: missing (store.backend is "postgres")');
  return { postgres: url, ...(blobDir !== "" ? { blobDir: isAbsolute(blobDir) ? blobDir : join(dataDir, blobDir) } : {}) };
}
