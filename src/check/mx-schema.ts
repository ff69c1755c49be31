/**
 * The JSON Schema (draft 2020-12, the subset schema.ts validates) of `sealpost check --mx DOMAIN
 * --json`: MxReport, schema "sealpost-check-mx/1". Each host's `report` is a CheckReport
 * ("sealpost-check/1", CHECK_SCHEMA) or null. Field names are stable: add, never rename.
 */
import { CHECK_SCHEMA } from "./schema.ts";

type Schema = { readonly [k: string]: unknown };

const MX_SCHEMA_ID = "https://sealpost.invalid/schemas/check-mx-1.json";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const bool = { type: "boolean" } as const;
const nullableStr = { type: ["string", "null"] } as const;
const strings = { type: "array", items: str } as const;

function object(properties: Record<string, Schema>, description?: string): Schema {
  return { type: "object", ...(description !== undefined ? { description } : {}), properties, required: Object.keys(properties), additionalProperties: false };
}

/** CHECK_SCHEMA as a sub-schema: without the root's $schema/$id, and nullable. */
const { $schema: _s, $id: _i, title: _t, ...checkReport } = CHECK_SCHEMA;

const finding = object({ id: str, severity: { type: "string", enum: ["info", "low", "medium", "high", "critical"] }, title: str, detail: str });

const tlsa = object({ usage: int, selector: int, matchingType: int, data: str, matches: { type: ["boolean", "null"] }, detail: str });

const dane = object(
  {
    name: str,
    status: { type: "string", enum: ["not-validated", "none", "valid", "invalid", "error"] },
    authenticated: { type: ["boolean", "null"] },
    records: { type: "array", items: tlsa },
    detail: str,
  },
  "DANE (RFC 7672): evaluated only when the resolver marks the TLSA answer authentic (AD).",
);

const caa = object({ name: nullableStr, records: strings, error: nullableStr }, "CAA (RFC 8659): the records that apply to the host name, found by climbing to its ancestors.");

const host = object({
  host: str,
  preference: int,
  implicit: bool,
  addresses: strings,
  address: nullableStr,
  report: { ...checkReport, type: ["object", "null"], description: "The host's own check (sealpost-check/1), or null when it could not be made." },
  error: nullableStr,
  mtaStsMatch: { type: ["boolean", "null"] },
  dane,
  caa,
});

const mtaSts = object(
  {
    records: strings,
    id: nullableStr,
    txtError: nullableStr,
    policy: { ...object({ mode: { type: "string", enum: ["enforce", "testing", "none"] }, mx: strings, maxAge: int }), type: ["object", "null"] },
    fetchError: nullableStr,
  },
  "MTA-STS (RFC 8461): the _mta-sts TXT record and the policy file.",
);

const tlsRpt = object({ records: strings, rua: strings, error: nullableStr }, "TLS-RPT (RFC 8460): the _smtp._tls TXT record.");

export const MX_SCHEMA: Schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: MX_SCHEMA_ID,
  title: "sealpost check --mx report",
  ...object({
    schema: { type: "string", enum: ["sealpost-check-mx/1"] },
    domain: str,
    startedAt: str,
    durationMs: int,
    error: nullableStr,
    destination: { type: ["string", "null"], enum: ["mx", "implicit", "null-mx", "not-found", null] },
    hosts: { type: "array", items: host },
    mtaSts,
    tlsRpt,
    findings: { type: "array", items: finding },
    verdict: object({ ok: bool, text: str }),
  }),
};
