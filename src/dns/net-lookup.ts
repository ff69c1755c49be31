/**
 * A `lookup` for node:net, node:tls and node:https that asks our Resolver (A then AAAA) instead of
 * getaddrinfo: connections made for mail (an MTA-STS policy fetch, a TLS report's upload) resolve
 * through `[dns]` like the delivery itself, and tests can point them at their own DNS server.
 */
import type { LookupAddress, LookupOptions } from "node:dns";
import type { Resolver } from "./resolver.ts";

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for node:net that asks `resolver` (A then AAAA) instead of getaddrinfo. */
export function resolverLookup(resolver: Resolver): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    resolver.addresses(hostname).then(
      (all) => {
        const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
        const found = all
          .map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
          .filter((a) => family === undefined || family === 0 || a.family === family);
        const first = found[0];
        if (first === undefined) {
          const err: NodeJS.ErrnoException = new Error(`no addresses for ${hostname}`);
          err.code = "ENOTFOUND";
          callback(err, "", undefined);
        } else if (options.all === true) {
          callback(null, found);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), "", undefined),
    );
  };
}
