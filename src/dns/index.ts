/**
 * DNS for outbound mail: a Resolver over node:dns (servers configurable, so tests use a loopback
 * server), typed DnsErrors (not-found vs temporary), and the destination of a domain per
 * RFC 5321 §5.1 (MX order, implicit MX) and RFC 7505 (null MX).
 */
export { DnsError, type DnsErrorKind } from "./errors.ts";
export { parseDnsServer, type DnsServerAddress } from "./server-address.ts";
export { createResolver, type Resolver, type ResolverOptions, type MxRecord } from "./resolver.ts";
export { destinationHosts, normalizeHost, type Destination, type DestinationHost, type DestinationOptions } from "./destination.ts";
