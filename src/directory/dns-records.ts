/**
 * The DNS records a hosted domain publishes so that other servers and mail programs find Sealpost
 * and trust its mail (`sealpost domain dns DOMAIN`): the MX; who may send as the domain (SPF, DKIM,
 * DMARC); how senders must reach it (MTA-STS) and where they report failures (TLS-RPT); the service
 * records of RFC 6186 and RFC 8314 that mail programs look up, and the names of the
 * auto-configuration documents on the web listener.
 *
 * Only TLS endpoints are offered: implicit TLS for IMAP, POP3 and submission (RFC 8314 §3; its SRV
 * records §5.1) and submission with STARTTLS on 587. IMAP and POP3 with STARTTLS are published as
 * "decidedly not available at this domain" (target ".", RFC 2782), so that a mail program looking up
 * RFC 6186's names does not fall back to them; the legacy endpoint (old TLS versions, by grant only)
 * is never published.
 */
import { policyTxt } from "../mta-sts/index.ts";

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

export interface DnsRecord {
  /** Fully qualified, with the trailing dot. */
  name: string;
  type: "MX" | "SRV" | "CNAME" | "TXT";
  /** The record's data in zone-file form; for TXT the text itself (zoneLines quotes it). */
  value: string;
  /** What it is for, one line. */
  why: string;
}

/** A DKIM key's TXT record (RFC 6376 §3.6.1), made by the DKIM room: `SELECTOR._domainkey.DOMAIN`, `v=DKIM1; k=…; p=…`. */
type DkimRecord = Pick<DnsRecord, "name" | "value" | "why">;

interface DomainDns {
  records: DnsRecord[];
  /** What stops a record from working as printed (a port other servers do not use, a name the certificate lacks). */
  warnings: string[];
}

/** The local part of each hosted domain's TLS-RPT address (RFC 8460 §3): the MX keeps the reports mailed to it. */
export const TLS_REPORT_LOCAL_PART = "tls-reports";

/** Mail is delivered to port 25 only: the MX record has no port. */
const SMTP_PORT = 25;
/** RFC 8461 §3.3: the policy is fetched from https://mta-sts.DOMAIN/ (port 443). */
const HTTPS_PORT = 443;
const fqdn = (name: string): string => `${name.replace(/\.$/, "")}.`;

/** The _mta-sts TXT record that announces a policy's id (RFC 8461 §3.1). */
export function mtaStsTxtRecord(domain: string, id: string): DnsRecord {
  return { name: fqdn(`_mta-sts.${domain}`), type: "TXT", value: policyTxt(id), why: "the MTA-STS policy's id: senders fetch the policy again when it changes (RFC 8461)" };
}

/**
 * The records for `domain` served by `hostname`. A relay (gateway) domain gets the MX only: its
 * mailboxes are elsewhere, and so are its senders. `certificateCovers(name)` says whether the served
 * certificate covers a name; `mtaSts` is the domain's published policy (its id), `dkim` the TXT
 * records of its DKIM keys.
 */
