/**
 * Which certificates ACME keeps: one for the server's host name alone, and one per hosted domain
 * for its `mta-sts.` (RFC 8461 §3.3: the policy host) and `autoconfig.` names. Each is its own
 * order (RFC 8555 §7.4), so a domain whose DNS does not point here fails only its own order and
 * never holds up the host's certificate or another domain's.
 */

/** One certificate ACME keeps. */
export interface CertificateOrder {
  /** Its files' name and the key of its state: its first name. */
  id: string;
  /** The DNS names it covers, the first one its subject. */
  names: string[];
  /** The host name's own: ordered whatever the DNS pre-check finds (a failure there is the operator's to see). */
  host: boolean;
}

/** The domain names a hosted domain's certificate covers. */
function domainNames(domain: string): string[] {
  return [`mta-sts.${domain}`, `autoconfig.${domain}`];
}

/** The orders for `hostname` and the hosted `domains` (lower-cased; a name the host order has is not ordered twice). */
export function certificateOrders(hostname: string, domains: readonly string[]): CertificateOrder[] {
  const host = normalize(hostname);
  const orders: CertificateOrder[] = [{ id: host, names: [host], host: true }];
  for (const domain of [...new Set(domains.map(normalize))]) {
    const names = domainNames(domain).filter((n) => n !== host);
    const id = names[0];
    if (id !== undefined) orders.push({ id, names, host: false });
  }
  return orders;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}
