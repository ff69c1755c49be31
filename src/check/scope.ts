/**
 * Which addresses a check may reach for someone who is not an administrator: the public internet
 * only. Private (RFC 1918), loopback, link-local, unique-local (RFC 4193), shared (CGNAT, RFC 6598),
 * "this network", multicast, documentation, benchmarking and reserved ranges (the IANA special-
 * purpose registries, RFC 6890) are refused, and so are IPv6 forms that carry such an IPv4 address
 * (IPv4-mapped, NAT64 RFC 6052, 6to4 RFC 3056): dns's `addressScope` judges them. The caller resolves first and connects only to
 * the addresses judged here (the resolver below refuses the whole answer if one address is not
 * public), so a name that resolves differently the second time (DNS rebinding) gains nothing.
 */
import { addressScope, destinationHosts, type AddressScope, type Resolver } from "../dns/index.ts";

/** A lookup answered with an address that only an administrator may probe. */
export class RestrictedAddressError extends Error {
  override name = "RestrictedAddressError";
  readonly host: string;
  readonly address: string;
  readonly scope: AddressScope;
  constructor(host: string, address: string, scope: AddressScope) {
    super(`${host === address ? address : `${host} resolves to ${address}`} (${scope}): only administrators may check such addresses`);
    this.host = host;
    this.address = address;
    this.scope = scope;
  }
}

/** Throws RestrictedAddressError for the first address of `addresses` that is not public. */
export function assertPublic(host: string, addresses: readonly string[]): void {
  for (const a of addresses) {
    const scope = addressScope(a);
    if (scope !== null) throw new RestrictedAddressError(host, a, scope);
  }
}

/**
 * `resolver` whose address lookups refuse an answer with any non-public address (throwing
 * RestrictedAddressError) instead of returning it: everything `check --mx` connects to (the MX
 * hosts, the MTA-STS policy host, the DANE certificate fetch) gets its address from here.
 */
export function publicOnly(resolver: Resolver): Resolver {
  return {
    mx: (domain) => resolver.mx(domain),
    txt: (name) => resolver.txt(name),
    addresses: async (host) => {
      const found = await resolver.addresses(host);
      assertPublic(host, found);
      return found;
    },
  };
}

/**
 * Before `check --mx` runs for someone who is not an administrator: the domain's MX hosts (or its
 * implicit MX) resolved through `resolver`, and RestrictedAddressError if any of them has a
 * non-public address. DNS failures are not this function's to report: the check reports them.
 * The check itself then runs with `publicOnly(resolver)`, so an answer that changes in between
 * is refused there.
 */
export async function assertPublicMx(domain: string, resolver: Resolver): Promise<void> {
  const guarded = publicOnly(resolver);
  const only = (e: unknown): undefined => {
    if (e instanceof RestrictedAddressError) throw e;
    return undefined;
  };
  const dest = await destinationHosts(domain, guarded).catch(only);
  if (dest?.kind !== "hosts") return;
  await Promise.all(dest.hosts.map((h) => guarded.addresses(h.host).catch(only)));
}