export function domainDnsRecords(
  domain: string,
  hostname: string,
  ports: PublishedPorts,
  opts: { hosted: boolean; certificateCovers: (name: string) => boolean; mtaSts: { id: string } | null; dkim: readonly DkimRecord[] },
): DomainDns {
  const host = fqdn(hostname);
  const records: DnsRecord[] = [];
  const warnings: string[] = [];
  records.push({ name: fqdn(domain), type: "MX", value: `10 ${host}`, why: "mail for the domain goes to this server" });
  if (ports.mx === null) warnings.push("the mx listener is off: nothing here accepts the domain's mail");
  else if (ports.mx !== SMTP_PORT) warnings.push(`the mx listener is on port ${ports.mx}: other servers deliver to port ${SMTP_PORT} only`);
  if (!opts.hosted) return { records, warnings };

  const txt = (name: string, value: string, why: string): number => records.push({ name: fqdn(name), type: "TXT", value, why });
  // SPF (RFC 7208): every message sent as a hosted domain leaves through this server (submission,
  // webmail, bounces, notices), so its addresses are the only ones allowed and nothing else passes
  // (`-all`, §8.4). `a:HOSTNAME` rather than `mx`: it names the sending host itself, so a backup MX
  // the domain may list is not made a sender, and it costs one DNS lookup where `mx` costs one plus
  // one per MX (§4.6.4: at most 10).
  txt(domain, `v=spf1 a:${host.slice(0, -1)} -all`, "SPF: only this server sends the domain's mail (RFC 7208)");
  // §2.3: the HELO name's own record. A bounce has an empty MAIL FROM, so its SPF identity is the
  // HELO name (§2.4), and its From is MAILER-DAEMON@HOSTNAME: without this record it has no SPF pass
  // for DMARC to align (once for the server, whichever domain's list it is on).
  if (host !== fqdn(domain)) txt(host, "v=spf1 a -all", "SPF of this server's own name: the sender of its bounces (RFC 7208 §2.3)");
  for (const key of opts.dkim) txt(key.name, key.value, key.why);
  // DMARC (RFC 7489): what passes SPF (above) and DKIM (signed here) is aligned with the From
  // domain, so a message that fails is not the domain's: receivers refuse it (§6.3, p=reject). p=none
  // would only watch, and without a report address (`rua`: nothing here reads aggregate reports) no
  // one would see what it saw. The known cost is mail through lists that rewrite messages (RFC 7960);
  // whoever sends through such lists may publish p=quarantine, which the check shows as different.
  txt(`_dmarc.${domain}`, "v=DMARC1; p=reject", "DMARC: receivers refuse mail in the domain's name that fails SPF and DKIM (RFC 7489)");
  if (opts.mtaSts !== null) {
    const sts = mtaStsRecords(domain, host, ports.web, opts.mtaSts.id, opts.certificateCovers);
    records.push(...sts.records);
    warnings.push(...sts.warnings);
  }
  txt(`_smtp._tls.${domain}`, `v=TLSRPTv1; rua=mailto:${TLS_REPORT_LOCAL_PART}@${domain}`, "TLS-RPT: where senders report failed TLS to the MX (RFC 8460)");

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

/**
 * `mta-sts.DOMAIN`, where senders fetch the policy from the web listener (RFC 8461 §3.3: HTTPS on
 * port 443, with a certificate for that name), and the TXT record with the policy's id.
 */
function mtaStsRecords(domain: string, host: string, web: number | null, id: string, covers: (name: string) => boolean): DomainDns {
  const name = `mta-sts.${domain}`;
  if (web === null) return { records: [], warnings: ["the web listener is off: senders cannot fetch the MTA-STS policy (publish no _mta-sts record)"] };
  const warnings: string[] = [];
  if (web !== HTTPS_PORT) warnings.push(`the web listener is on port ${web}: senders fetch the MTA-STS policy from port ${HTTPS_PORT} only`);
  if (!covers(name)) warnings.push(`the certificate does not name ${name}: senders will not fetch the MTA-STS policy`);
  return { records: [{ name: fqdn(name), type: "CNAME", value: host, why: "where senders fetch the MTA-STS policy" }, mtaStsTxtRecord(domain, id)], warnings };
}

/** RFC 1035 §3.3.14: a TXT record's text as quoted strings of at most 255 octets each (SPF and DKIM join them, RFC 7208 §3.3). */
function quoteTxt(text: string): string {
  const chunks = text.match(/[\s\S]{1,255}/g) ?? [""];
  return chunks.map((c) => `"${c.replace(/["\\]/g, "\\$&")}"`).join(" ");
}

/** One record as a zone-file line, its purpose as a comment (and what the check found, before it). */
export function zoneLine(r: DnsRecord, opts: { width?: number; ttl?: number; mark?: string } = {}): string {
  const data = r.type === "TXT" ? quoteTxt(r.value) : r.value;
  return `${r.name.padEnd(opts.width ?? 0)} ${opts.ttl ?? 3600} IN ${r.type.padEnd(5)} ${data} ; ${opts.mark === undefined ? "" : `[${opts.mark}] `}${r.why}`;
}

/**
 * The records as zone-file lines, each with its purpose as a comment; the warnings first, as
 * comments. `marks`, one per record, say what the check found (published, missing…).
 */
export function zoneLines(domain: string, dns: DomainDns, marks?: readonly string[], ttl = 3600): string[] {
  const width = Math.max(...dns.records.map((r) => r.name.length));
  return [
    `; DNS records to publish for ${domain}`,
    ...dns.warnings.map((w) => `; WARNING: ${w}`),
    ...dns.records.map((r, i) => zoneLine(r, { width, ttl, mark: marks?.[i] })),
  ];
}
