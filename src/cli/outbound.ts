/** `sealpost policy set|list|delete` (TLS level per destination) and `sealpost relay add|list|delete` (gateway mode). */
import type { Command } from "commander";
import { loadConfig } from "../config/index.ts";
import { addRelay, deletePolicy, deleteRelay, listPolicies, listRelays, parseLevel, setPolicy } from "../outbound/index.ts";
import { dataDir, printJson, printTable, UsageError, withStore } from "./common.ts";

interface Flags {
  data?: string;
  json?: boolean;
  nextHop?: string;
  level?: string;
  localParts?: string;
}

export function registerOutbound(program: Command): void {
  const policy = program.command("policy").description("outbound TLS level per destination domain (may, encrypt, verify, verify-once)");
  policy
    .command("set <domain> <level>")
    .description("deliver to DOMAIN only at LEVEL (an MTA-STS enforce policy can still raise it to verify)")
    .option("--json", "print the record as JSON")
    .action(async (domain: string, levelText: string, flags: Flags) => {
      const level = parseLevel(levelText);
      await withStore(flags, async (store) => {
        const e = await setPolicy(store.db, domain, level);
        if (flags.json === true) printJson(e);
        else process.stdout.write(`${e.domain}: ${e.level}\n`);
      });
    });
  policy
    .command("delete <domain>")
    .description("remove a domain's level (the config's or the default applies again)")
    .action(async (domain: string, flags: Flags) => {
      await withStore(flags, async (store) => {
        if (!(await deletePolicy(store.db, domain))) throw new UsageError(`policy delete: no policy set for ${domain}`);
        process.stdout.write(`${domain}: removed\n`);
      });
    });
  policy
    .command("list")
    .description("every domain's level and where it comes from")
    .option("--json", "print records as JSON")
    .action(async (flags: Flags) => {
      const config = loadConfig(dataDir(flags));
      await withStore(flags, async (store) => {
        const list = await listPolicies(store.db, config);
        if (flags.json === true) printJson(list);
        else printTable(["DOMAIN", "LEVEL", "SOURCE"], list.map((p) => [p.domain, p.level, p.source]));
      });
    });

  const relay = program.command("relay").description("relay domains (gateway mode): accepted by the MX and forwarded to a next hop");
  relay
    .command("add <domain>")
    .description("accept mail for DOMAIN and forward it to --next-hop")
    .requiredOption("--next-hop <host:port>", "where the domain's mail goes (host:port or [address]:port)")
    .option("--level <level>", "TLS level toward the next hop (default: the domain's policy)")
    .option("--local-parts <list>", "comma-separated local parts to accept (default: any)")
    .option("--json", "print the record as JSON")
    .action(async (domain: string, flags: Flags) => {
      const level = flags.level === undefined ? null : parseLevel(flags.level);
      const localParts = flags.localParts === undefined ? null : flags.localParts.split(",").map((s) => s.trim()).filter((s) => s !== "");
      await withStore(flags, async (store) => {
        const e = await addRelay(store.db, domain, flags.nextHop ?? "", level, localParts);
        if (flags.json === true) printJson(e);
        else process.stdout.write(`${e.domain} → ${e.nextHop}${e.level !== null ? ` (${e.level})` : ""}\n`);
      });
    });
  relay
    .command("delete <domain>")
    .description("stop relaying a domain")
    .action(async (domain: string, flags: Flags) => {
      await withStore(flags, async (store) => {
        if (!(await deleteRelay(store.db, domain))) throw new UsageError(`relay delete: ${domain} is not a relay domain`);
        process.stdout.write(`${domain}: removed\n`);
      });
    });
  relay
    .command("list")
    .description("relay domains and their next hops")
    .option("--json", "print records as JSON")
    .action(async (flags: Flags) => {
      await withStore(flags, async (store) => {
        const list = await listRelays(store.db);
        if (flags.json === true) printJson(list);
        else printTable(["DOMAIN", "NEXT HOP", "LEVEL", "LOCAL PARTS"], list.map((r) => [r.domain, r.nextHop, r.level ?? "(policy)", r.localParts?.join(",") ?? "*"]));
      });
    });
}
