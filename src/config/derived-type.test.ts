/**
 * `Config` is derived from SCHEMA (schema.ts): these compile-time checks fail `tsc --noEmit` when a
 * field's derived type drifts — an int that is not a number, an enum that widens to string, a field
 * that becomes `never` (which would silently accept any use) — and the test checks the loaded value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig, type Config, type ListenerConfig, type TlsLevel } from "./index.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const is = <T extends true>(_proof: T): void => undefined;

is<Equal<Config["hostname"], string>>(true);
is<Equal<Config["smtp"]["max_message_size"], number>>(true);
is<Equal<Config["delivery"]["mta_sts"], boolean>>(true);
is<Equal<Config["tls"]["min_version"], "TLSv1.2" | "TLSv1.3">>(true);
is<Equal<ListenerConfig, { enabled: boolean; address: string; port: number; min_tls_version: "" | "TLSv1.2" | "TLSv1.3" }>>(true);
is<Equal<TlsLevel, "may" | "encrypt" | "verify" | "verify-once">>(true);
is<Equal<Config["delivery"]["policies"], Array<{ domain: string; level: TlsLevel }>>>(true);
is<Equal<Config["tls"]["certificates"], Array<{ cert: string; key: string }>>>(true);
is<Equal<Config["dns"]["servers"], string[]>>(true);

test("the loaded config has the derived shape, defaults filled in", () => {
  const c: Config = validateConfig({ hostname: "mx.example.test", delivery: { policies: [{ domain: "example.org", level: "verify" }] } });
  assert.equal(c.hostname, "mx.example.test");
  assert.equal(c.listeners.mx.port, 25);
  assert.equal(c.listeners.imaps.min_tls_version, "");
  assert.equal(c.delivery.tls_policy, "may");
  assert.deepEqual(c.delivery.policies, [{ domain: "example.org", level: "verify" }]);
  assert.deepEqual(c.tls.certificates, []);
});
