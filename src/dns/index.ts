/**
 * DNS for outbound mail: a Resolver over node:dns (servers configurable, so tests use a loopback
 * server), typed DnsErrors (not-found vs temporary), and the destination of a domain per
 * RFC 5321 §5.1 (MX order, implicit MX) and RFC 7505 (null MX).
 */
export { DnsError } from "./errors.ts";
export { parseDnsServer, type DnsServerAddress } from "./server-address.ts";
export { createResolver, type Resolver } from "./resolver.ts";
export { destinationHosts, type Destination } from "./destination.ts";
