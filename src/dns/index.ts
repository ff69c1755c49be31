/**
 * DNS for outbound mail: a Resolver over node:dns (servers configurable, so tests use a loopback
 * server), typed DnsErrors (not-found vs temporary), the destination of a domain per RFC 5321
 * §5.1 (MX order, implicit MX) and RFC 7505 (null MX), and raw queries that read the resolver's
 * AD bit (DNSSEC, for DANE) and the record types node:dns does not know; for inbound sender
 * checks, a node:dns-shaped Lookup over the same servers, bounded by a deadline.
 */
export { DnsError } from "./errors.ts";
export { parseDnsServer, type DnsServerAddress } from "./server-address.ts";
export { createResolver, type Resolver, type ZoneResolver } from "./resolver.ts";
export { createLookup, type Lookup } from "./lookup.ts";
export { destinationHosts, type Destination } from "./destination.ts";
export { queryDns, systemDnsServer, trustsAd } from "./query.ts";
export { addressScope, type AddressScope } from "./address-scope.ts";
export { resolverLookup } from "./net-lookup.ts";
