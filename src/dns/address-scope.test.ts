import { test } from "node:test";
import assert from "node:assert/strict";
import { addressScope } from "./address-scope.ts";

test("private, loopback, link-local, unique-local, CGNAT, this-network, multicast and reserved addresses have their scope", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.10.1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["100.64.0.1", "shared"],
    ["100.127.255.254", "shared"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.251", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.10", "documentation"],
    ["2001:db8::25", "documentation"],
    // IPv4 inside IPv6: mapped, NAT64, 6to4 — judged by the IPv4 address they carry.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2002:c0a8:0101::1", "private"],
    // What cannot be judged is not probed.
    ["fe80::1%eth0", "reserved"],
    ["localhost", "reserved"],
    ["2130706433", "reserved"],
  ];
  for (const [ip, scope] of cases) assert.equal(addressScope(ip), scope, ip);
});

test("public addresses have no scope", () => {
  for (const ip of ["192.0.3.1", "8.8.8.8", "100.128.0.1", "172.32.0.1", "169.255.0.1", "2a00:1450:4001::1b", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1", "fbff::1", "2600::1"]) {
    assert.equal(addressScope(ip), null, ip);
  }
});
