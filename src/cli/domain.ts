/** `sealpost domain add|list|set|log`, and `domain admin add|delete|list`: who administers a domain. */
import type { Command } from "commander";
import { userInfo } from "node:os";
import { addDomain, domainAdmins, domainChanges, grantDomainAdmin, listDomains, mtaStsTxtRecord, normalizeDomain, parseMtaStsMode, publishedMtaSts, revokeDomainAdmin, setDomain, zoneLine } from "../directory/index.ts";
import { policyMaxAge } from "../mta-sts/index.ts";
import { withStore, parseOnOff, printJson, printTable, UsageError } from "./common.ts";
import { registerDomainDns } from "./domain-dns.ts";

interface DomainFlags {
  data?: string;
  json?: boolean;
  mandatoryTls?: string;
  mtaSts?: string;
}

type Domain = Awaited<ReturnType<typeof setDomain>>;

const days = (seconds: number): string => (seconds === 86_400 ? "1 day" : `${seconds / 86_400} days`);

/**
 * What `domain set --mta-sts` tells the operator: the mode served now, and the TXT record to publish
 * (a new id after every change, RFC 8461 §3.1) — or, withdrawn, what to delete, and how long senders
 * may still hold the last policy.
 */
function mtaStsLines(d: Domain, before: Domain["mtaSts"]): string[] {
  if (d.mtaSts === null) {
    if (before === null) return [`${d.name}: MTA-STS off (no policy published)`];
    return [
      `${d.name}: MTA-STS off: delete the _mta-sts.${d.name} TXT record and the mta-sts.${d.name} name`,
      // §8.3: a sender keeps a cached policy for its max_age after the TXT record is gone.
      `senders may apply the last policy (mode ${before.mode}) for up to ${days(policyMaxAge(before.mode))} more; to withdraw one safely, publish --mta-sts none for that long first (RFC 8461 §8.3)`,
    ];
  }
  const changed = before?.id !== d.mtaSts.id;
  return [
    `${d.name}: MTA-STS ${d.mtaSts.mode}${changed ? "" : " (unchanged)"}, policy id ${d.mtaSts.id}, max_age ${policyMaxAge(d.mtaSts.mode)} s; publish${changed ? " (replacing any earlier _mta-sts record)" : ""}:`,
    zoneLine(mtaStsTxtRecord(d.name, d.mtaSts.id)),
  ];
}

/** Who runs this command, for the domain's audit trail: "cli:" and the system user. */
function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

export function registerDomain(program: Command): void {
  const domain = program.command("domain").description("hosted domains and their TLS policy");
  domain
    .command("add <domain>")
    .description("host a domain (mailboxes for its accounts)")
    .option("--mandatory-tls <on|off>", "accept mail for this domain only over TLS", "off")
    .option("--json", "print the record as JSON")
    .action(async (name: string, flags: DomainFlags) => {
      const mandatoryTls = parseOnOff("--mandatory-tls", flags.mandatoryTls ?? "off");
      await withStore(flags, async (store) => {
        const d = await addDomain(store.db, name, { mandatoryTls });
        if (flags.json === true) printJson(d);
        else process.stdout.write(`added ${d.name} (mandatory TLS ${d.mandatoryTls ? "on" : "off"})\n`);
      });
    });
  domain
    .command("set <domain>")
    .description("change a domain's policy, hosted or relay (recorded: domain log)")
    .option("--mandatory-tls <on|off>", "accept mail for this domain only over TLS")
    .option("--mta-sts <none|testing|enforce|off>", "publish the hosted domain's MTA-STS policy in this mode (RFC 8461), or none (off)")
    .option("--json", "print the record as JSON")
    .action(async (name: string, flags: DomainFlags) => {
      if (flags.mandatoryTls === undefined && flags.mtaSts === undefined) throw new UsageError("domain set: nothing to change (give --mandatory-tls on|off or --mta-sts none|testing|enforce|off)");
      const mandatoryTls = flags.mandatoryTls === undefined ? undefined : parseOnOff("--mandatory-tls", flags.mandatoryTls);
      const mtaSts = flags.mtaSts === undefined ? undefined : parseMtaStsMode(flags.mtaSts);
      await withStore(flags, async (store) => {
        const before = mtaSts === undefined ? null : await publishedMtaSts(store.db, normalizeDomain(name));
        const d = await setDomain(store.db, name, { mandatoryTls, mtaSts }, cliUser());
        if (flags.json === true) printJson(d);
        else {
          const lines = [...(mandatoryTls === undefined ? [] : [`${d.name}: mandatory TLS ${d.mandatoryTls ? "on" : "off"}`]), ...(mtaSts === undefined ? [] : mtaStsLines(d, before))];
          process.stdout.write(`${lines.join("\n")}\n`);
        }
      });
    });
  domain
    .command("list")
    .description("list hosted domains")
    .option("--json", "print records as JSON")
    .action(async (flags: DomainFlags) => {
      await withStore(flags, async (store) => {
        const list = await listDomains(store.db);
        if (flags.json === true) printJson(list);
        else printTable(["DOMAIN", "MANDATORY TLS", "CREATED", "MTA-STS"], list.map((d) => [d.name, d.mandatoryTls ? "on" : "off", new Date(d.createdAt).toISOString(), d.mtaSts === null ? "off" : `${d.mtaSts.mode} (id ${d.mtaSts.id})`]));
      });
    });
  domain
    .command("log <domain>")
    .description("who changed the domain's policy when (the mandatory-TLS switch, the MTA-STS mode), newest first")
    .option("--json", "print records as JSON")
    .action(async (name: string, flags: DomainFlags) => {
      await withStore(flags, async (store) => {
        const list = await domainChanges(store.db, name);
        if (flags.json === true) printJson(list);
        else printTable(["TIME", "SETTING", "VALUE", "BY"], list.map((c) => [new Date(c.time).toISOString(), c.setting, c.value, c.changedBy]));
      });
    });
  registerDomainDns(domain);
  const admin = domain.command("admin").description("who administers a domain (hosted or relay): its domain-admins, the accounts given it, the admins");
  admin
    .command("add <domain> <address>")
    .description("give the account the domain to administer (a relay domain's administrator has no mailbox on it)")
    .action(async (name: string, address: string, flags: DomainFlags) => {
      await withStore(flags, async (store) => {
        await grantDomainAdmin(store.db, name, address);
        process.stdout.write(`${address.toLowerCase()} administers ${name.toLowerCase()}\n`);
      });
    });
  admin
    .command("delete <domain> <address>")
    .description("take a domain given with `domain admin add` back")
    .action(async (name: string, address: string, flags: DomainFlags) => {
      await withStore(flags, async (store) => {
        if (!(await revokeDomainAdmin(store.db, name, address))) throw new UsageError(`${address.toLowerCase()} was not given ${name.toLowerCase()} (a domain-admin's own domain is changed with "user set --role")`);
        process.stdout.write(`${address.toLowerCase()} no longer administers ${name.toLowerCase()}\n`);
      });
    });
  admin
    .command("list <domain>")
    .description("everyone who administers the domain, and why")
    .option("--json", "print records as JSON")
    .action(async (name: string, flags: DomainFlags) => {
      await withStore(flags, async (store) => {
        const list = await domainAdmins(store.db, name);
        if (flags.json === true) printJson(list);
        else printTable(["ADDRESS", "ROLE", "WHY"], list.map((a) => [a.address, a.role, a.source]));
      });
    });
}
