import { test } from "node:test";
import assert from "node:assert/strict";
import type { Resolver } from "../dns/index.ts";
import { DnsError } from "../dns/index.ts";
import { assertPublic, assertPublicMx, publicOnly, RestrictedAddressError } from "./scope.ts";

test("assertPublic names the first address of an answer that is not public", () => {
  assert.doesNotThrow(() => assertPublic("mail.example.test", ["192.0.3.7", "2a00:1450::1"]));
  assert.throws(
    () => assertPublic("mail.example.test", ["192.0.3.7", "fd00::25", "10.0.0.1"]),
    (e: unknown) => e instanceof RestrictedAddressError && e.address === "fd00::25" && e.scope === "unique-local" && /^mail\.example\.test resolves to fd00::25 \(unique-local\)/.test(e.message),
  );
  assert.throws(() => assertPublic("127.0.0.1", ["127.0.0.1"]), /^RestrictedAddressError: 127\.0\.0\.1 \(loopback\): only administrators/);
});

test("publicOnly refuses an answer if any of its addresses is not public, and passes MX and TXT through", async () => {
  const answers: Record<string, string[]> = { "public.test": ["192.0.3.7", "2a00:1450::1"], "mixed.test": ["192.0.3.7", "10.0.0.5"] };
  const inner: Resolver = {
    mx: () => Promise.resolve([{ exchange: "mx.test", priority: 10 }]),
    txt: () => Promise.resolve(["v=STSv1; id=1"]),
    addresses: (host) => Promise.resolve(answers[host] ?? []),
  };
  const r = publicOnly(inner);
  assert.deepEqual(await r.addresses("public.test"), ["192.0.3.7", "2a00:1450::1"]);
  await assert.rejects(r.addresses("mixed.test"), (e: unknown) => e instanceof RestrictedAddressError && e.address === "10.0.0.5" && e.scope === "private" && e.host === "mixed.test");
  assert.deepEqual(await r.mx("x.test"), [{ exchange: "mx.test", priority: 10 }]);
  assert.deepEqual(await r.txt("x.test"), ["v=STSv1; id=1"]);
});

test("assertPublicMx refuses a domain with any MX host (or implicit MX) at a non-public address, and leaves DNS failures to the check", async () => {
  const zone: Record<string, { mx?: Array<{ exchange: string; priority: number }>; a?: string[] }> = {
    "public.test": { mx: [{ exchange: "mx1.public.test", priority: 10 }, { exchange: "mx2.public.test", priority: 20 }] },
    "mx1.public.test": { a: ["192.0.3.1"] },
    "mx2.public.test": { a: ["192.0.3.2"] },
    "inside.test": { mx: [{ exchange: "mx1.public.test", priority: 10 }, { exchange: "mx.inside.test", priority: 20 }] },
    "mx.inside.test": { a: ["192.168.1.25"] },
    "implicit.test": { mx: [], a: ["127.0.0.1"] },
  };
  const resolver: Resolver = {
    mx: (d) => {
      const e = zone[d];
      if (e === undefined) return Promise.reject(new DnsError("not-found", d, "MX", "ENOTFOUND"));
      return Promise.resolve(e.mx ?? []);
    },
    addresses: (h) => Promise.resolve(zone[h]?.a ?? []),
    txt: () => Promise.resolve([]),
  };
  await assert.doesNotReject(assertPublicMx("public.test", resolver));
  await assert.doesNotReject(assertPublicMx("nowhere.test", resolver));
  await assert.rejects(assertPublicMx("inside.test", resolver), (e: unknown) => e instanceof RestrictedAddressError && e.host === "mx.inside.test" && e.address === "192.168.1.25");
  await assert.rejects(assertPublicMx("implicit.test", resolver), (e: unknown) => e instanceof RestrictedAddressError && e.host === "implicit.test" && e.scope === "loopback");
});
