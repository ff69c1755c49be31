/**
 * `sealpost domain dns DOMAIN`: the DNS records to publish for a hosted (or relay) domain, ready to
 * copy, each marked with what the configured resolver (`[dns] servers`) finds published.
 */
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { loadConfig, type Config } from "../config/index.ts";
import { checkPublished, domainDnsRecords, isHostedDomain, normalizeDomain, publishedMark, publishedMtaSts, zoneLines, type PublishedPorts } from "../directory/index.ts";
import { createResolver } from "../dns/index.ts";
import { listRelays } from "../outbound/index.ts";
import { withStore, printJson, UsageError } from "./common.ts";

type PublishedListener = keyof PublishedPorts;

/** An enabled listener's port, null when it is off. */
function port(config: Config, name: PublishedListener): number | null {
  const l = config.listeners[name];
  return l.enabled ? l.port : null;
}

/** Whether one of the configured certificates covers `name` (wildcards as RFC 6125 allows them). */
async function coverage(config: Config): Promise<(name: string) => boolean> {
  const certs = await Promise.all(
    config.tls.certificates.map(async (c) => {
      try {
        return new X509Certificate(await readFile(c.cert, "utf8"));
      } catch {
        return null; // `sealpost status` reports an unreadable certificate; here it covers nothing
      }
    }),
  );
  return (name) => certs.some((c) => c?.checkHost(name, { subject: "default", wildcards: true }) !== undefined);
}

/** "12 published, 1 different, 2 missing": how many records have each status, in the order first seen. */
function tally(statuses: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s.replace("-", " ")}`).join(", ");
}

export function registerDomainDns(domain: Command): void {
  domain
    .command("dns <domain>")
    .description("the DNS records to publish for a domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, SRV for mail programs, autoconfig and autodiscover names), and which are published")
    .option("--json", "print the records and warnings as JSON")
    .option("--no-check", "print the records without looking up which are published")
    .action(async (name: string, flags: { data?: string; json?: boolean; check: boolean }) => {
      const wanted = normalizeDomain(name);
      await withStore(flags, async (store) => {
        const config = loadConfig(store.dataDir);
        const hosted = await isHostedDomain(store.db, wanted);
        const relay = !hosted && (await listRelays(store.db)).some((r) => r.domain === wanted);
        if (!hosted && !relay) throw new UsageError(`domain dns: ${wanted} is neither a hosted domain (sealpost domain list) nor a relay domain (sealpost relay list)`);
        const ports: PublishedPorts = {
          mx: port(config, "mx"),
          submissions: port(config, "submissions"),
          submission: port(config, "submission"),
          imaps: port(config, "imaps"),
          pop3s: port(config, "pop3s"),
          web: port(config, "web"),
        };
        const dns = domainDnsRecords(wanted, config.hostname, ports, {
          hosted,
          certificateCovers: await coverage(config),
          mtaSts: await publishedMtaSts(store.db, wanted),
          // Integration point: the domain's DKIM keys' TXT records (the DKIM room's dkimTxtRecords).
          dkim: [],
        });
        const checks = flags.check ? await checkPublished(dns.records, createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms, tries: 2 })) : null;
        if (flags.json === true) printJson({ domain: wanted, hostname: config.hostname, ...dns, records: dns.records.map((r, i) => ({ ...r, ...checks?.[i] })) });
        else {
          const lines = zoneLines(wanted, dns, checks?.map(publishedMark));
          if (checks !== null) lines.splice(1, 0, `; checked through DNS: ${tally(checks.map((c) => c.status))}`);
          process.stdout.write(`${lines.join("\n")}\n`);
        }
      });
    });
}
