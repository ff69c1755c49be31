/** The shape of one `sealpost.toml` field (schema.ts and the section files build on it). */

/**
 * A field of the config: its type, default and the sentence `sealpost init` writes above it. A
 * `secret` string's value is never repeated in an error (it may hold a password by mistake).
 */
export type Field =
  | { kind: "string"; description: string; default?: string; pattern?: RegExp; patternHint?: string; secret?: boolean }
  | { kind: "enum"; description: string; default?: string; values: readonly string[] }
  | { kind: "int"; description: string; default?: number; min: number; max: number }
  | { kind: "bool"; description: string; default?: boolean }
  | { kind: "table"; description: string; fields: Record<string, Field> }
  | { kind: "array"; description: string; of: Field; default?: readonly unknown[] };
