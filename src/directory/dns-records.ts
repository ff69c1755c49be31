/**
 * The DNS records a hosted domain publishes so that other servers and mail programs find Sealpost
 * (`sealpost domain dns DOMAIN`): the MX, the service records of RFC 6186 and RFC 8314 that mail
 * programs look up, and the names of the auto-configuration documents on the web listener.
 *
 * Only TLS endpoints are offered: implicit TLS for IMAP, POP3 and submission (RFC 8314 §3; its SRV
 * records §5.1) and submission with STARTTLS on 587. IMAP and POP3 with STARTTLS are published as
 * "decidedly not available at this domain" (target ".", RFC 2782), so that a mail program looking up
 * RFC 6186's names does not fall back to them; the legacy endpoint (old TLS versions, by grant only)
 * is never published.
 */

/** The ports of the listeners a record points at; null when the listener is off. */
export interface PublishedPorts {
  mx: number | null;
  submissions: number | null;
  submission: number | null;
  imaps: number | null;
  pop3s: number | null;
  web: number | null;
}

interface DnsRecord {
  /** Fully qualified, with the trailing dot. */
  name: string;
  type: "MX" | "SRV" | "CNAME";
  /** The record's data in zone-file form. */
  value: string;
  /** What it is for, one line. */
  why: string;
}

interface DomainDns {
  records: DnsRecord[];
  /** What stops a record from working as printed (a port other servers do not use, a name the certificate lacks). */
  warnings: string[];
}

/** Mail is delivered to port 25 only: the MX record has no port. */
const SMTP_PORT = 25;
const fqdn = (name: string): string => `${name.replace(/\.$/, "")}.`;

/**
 * The records for `domain` served by `hostname`. A relay (gateway) domain gets the MX only: its
 * mailboxes are elsewhere. `certificateCovers(name)` says whether the served certificate covers a name.
 */
export function domainDnsRecords(
  domain: string,
  hostname: string,
  ports: PublishedPorts,
  opts: { hosted: boolean; certificateCovers: (name: string) => boolean },
): DomainDns {
  const host = fqdn(hostname);
  const records: DnsRecord[] = [];
  const warnings: string[] = [];
  records.push({ name: fqdn(domain), type: "MX", value: `10 ${host}`, why: "mail for the domain goes to this server" });
  if (ports.mx === null) warnings.push("the mx listener is off: nothing here accepts the domain's mail");
  else if (ports.mx !== SMTP_PORT) warnings.push(`the mx listener is on port ${ports.mx}: other servers deliver to port ${SMTP_PORT} only`);
  if (!opts.hosted) return { records, warnings };

  // One target per service (priority 0, weight 1); a listener that is off is "not available" (".").
  const srv = (service: string, port: number | null, why: string): void => {
    if (port === 0) {
      warnings.push(`the ${service} listener's port is 0 (chosen at start): give it a fixed port to publish it`);
      return;
    }
    const name = fqdn(`_${service}._tcp.${domain}`);
    if (port === null) records.push({ name, type: "SRV", value: "0 0 0 .", why: `${why}: not offered here (its listener is off)` });
    else records.push({ name, type: "SRV", value: `0 1 ${port} ${host}`, why });
  };
  srv("submissions", ports.submissions, "sending mail with implicit TLS (RFC 8314)");
  srv("submission", ports.submission, "sending mail with STARTTLS (RFC 6186)");
  srv("imaps", ports.imaps, "IMAP with implicit TLS (RFC 8314)");
  srv("pop3s", ports.pop3s, "POP3 with implicit TLS (RFC 8314)");
  for (const service of ["imap", "pop3"]) {
    records.push({ name: fqdn(`_${service}._tcp.${domain}`), type: "SRV", value: "0 0 0 .", why: `${service.toUpperCase()} with STARTTLS or in plaintext: not offered (use the implicit-TLS port)` });
  }

  if (ports.web === null) {
    warnings.push("the web listener is off: mail programs cannot fetch their settings (autoconfig, autodiscover)");
    return { records, warnings };
  }
  for (const label of ["autoconfig", "autodiscover"]) {
    const name = `${label}.${domain}`;
    records.push({ name: fqdn(name), type: "CNAME", value: host, why: `${label === "autoconfig" ? "Thunderbird's" : "Outlook's"} settings document` });
    if (!opts.certificateCovers(name)) warnings.push(`the certificate does not name ${name}: mail programs will refuse its settings document`);
  }
  srv("autodiscover", ports.web, "where Outlook asks for its settings");
  return { records, warnings };
}

/** The records as zone-file lines, each with its purpose as a comment; the warnings first, as comments. */
export function zoneLines(domain: string, dns: DomainDns, ttl = 3600): string[] {
  const width = Math.max(...dns.records.map((r) => r.name.length));
  return [
    `; DNS records to publish for ${domain}`,
    ...dns.warnings.map((w) => `; WARNING: ${w}`),
    ...dns.records.map((r) => `${r.name.padEnd(width)} ${ttl} IN ${r.type.padEnd(5)} ${r.value} ; ${r.why}`),
  ];
}
