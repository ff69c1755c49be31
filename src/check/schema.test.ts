import assert from "node:assert/strict";
import { test } from "node:test";
import { CHECK_SCHEMA, CHECK_SCHEMA_ID, unsupportedKeywords, validateAgainstSchema } from "./schema.ts";
import { cipherList, report, versions } from "../../test/support/check-targets.ts";

/** As `--json` prints it and a consumer reads it back. */
function roundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

test("the validator: type, nullable types, integer, enum, items, required, additionalProperties", () => {
  const schema = {
    type: "object",
    properties: {
      a: { type: "string", enum: ["x", "y"] },
      b: { type: ["integer", "null"] },
      c: { type: "array", items: { type: "boolean" } },
      d: { type: "number" },
    },
    required: ["a", "b"],
    additionalProperties: false,
  };
  assert.deepEqual(validateAgainstSchema(schema, { a: "x", b: null, c: [true, false], d: 1.5 }), []);
  assert.deepEqual(validateAgainstSchema(schema, { a: "y", b: 3, d: 2 }), [], "an integer is a number");
  assert.deepEqual(validateAgainstSchema(schema, { a: "z", b: 1 }), ['$.a: "z" is not one of "x", "y"']);
  assert.deepEqual(validateAgainstSchema(schema, { a: "x", b: 1.5 }), ["$.b: expected integer or null, got number"]);
  assert.deepEqual(validateAgainstSchema(schema, { a: "x" }), ['$: missing required property "b"']);
  assert.deepEqual(validateAgainstSchema(schema, { a: "x", b: 1, e: 1 }), ['$: unexpected property "e"']);
  assert.deepEqual(validateAgainstSchema(schema, { a: "x", b: 1, c: [true, "no"] }), ["$.c[1]: expected boolean, got string"]);
  assert.deepEqual(validateAgainstSchema(schema, [1]), ["$: expected object, got array"]);
  assert.deepEqual(validateAgainstSchema({ type: "object", additionalProperties: { type: "integer" } }, { x: 1, y: "2" }), ["$.y: expected integer, got string"]);
});

test("the validator refuses keywords it does not implement, anywhere in the schema", () => {
  assert.deepEqual(validateAgainstSchema({ type: "string", pattern: "^a" }, "b"), ['#: unsupported schema keyword "pattern"']);
  assert.deepEqual(unsupportedKeywords({ type: "object", properties: { x: { type: "array", items: { minimum: 1 } } } }), ['#/properties/x/items: unsupported schema keyword "minimum"']);
  assert.deepEqual(unsupportedKeywords(CHECK_SCHEMA), [], "CHECK_SCHEMA stays within the subset");
});

test("CHECK_SCHEMA is a draft 2020-12 schema with the stable $id", () => {
  assert.equal(CHECK_SCHEMA.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(CHECK_SCHEMA.$id, "https://sealpost.invalid/schemas/check-1.json");
  assert.equal(CHECK_SCHEMA_ID, CHECK_SCHEMA.$id);
  assert.equal(CHECK_SCHEMA.type, "object");
  assert.deepEqual(CHECK_SCHEMA.required, ["schema", "target", "startedAt", "durationMs", "error", "starttls", "protocols", "ciphers", "certificate", "otherCertificates", "features", "findings", "gaps", "verdicts", "probes"]);
});

test("reports of every shape validate", () => {
  const shapes = [
    report(),
    report({ protocols: versions(["SSLv3", "TLSv1", "TLSv1.2"]), ciphers: [cipherList("TLSv1", ["TLS_RSA_WITH_RC4_128_MD5"], false)] }),
    report({ starttls: null, target: { host: "192.0.2.1", port: 993, address: "192.0.2.1", servername: null, access: "tls" } }),
    report({ starttls: { protocol: "pop3", offered: false, injection: "not-tested", detail: "no STLS" }, protocols: [], ciphers: [], certificate: null }),
    report({ error: "connect ECONNREFUSED 127.0.0.1:25", starttls: null, protocols: [], ciphers: [], certificate: null }),
  ];
  for (const r of shapes) assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, roundTrip(r)), []);
});

test("broken reports do not validate", () => {
  const good = roundTrip(report()) as Record<string, unknown>;
  const broken = (mutate: (r: Record<string, unknown>) => void): string[] => {
    const r = structuredClone(good);
    mutate(r);
    return validateAgainstSchema(CHECK_SCHEMA, r);
  };
  assert.deepEqual(broken((r) => (r.schema = "sealpost-check/2")), ['$.schema: "sealpost-check/2" is not one of "sealpost-check/1"']);
  assert.deepEqual(broken((r) => delete r.verdicts), ['$: missing required property "verdicts"']);
  assert.deepEqual(broken((r) => (r.extra = 1)), ['$: unexpected property "extra"']);
  assert.deepEqual(
    broken((r) => ((r.findings as Array<Record<string, unknown>>)[0]!.severity = "severe")),
    ['$.findings[0].severity: "severe" is not one of "info", "low", "medium", "high", "critical"'],
  );
  assert.deepEqual(broken((r) => ((r.protocols as Array<Record<string, unknown>>)[2]!.version = "TLSv1.0")), [
    '$.protocols[2].version: "TLSv1.0" is not one of "SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"',
  ]);
  assert.deepEqual(broken((r) => ((r.certificate as Record<string, unknown>).keyBits = "256")), ["$.certificate.keyBits: expected integer or null, got string"]);
  assert.deepEqual(broken((r) => ((r.target as Record<string, unknown>).port = 25.5)), ["$.target.port: expected integer, got number"]);
  assert.deepEqual(broken((r) => ((r.starttls as Record<string, unknown>).injection = "maybe")), ['$.starttls.injection: "maybe" is not one of "vulnerable", "not-vulnerable", "not-tested"']);
  assert.deepEqual(broken((r) => (r.certificate = "none")), ["$.certificate: expected object or null, got string"]);
});
