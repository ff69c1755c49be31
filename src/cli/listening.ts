/**
 * Whether something listens on an address and port, for `sealpost status`, without connecting:
 * every connection to a listener is a session in the audit (an SMTP session "in plaintext", a TLS
 * handshake "closed before the ClientHello"), and a status check run every minute would fill the
 * TLS report with them. On Linux the kernel's socket tables (/proc/net/tcp, /proc/net/tcp6) say
 * which sockets are in LISTEN state — what a TCP connect would find out, since the kernel completes
 * a handshake on a listening socket whether or not the program behind it reads. Elsewhere (no
 * /proc) a TCP connect with a short timeout answers instead.
 */
import { readFile } from "node:fs/promises";
import { BlockList, connect, isIPv4, isIPv6 } from "node:net";

const TCP_LISTEN = "0A";
const CONNECT_TIMEOUT_MS = 2000;

export interface ListeningSocket {
  address: string;
  port: number;
}

/** "0100007F" → "127.0.0.1"; 32 hex digits → an IPv6 address (each 32-bit word in host order, little-endian here). */
function procAddress(hex: string): string {
  const bytes = Buffer.from(hex, "hex");
  for (let i = 0; i + 4 <= bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return [...bytes].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(":");
}

/** The sockets in LISTEN state in the kernel's tables, or null when there are none to read (not Linux). */
export async function listeningSockets(): Promise<ListeningSocket[] | null> {
  const tables = await Promise.all(["/proc/net/tcp", "/proc/net/tcp6"].map((f) => readFile(f, "utf8").catch(() => null)));
  if (tables.every((t) => t === null)) return null;
  const out: ListeningSocket[] = [];
  for (const table of tables) {
    for (const line of (table ?? "").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== TCP_LISTEN || local === undefined) continue;
      const [addr, port] = local.split(":");
      if (addr === undefined || port === undefined) continue;
      out.push({ address: procAddress(addr), port: parseInt(port, 16) });
    }
  }
  return out;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0", ""]);

function sameAddress(a: string, b: string): boolean {
  if (a === "localhost") return sameAddress("127.0.0.1", b) || sameAddress("::1", b);
  const family = isIPv4(a) ? "ipv4" : isIPv6(a) ? "ipv6" : null;
  if (family === null) return a === b;
  const list = new BlockList();
  list.addAddress(a, family);
  return list.check(b, isIPv4(b) ? "ipv4" : "ipv6");
}

/** A socket listening on `port` that takes connections for `address` (a wildcard on either side matches). */
export function isListening(sockets: readonly ListeningSocket[], address: string, port: number): boolean {
  return sockets.some((s) => s.port === port && (WILDCARDS.has(s.address) || WILDCARDS.has(address) || sameAddress(address, s.address)));
}

/** Connects and closes at once (nothing is sent): null when the connection was accepted, else why not. */
export function connectProbe(address: string, port: number): Promise<string | null> {
  const host = address === "0.0.0.0" || address === "" ? "127.0.0.1" : address === "::" ? "::1" : address;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | null): void => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
    socket.once("connect", () => done(null));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" ? "connection refused" : (e.code ?? e.message)));
  });
}
