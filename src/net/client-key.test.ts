import { test } from "node:test";
import assert from "node:assert/strict";
import { clientKey, connectionKey } from "./client-key.ts";

test("IPv4: the address and its /24", () => {
  assert.deepEqual(clientKey("203.0.113.7"), { address: "203.0.113.7", network: "203.0.113.0/24" });
  assert.deepEqual(clientKey("127.0.1.5"), { address: "127.0.1.5", network: "127.0.1.0/24" });
});

test("IPv4-mapped IPv6 (RFC 4291 §2.5.5.2) is the IPv4 address it carries, in either notation", () => {
  for (const mapped of ["::ffff:203.0.113.7", "::FFFF:203.0.113.7", "::ffff:cb00:7107", "0:0:0:0:0:ffff:203.0.113.7"]) {
    assert.deepEqual(clientKey(mapped), { address: "203.0.113.7", network: "203.0.113.0/24" }, mapped);
  }
  // Not mapped: an IPv4-compatible or NAT64 address is IPv6.
  assert.deepEqual(clientKey("::203.0.113.7"), { address: "::cb00:7107", network: "::/64" });
  assert.deepEqual(clientKey("64:ff9b::203.0.113.7"), { address: "64:ff9b::cb00:7107", network: "64:ff9b::/64" });
});

test("IPv6: one canonical form (RFC 5952) and the /64", () => {
  const forms = ["2001:db8:1:2::a", "2001:0DB8:0001:0002:0000:0000:0000:000a", "2001:db8:1:2:0:0:0:a"];
  for (const f of forms) assert.deepEqual(clientKey(f), { address: "2001:db8:1:2::a", network: "2001:db8:1:2::/64" }, f);
  assert.equal(clientKey("2001:db8:1:2:ffff:ffff:ffff:ffff").network, "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:db8:1:3::1").network, "2001:db8:1:3::/64");
  assert.equal(clientKey("2001:db8:0:0:1:0:0:1").address, "2001:db8::1:0:0:1", "the longest zero run is the one compressed");
  assert.deepEqual(clientKey("::1"), { address: "::1", network: "::/64" });
  assert.deepEqual(clientKey("fe80::1%eth0"), { address: "fe80::1", network: "fe80::/64" });
});

test("anything else is its own key, never an exception", () => {
  for (const junk of ["unknown", "", "1.2.3", "2001:db8::1::2", "x".repeat(300)]) {
    const k = clientKey(junk);
    assert.equal(k.address, k.network, junk);
  }
});

test("connectionKey: an IPv4 address is its own client; IPv6 addresses of one /64 are one client", () => {
  assert.equal(connectionKey("203.0.113.7"), "203.0.113.7");
  assert.equal(connectionKey("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(connectionKey("2001:db8:1:2::5"), "2001:db8:1:2::/64");
  assert.equal(connectionKey("2001:db8:1:2:ffff:eeee:dddd:1"), "2001:db8:1:2::/64");
  assert.notEqual(connectionKey("2001:db8:1:3::5"), connectionKey("2001:db8:1:2::5"));
});
