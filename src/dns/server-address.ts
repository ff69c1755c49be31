/** A resolver's address as given on the command line or in the config. */
import { isIP } from "node:net";

export interface DnsServerAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:5353", "[::1]:53", "::1", "192.0.2.1" → host and port (default 53); null when not an address. */
export function parseDnsServer(text: string): DnsServerAddress | null {
  let host = text;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket !== null) {
    host = bracket[1] ?? "";
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(text) === 0) {
    const m = /^([^:]+):(\d+)$/.exec(text);
    if (m === null) return null;
    host = m[1] ?? "";
    port = Number(m[2]);
  }
  if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

