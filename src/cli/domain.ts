/** `sealpost domain add|list|set|log`, and `domain admin add|delete|list`: who administers a domain. */
import type { Command } from "commander";
import { addDomain, domainAdmins, domainChanges, grantDomainAdmin, listDomains, revokeDomainAdmin, setDomain } from "../directory/index.ts";
import { cliUser, withStore, parseOnOff, printJson, printTable, UsageError } from "./common.ts";
import { registerDomainDkim } from "./domain-dkim.ts";
import { registerDomainDns } from "./domain-dns.ts";

interface DomainFlags {
  data?: string;
  json?: boolean;
  mandatoryTls?: string;
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
        const d = await addDomain(store.db, name, { mandatoryTls, changedBy: cliUser() });
        if (flags.json === true) printJson(d);
        else process.stdout.write(`added ${d.name} (mandatory TLS ${d.mandatoryTls ? "on" : "off"})\n`);
      });
    });
  domain
    .command("set <domain>")
    .description("change a domain's policy, hosted or relay (recorded: domain log)")
    .option("--mandatory-tls <on|off>", "accept mail for this domain only over TLS")
    .option("--json", "print the record as JSON")
    .action(async (name: string, flags: DomainFlags) => {
      if (flags.mandatoryTls === undefined) throw new UsageError("domain set: nothing to change (give --mandatory-tls on|off)");
      const mandatoryTls = parseOnOff("--mandatory-tls", flags.mandatoryTls);
      await withStore(flags, async (store) => {
        const d = await setDomain(store.db, name, { mandatoryTls }, cliUser());
        if (flags.json === true) printJson(d);
        else process.stdout.write(`${d.name}: mandatory TLS ${d.mandatoryTls ? "on" : "off"}\n`);
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
        else printTable(["DOMAIN", "MANDATORY TLS", "CREATED"], list.map((d) => [d.name, d.mandatoryTls ? "on" : "off", new Date(d.createdAt).toISOString()]));
      });
    });
  domain
    .command("log <domain>")
    .description("who changed the domain's policy when (the mandatory-TLS switch, its DKIM keys), newest first")
    .option("--json", "print records as JSON")
    .action(async (name: string, flags: DomainFlags) => {
      await withStore(flags, async (store) => {
        const list = await domainChanges(store.db, name);
        if (flags.json === true) printJson(list);
        else printTable(["TIME", "SETTING", "VALUE", "BY"], list.map((c) => [new Date(c.time).toISOString(), c.setting, c.value, c.changedBy]));
      });
    });
  registerDomainDns(domain);
  registerDomainDkim(domain);
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
