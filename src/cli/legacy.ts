/**
 * `sealpost legacy grant|revoke|list` (issue 12): who may still use the legacy endpoint (TLS 1.0/1.1
 * until the cut-off) — an account, for some of IMAP, POP3 and submission, or a sending host's IP
 * address, for the legacy MX — and until when. "Now" is the server's clock (src/clock), so a
 * rehearsal with a clock file sees the grants as the server does.
 */
import type { Command } from "commander";
import { currentCutoff } from "../campaign/index.ts";
import { processClock } from "../clock/index.ts";
import { grantLegacy, LEGACY_PROTOCOLS, listLegacyGrants, parseLegacyProtocols, revokeLegacy, type LegacyGrant } from "../directory/index.ts";
import { parseWhen, printJson, printTable, UsageError, withStore } from "./common.ts";

interface LegacyFlags {
  data?: string;
  json?: boolean;
  until?: string;
  protocols?: string;
}

/** A grant as `list --json` prints it: instants in ISO 8601, and whether it has ended by the server's clock. */
function record(g: LegacyGrant, now: number) {
  return { address: g.address, host: g.host, protocols: g.protocols, until: new Date(g.until).toISOString(), ended: g.until <= now, createdAt: new Date(g.createdAt).toISOString() };
}

export function registerLegacy(program: Command): void {
  const legacy = program.command("legacy").description("grants for the legacy endpoint (TLS 1.0/1.1 until the cut-off): accounts or sending hosts");
  legacy
    .command("grant <who>")
    .description("let an account (ADDRESS) or a sending host (IP, for the legacy MX) use the legacy endpoint until a date; replaces its grant")
    .requiredOption("--until <date>", "last day (2027-01-31: through that day), a local time or an ISO 8601 instant; not after a scheduled cut-off")
    .option("--protocols <list>", `for an account: some of ${LEGACY_PROTOCOLS.join(",")} (default: all)`)
    .option("--json", "print the record as JSON")
    .action(async (who: string, flags: LegacyFlags) => {
      const until = parseWhen("--until", flags.until ?? "", { end: "day" });
      const protocols = flags.protocols !== undefined ? parseLegacyProtocols(flags.protocols) : undefined;
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const cutoff = await currentCutoff(store.db);
        const g = await grantLegacy(store.db, who, { until, now, cutoff: cutoff?.date ?? null, ...(protocols !== undefined ? { protocols } : {}) });
        if (flags.json === true) printJson(record(g, now));
        else process.stdout.write(`granted ${g.address ?? g.host ?? who} the legacy endpoint (${g.protocols.join(", ")}) until ${new Date(g.until).toISOString()}\n`);
      });
    });
  legacy
    .command("revoke <who>")
    .description("end an account's (ADDRESS) or a sending host's (IP) legacy grant now")
    .action(async (who: string, flags: LegacyFlags) => {
      await withStore(flags, async (store) => {
        if (!(await revokeLegacy(store.db, who))) throw new UsageError(`${who.trim().toLowerCase().slice(0, 255)} has no legacy grant`);
        process.stdout.write(`revoked the legacy grant of ${who.trim().toLowerCase()}\n`);
      });
    });
  legacy
    .command("list")
    .description("every legacy grant: account or host, protocols, until, and whether it has ended")
    .option("--json", "print records as JSON")
    .action(async (flags: LegacyFlags) => {
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const grants = (await listLegacyGrants(store.db)).map((g) => record(g, now));
        if (flags.json === true) {
          printJson(grants);
          return;
        }
        if (grants.length === 0) {
          process.stdout.write("no legacy grants\n");
          return;
        }
        printTable(
          ["ACCOUNT OR HOST", "PROTOCOLS", "UNTIL", "STATE"],
          grants.map((g) => [g.address ?? g.host ?? "", g.protocols.join(","), g.until, g.ended ? "ended" : "running"]),
        );
      });
    });
}
