/** `sealpost domain dkim DOMAIN [--rotate | --activate] [--json]`: a hosted domain's DKIM keys and their records. */
import type { Command } from "commander";
import { loadConfig } from "../config/index.ts";
import { activateIfPublished, activateKeys, ensureKeys, keyRecords, listKeys, rotateKeys } from "../dkim/index.ts";
import { checkPublished, isHostedDomain, normalizeDomain, zoneLines } from "../directory/index.ts";
import { createResolver } from "../dns/index.ts";
import { cliUser, printJson, printTable, UsageError, withStore } from "./common.ts";

const HELP = `
Every hosted domain has two keys that sign its outgoing mail: Ed25519 (RFC 8463) and RSA-2048,
each under its own selector (sp<year><generation>-ed, -rsa). This command lists them with the TXT
records to publish, and checks through the configured resolver ([dns] servers) which are in DNS.

Rotating without failing a signature:
  1. --rotate makes a new pair, "pending": it does not sign yet. Publish its two records.
  2. Once Sealpost sees both records in DNS (this command looks, and the running server at start
     and every 10 minutes), the new pair signs and the old one is retired. --activate does it at
     once, for when you know the records are out although the resolver here cannot see them.
  3. Keep a retired key's record for 7 days (mail signed just before is still verified), then
     remove it; its line in the listing says until when.
A domain's first keys sign at once: publish their records soon.
`;

interface DkimFlags {
  data?: string;
  json?: boolean;
  rotate?: boolean;
  activate?: boolean;
  /** False with --no-check. */
  check: boolean;
}

const day = (ms: number | null): string => (ms === null ? "-" : new Date(ms).toISOString().slice(0, 16).replace("T", " "));

export function registerDomainDkim(domain: Command): void {
  domain
    .command("dkim <domain>")
    .description("a hosted domain's DKIM keys and the TXT records to publish; --rotate makes new keys (they sign once published)")
    .option("--rotate", "make a new pair of keys, pending until their records are seen in DNS or --activate")
    .option("--activate", "let the pending keys sign now, seen in DNS or not (the current ones retire)")
    .option("--json", "print the keys and records as JSON")
    .option("--no-check", "do not look the records up (so a pending pair is not activated by this run)")
    .addHelpText("after", HELP)
    .action(async (name: string, flags: DkimFlags) => {
      if (flags.rotate === true && flags.activate === true) throw new UsageError("domain dkim: --rotate and --activate do not go together: publish the new records first, then activate");
      const wanted = normalizeDomain(name);
      await withStore(flags, async (store) => {
        const config = loadConfig(store.dataDir);
        if (!(await isHostedDomain(store.db, wanted))) throw new UsageError(`domain dkim: ${wanted} is not a hosted domain (sealpost domain list); relayed mail is never signed`);
        const by = cliUser();
        const notes: string[] = [];
        if (flags.rotate === true) {
          const gen = await rotateKeys(store.db, wanted, by);
          notes.push(`made ${gen}: pending, it does not sign yet. Publish its records below; it signs once Sealpost sees them in DNS (or after --activate).`);
        } else {
          const gen = await ensureKeys(store.db, wanted, by);
          if (gen !== null) notes.push(`made ${gen}: it signs from now. Publish its records below.`);
        }
        const byHand = flags.activate === true ? await activateKeys(store.db, wanted, by) : null;
        if (byHand !== null) notes.push(`${byHand} signs from now; the keys it replaces are retired.`);
        const resolver = createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout_ms, tries: 2 });
        const check = flags.check ? await activateIfPublished(store.db, wanted, (records) => checkPublished(records, resolver), by) : { published: new Map<string, string>(), activated: null };
        if (check.activated !== null) notes.push(`${check.activated}'s records are in DNS: it signs from now; the keys it replaces are retired.`);
        const keys = await listKeys(store.db, wanted);
        const records = keyRecords(wanted, keys);
        const inDns = (selector: string): string | null => check.published.get(selector) ?? null;
        for (const k of keys) {
          const status = inDns(k.selector);
          if (k.state === "active" && (status === "missing" || status === "different")) notes.push(`warning: ${k.selector} signs, but its record is ${status} in DNS: its signatures fail until it is published as printed.`);
        }
        if (flags.json === true) {
          printJson({ domain: wanted, activated: byHand ?? check.activated, notes, keys: keys.map(({ publicKey: _, ...k }) => ({ ...k, published: inDns(k.selector) })), records });
          return;
        }
        for (const n of notes) process.stdout.write(`${n}\n`);
        printTable(
          ["SELECTOR", "ALGORITHM", "STATE", "CREATED", "ACTIVATED", "RETIRED", "IN DNS"],
          keys.map((k) => [k.selector, k.algorithm, k.state, day(k.createdAt), day(k.activatedAt), day(k.retiredAt), inDns(k.selector) ?? "-"]),
        );
        process.stdout.write(`\n${zoneLines(wanted, { records, warnings: [] }).join("\n")}\n`);
      });
    });
}
