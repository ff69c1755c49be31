import { test } from "node:test";
import assert from "node:assert/strict";
import { certificateOrders } from "./orders.ts";

test("the host name is ordered alone, each hosted domain's mta-sts and autoconfig names apart", () => {
  assert.deepEqual(certificateOrders("MX.Example.ORG.", ["example.org", "Other.test", "example.org"]), [
    { id: "mx.example.org", names: ["mx.example.org"], host: true },
    { id: "mta-sts.example.org", names: ["mta-sts.example.org", "autoconfig.example.org"], host: false },
    { id: "mta-sts.other.test", names: ["mta-sts.other.test", "autoconfig.other.test"], host: false },
  ]);
});

test("a name the host's certificate has is not ordered twice", () => {
  assert.deepEqual(certificateOrders("autoconfig.example.org", ["example.org"]), [
    { id: "autoconfig.example.org", names: ["autoconfig.example.org"], host: true },
    { id: "mta-sts.example.org", names: ["mta-sts.example.org"], host: false },
  ]);
  assert.deepEqual(certificateOrders("mx.example.org", []), [{ id: "mx.example.org", names: ["mx.example.org"], host: true }]);
});
