/**
 * The special-purpose scope of an IP address (the IANA special-purpose registries, RFC 6890):
 * private (RFC 1918), loopback, link-local, unique-local (RFC 4193), shared (CGNAT, RFC 6598),
 * "this network", multicast, documentation, benchmarking and reserved ranges, and IPv6 forms that
 * carry such an IPv4 address (IPv4-mapped, NAT64 RFC 6052, 6to4 RFC 3056). What the checker lets
 * only administrators probe, and where the TLS reports' HTTPS upload may not go.
 */
import { isIP } from "node:net";

export type AddressScope = "unspecified" | "loopback" | "private" | "shared" | "link-local" | "unique-local" | "multicast" | "documentation" | "reserved";

/** [first bytes of the prefix, prefix length in bits, scope]. */
type Range = readonly [readonly number[], number, AddressScope];

const V4: readonly Range[] = [
  [[0], 8, "unspecified"], // RFC 791 "this network"
  [[10], 8, "private"], // RFC 1918
  [[100, 64], 10, "shared"], // RFC 6598 (CGNAT)
  [[127], 8, "loopback"], // RFC 1122 §3.2.1.3
  [[169, 254], 16, "link-local"], // RFC 3927
  [[172, 16], 12, "private"],
  [[192, 0, 0], 24, "reserved"], // RFC 6890 IETF protocol assignments
  [[192, 0, 2], 24, "documentation"], // RFC 5737
  [[192, 88, 99], 24, "reserved"], // RFC 7526 (6to4 relay anycast, deprecated)
  [[192, 168], 16, "private"],
  [[198, 18], 15, "reserved"], // RFC 2544 benchmarking
  [[198, 51, 100], 24, "documentation"],
  [[203, 0, 113], 24, "documentation"],
  [[224], 4, "multicast"], // RFC 5771
  [[240], 4, "reserved"], // RFC 1112 §4, and 255.255.255.255
];

const V6: readonly Range[] = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"], // RFC 4291 §2.5.3
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"],
  [[0], 8, "reserved"], // the deprecated IPv4-compatible ::/96 and the rest of ::/8 (mapped and NAT64 forms are judged by their IPv4 address first)
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, "reserved"], // RFC 6666 discard
  [[0x20, 0x01, 0x0d, 0xb8], 32, "documentation"], // RFC 3849
  [[0x20, 0x01, 0x00, 0x00], 32, "reserved"], // RFC 4380 Teredo: the real peer is hidden behind it
  [[0x20, 0x01, 0x00, 0x10], 28, "reserved"], // RFC 4843 ORCHID
  [[0xfc], 7, "unique-local"], // RFC 4193
  [[0xfe, 0x80], 10, "link-local"], // RFC 4291 §2.5.6
  [[0xfe, 0xc0], 10, "private"], // RFC 3879 site-local (deprecated)
  [[0xff], 8, "multicast"], // RFC 4291 §2.7
];

function v4Bytes(ip: string): number[] | null {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

/** The 16 bytes of an IPv6 address (an embedded dotted quad allowed), or null. */
function v6Bytes(ip: string): number[] | null {
  let text = ip;
  let tail: number[] = [];
  const quad = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad !== null) {
    const v4 = v4Bytes(quad[1] ?? "");
    if (v4 === null) return null;
    tail = v4;
    text = `${text.slice(0, quad.index)}:0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const bytes = all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function inRange(bytes: readonly number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i < bits; i += 8) {
    const n = Math.min(8, bits - i);
    const mask = (0xff << (8 - n)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function startsWith(bytes: readonly number[], prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/**
 * The special-purpose scope of an IP address, or null for a public one. Anything that is not a
 * plain IPv4 or IPv6 address (a zone index "fe80::1%eth0", a host name) counts as "reserved":
 * what cannot be judged is not probed.
 */
export function addressScope(ip: string): AddressScope | null {
  if (isIP(ip) === 4) {
    const b = v4Bytes(ip);
    return b === null ? "reserved" : (V4.find((r) => inRange(b, r))?.[2] ?? null);
  }
  const b = isIP(ip) === 6 && !ip.includes("%") ? v6Bytes(ip) : null;
  if (b === null) return "reserved";
  // IPv4 carried in IPv6: mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2), NAT64 64:ff9b::/96 (RFC 6052), 6to4 2002::/16 (RFC 3056).
  const embedded = startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) || startsWith(b, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]) ? b.slice(12, 16) : startsWith(b, [0x20, 0x02]) ? b.slice(2, 6) : null;
  if (embedded !== null) return addressScope(embedded.join("."));
  return V6.find((r) => inRange(b, r))?.[2] ?? null;
}
