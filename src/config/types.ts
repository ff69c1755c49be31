/** The types a loaded `sealpost.toml` has, derived from SCHEMA (schema.ts), and the constants read from it. */
import { SCHEMA } from "./schema.ts";

/** The value a field holds once loaded: its kind's type, an enum's values, a table's fields. */
type ValueOf<F> = F extends { kind: "string" }
  ? string
  : F extends { kind: "enum"; values: readonly (infer V)[] }
    ? V
    : F extends { kind: "int" }
      ? number
      : F extends { kind: "bool" }
        ? boolean
        : F extends { kind: "table"; fields: infer T }
          ? { -readonly [K in keyof T]: ValueOf<T[K]> }
          : F extends { kind: "array"; of: infer O }
            ? Array<ValueOf<O>>
            : never;

/** The loaded `sealpost.toml`: derived from SCHEMA, so a field and its type cannot disagree. */
export type Config = ValueOf<{ kind: "table"; fields: typeof SCHEMA }>;
/** A mail listener (TLS, a protocol session). */
export type ListenerConfig = Config["listeners"]["mx"];

/** Outbound TLS levels, in Postfix's sense plus verify-once (the notices' sender). */
export type TlsLevel = Config["delivery"]["tls_policy"];
export const TLS_LEVELS = SCHEMA.delivery.fields.tls_policy.values;

/** The standard ports, for `--port-base N` (N + P); the metrics port is Sealpost's own. */
export const STANDARD_PORTS = { mx: 25, submission: 587, submissions: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995, web: 443, http: 80, legacy_imaps: 1993, legacy_pop3s: 1995, legacy_submissions: 1465, legacy_smtp: 2525, metrics: 9225 } as const;
