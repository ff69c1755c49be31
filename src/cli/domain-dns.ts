/** `sealpost domain dns DOMAIN`: the DNS records to publish for a hosted (or relay) domain, ready to copy. */
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { loadConfig, type Config } from "../config/index.ts";
import { domainDnsRecords, isHostedDomain, normalizeDomain, zoneLines, type PublishedPorts } from "../directory/index.ts";
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

export function registerDomainDns(domain: Command): void {
  domain
    .command("dns <domain>")
    .description("the DNS records to publish for a domain (MX, SRV for mail programs, autoconfig and autodiscover names)")
    .option("--json", "print the records and warnings as JSON")
    .action(async (name: string, flags: { data?: string; json?: boolean }) => {
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
        const dns = domainDnsRecords(wanted, config.hostname, ports, { hosted, certificateCovers: await coverage(config) });
        if (flags.json === true) printJson({ domain: wanted, hostname: config.hostname, ...dns });
        else process.stdout.write(`${zoneLines(wanted, dns).join("\n")}\n`);
      });
    });
}
