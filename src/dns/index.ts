/**
 * DNS for outbound mail: a Resolver over node:dns (servers configurable, so tests use a loopback
 * server), typed DnsErrors (not-found vs temporary), the destination of a domain per RFC 5321
 * §5.1 (MX order, implicit MX) and RFC 7505 (null MX), and raw queries that read the resolver's
 * AD bit (DNSSEC, for DANE) and the record types node:dns does not know.
 */
export { DnsError } from "./errors.ts";
export { parseDnsServer, type DnsServerAddress } from "./server-address.ts";
export { createResolver, type Resolver } from "./resolver.ts";
export { destinationHosts, type Destination } from "./destination.ts";
export { queryDns, systemDnsServer, trustsAd } from "./query.ts";
export { addressScope, type AddressScope } from "./address-scope.ts";
export { resolverLookup } from "./net-lookup.ts";
