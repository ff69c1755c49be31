/**
 * Client addresses as the limits key them (the listener's connections per client, the sign-in
 * limiter's counters): the address itself, and the network an attacker typically holds as a whole — an IPv4 /24, an IPv6 /64 (RFC 4291 §2.5.4: the interface
 * identifier is the low 64 bits, so one subscriber gets at least a /64; mox and Dovecot's anvil
 * key IPv6 the same way). An IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2, "::ffff:a.b.c.d", what
 * a dual-stack listener reports for an IPv4 client) is the IPv4 address it carries.
 */
import { isIPv4, isIPv6 } from "node:net";

interface ClientKey {
  /** The address in one canonical form: dotted IPv4, or RFC 5952 IPv6. */
  address: string;
  /** Its network: "a.b.c.0/24" or "2001:db8:1:2::/64". */
  network: string;
}

/** The address and network of a client address as a socket reports it. */
export function clientKey(ip: string): ClientKey {
  const text = ip.trim().toLowerCase();
  if (isIPv4(text)) return ipv4Key(text);
  const bare = text.replace(/%.*$/, ""); // a zone index ("fe80::1%eth0") names a link, not a host
  if (!isIPv6(bare)) return { address: text, network: text }; // not an address: its own network
  const groups = ipv6Groups(bare);
  // RFC 4291 §2.5.5.2: 80 zero bits, 16 one bits, then the IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return ipv4Key(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
  }
  return { address: rfc5952(groups), network: `${rfc5952([...groups.slice(0, 4), 0, 0, 0, 0])}/64` };
}

/**
 * Whom `connections.max_connections_per_ip` counts together: an IPv4 address, or an IPv6 /64 —
 * one subscriber's share, so a single host cannot take every slot with addresses of its own /64.
 */
export function connectionKey(ip: string): string {
  const k = clientKey(ip);
  return k.address.includes(":") ? k.network : k.address;
}

function ipv4Key(ip: string): ClientKey {
  const [a, b, c] = ip.split(".");
  return { address: ip, network: `${a}.${b}.${c}.0/24` };
}

/** The eight 16-bit groups of an IPv6 text that isIPv6() accepted (a dotted IPv4 tail becomes the last two). */
function ipv6Groups(ip: string): number[] {
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) => {
    const group = (x: string, y: string): string => ((Number(x) << 8) | Number(y)).toString(16);
    return `${group(a, b)}:${group(c, d)}`;
  });
  const [head = "", rest = ""] = text.split("::");
  const parse = (s: string): number[] => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** RFC 5952 §4: lowercase hex, no leading zeros, the longest run of two or more zero groups as "::". */
function rfc5952(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
