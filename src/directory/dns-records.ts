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

/**
 * The ways in Sealpost offers mail programs, in the order a mail program should prefer them: the one
 * list the settings documents (web/autoconfig.ts) and the DNS records are made from. Each is named
 * after its listener, which is also its service name in RFC 6186 and RFC 8314.
 */
export const CLIENT_SERVICES = [
  { listener: "imaps", protocol: "imap", tls: "implicit" },
  { listener: "pop3s", protocol: "pop3", tls: "implicit" },
  { listener: "submissions", protocol: "smtp", tls: "implicit" },
  { listener: "submission", protocol: "smtp", tls: "starttls" },
] as const;
/** The services mail programs look up that are never offered: IMAP and POP3 in plaintext first. */
const NOT_OFFERED = ["imap", "pop3"] as const;

type ClientListener = (typeof CLIENT_SERVICES)[number]["listener"];

/** The ports of the listeners a record points at; null when the listener is off. */
export type PublishedPorts = Record<ClientListener | "mx" | "web", number | null>;

interface DnsRecord {
  /** Fully qualified, with the trailing dot. */
  name: string;
  type: "MX" | "SRV" | "CNAME" | "TXT";
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
  for (const c of CLIENT_SERVICES) {
    const what = c.protocol === "smtp" ? "sending mail" : c.protocol.toUpperCase();
    srv(c.listener, ports[c.listener], `${what} with ${c.tls === "implicit" ? "implicit TLS (RFC 8314)" : "STARTTLS (RFC 6186)"}`);
  }
  for (const service of NOT_OFFERED) {
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
