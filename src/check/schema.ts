/**
 * The JSON Schema (draft 2020-12) of `sealpost check --json` (CheckReport, schema
 * "sealpost-check/1"), and a compact validator for the subset of JSON Schema it uses: type (a
 * name or an array of names, e.g. ["string", "null"]), properties, required,
 * additionalProperties (false or a schema), enum, items, and the annotations $schema, $id, title,
 * description. Any other keyword is reported as an error, so the schema cannot drift beyond what
 * the validator checks.
 *
 * Field names are stable: fields may be added, never renamed or removed.
 */
import { ALL_VERSIONS } from "../tls/index.ts";

export const CHECK_SCHEMA_ID = "https://sealpost.invalid/schemas/check-1.json";

type Schema = { readonly [k: string]: unknown };

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const bool = { type: "boolean" } as const;
const nullableStr = { type: ["string", "null"] } as const;

function object(properties: Record<string, Schema>, description?: string): Schema {
  return {
    type: "object",
    ...(description !== undefined ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

const version = { type: "string", enum: [...ALL_VERSIONS] } as const;
const WEAKNESSES = ["NULL", "EXPORT", "anonymous", "RC4", "3DES", "DES", "no-forward-secrecy", "CBC", "MD5", "IDEA", "SEED", "unknown"] as const;
const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;

const target = object(
  {
    host: str,
    port: int,
    address: str,
    servername: nullableStr,
    access: { type: "string", enum: ["smtp", "imap", "pop3", "tls"] },
  },
  "What was checked and how the TLS session is reached.",
);

const versionResult = object({ version, offered: bool, evidence: str });

const suite = object({
  code: int,
  name: str,
  openssl: nullableStr,
  weaknesses: { type: "array", items: { type: "string", enum: [...WEAKNESSES] } },
});

const cipherList = object({
  version,
  suites: { type: "array", items: suite },
  serverOrder: { type: ["boolean", "null"] },
});

const certificate = object({
  subject: str,
  issuer: str,
  names: { type: "array", items: str },
  notBefore: str,
  notAfter: str,
  daysLeft: int,
  selfSigned: bool,
  keyType: str,
  keyBits: { type: ["integer", "null"] },
  signatureAlgorithm: str,
  chain: { type: "array", items: object({ subject: str, issuer: str }) },
  trusted: bool,
  verifyError: nullableStr,
  nameChecks: { type: "array", items: object({ name: str, matches: bool }) },
  crlUrls: { type: "array", items: str },
  ocspUrls: { type: "array", items: str },
});

const nullableBool = { type: ["boolean", "null"] } as const;
const features = object(
  {
    renegotiation: object({
      secure: nullableBool,
      clientInitiated: { type: "string", enum: ["refused", "limited", "unlimited", "not-applicable", "not-tested"] },
      accepted: int,
      detail: str,
    }),
    compression: object({ offered: nullableBool, detail: str }),
    heartbeat: object({ extension: nullableBool, heartbleed: { type: "string", enum: ["vulnerable", "not-vulnerable", "not-tested"] }, detail: str }),
    fallbackScsv: object({ status: { type: "string", enum: ["supported", "not-supported", "handshake-failure", "not-applicable", "not-tested"] }, detail: str }),
    resumption: object({ ids: nullableBool, tickets: nullableBool, detail: str }),
    keyExchange: object({
      dhBits: { type: ["integer", "null"] },
      dhGroup: nullableStr,
      weakCurves: { type: "array", items: object({ name: str, bits: int }) },
      detail: str,
    }),
    ocspStapling: object({
      stapled: nullableBool,
      responseStatus: nullableStr,
      certStatus: { type: ["string", "null"], enum: ["good", "revoked", "unknown", null] },
      detail: str,
    }),
  },
  "Renegotiation, compression, heartbeat, TLS_FALLBACK_SCSV, session resumption, key exchange groups and OCSP stapling; null when the check did not run.",
);

const starttls = object({
  protocol: { type: "string", enum: ["smtp", "imap", "pop3"] },
  offered: bool,
  injection: { type: "string", enum: ["vulnerable", "not-vulnerable", "not-tested"] },
  detail: str,
});

const finding = object({ id: str, severity: { type: "string", enum: [...SEVERITIES] }, title: str, detail: str });
const verdict = object({ ok: bool, text: str });

/** The schema of CheckReport; `$id` names version 1 of the report. */
export const CHECK_SCHEMA: Schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: CHECK_SCHEMA_ID,
  title: "sealpost check report",
  ...object({
    schema: { type: "string", enum: ["sealpost-check/1"] },
    target,
    startedAt: str,
    durationMs: int,
    error: nullableStr,
    starttls: { ...starttls, type: ["object", "null"] },
    protocols: { type: "array", items: versionResult },
    ciphers: { type: "array", items: cipherList },
    certificate: { ...certificate, type: ["object", "null"] },
    otherCertificates: { type: "array", items: certificate },
    features: { ...features, type: ["object", "null"] },
    findings: { type: "array", items: finding },
    gaps: { type: "array", items: str },
    verdicts: object({ strictSenders: verdict, legacyClients: verdict }),
    probes: int,
  }),
};

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description"]);
const KEYWORDS = new Set(["type", "properties", "required", "additionalProperties", "enum", "items"]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === "number" && actual === "integer");
}

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Keywords in `schema` (anywhere) that the validator does not implement. */
export function unsupportedKeywords(schema: unknown, path = "#"): string[] {
  if (!isSchema(schema)) return [`${path}: the schema is not an object`];
  const errors: string[] = [];
  for (const [key, sub] of Object.entries(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) errors.push(`${path}: unsupported schema keyword "${key}"`);
    if (key === "items" || (key === "additionalProperties" && sub !== false && sub !== true)) errors.push(...unsupportedKeywords(sub, `${path}/${key}`));
    if (key === "properties" && isSchema(sub)) {
      for (const [name, p] of Object.entries(sub)) errors.push(...unsupportedKeywords(p, `${path}/properties/${name}`));
    }
  }
  return errors;
}

/** Errors of `value` against `schema` ("$.path: message"); an empty list means valid. */
export function validateAgainstSchema(schema: unknown, value: unknown): string[] {
  const bad = unsupportedKeywords(schema);
  return bad.length > 0 ? bad : validateNode(schema as Schema, value, "$");
}

function validateNode(schema: Schema, value: unknown, path: string): string[] {
  const errors: string[] = [];
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const wanted = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
    if (!wanted.some((t) => typeof t === "string" && typeMatches(actual, t))) {
      errors.push(`${path}: expected ${wanted.map(String).join(" or ")}, got ${actual}`);
      return errors;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (actual === "object") {
    const obj = value as Record<string, unknown>;
    const props: Schema = isSchema(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const key of schema.required) {
        if (typeof key === "string" && !Object.hasOwn(obj, key)) errors.push(`${path}: missing required property "${key}"`);
      }
    }
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (isSchema(sub)) errors.push(...validateNode(sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property "${key}"`);
      else if (isSchema(schema.additionalProperties)) errors.push(...validateNode(schema.additionalProperties, v, `${path}.${key}`));
    }
  }
  const items = schema.items;
  if (actual === "array" && isSchema(items)) {
    (value as unknown[]).forEach((item, i) => errors.push(...validateNode(items, item, `${path}[${i}]`)));
  }
  return errors;
}
