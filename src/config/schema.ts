/**
 * `sealpost.toml`: one typed schema, a description on every field. `loadConfig` checks every key
 * and reports the first problem as one line that names the key ("smtp.max_recipients: expected an
 * integer from 1 to 100000, got "lots"").
 */
import type { Field } from "./field.ts";
import { MAIL_SECTIONS } from "./schema-mail.ts";
import { NETWORK_SECTIONS } from "./schema-network.ts";
import { OPS_SECTIONS } from "./schema-ops.ts";

/** The whole file, its sections in the order `sealpost init` writes them. */
export const SCHEMA = {
  hostname: {
    kind: "string",
    description: "This server's host name: greeting, EHLO, Received headers, certificate.",
    pattern: /^[A-Za-z0-9.-]{1,253}$/,
    patternHint: "a host name",
  },
  ...NETWORK_SECTIONS,
  ...MAIL_SECTIONS,
  ...OPS_SECTIONS,
} as const satisfies Record<string, Field>;
