/** `sealpost history ADDRESS [--days N] [--json]`: one account's logins, legacy ones flagged. */
import type { Command } from "commander";
import { historyLine, loginHistory } from "../audit/index.ts";
import { normalizeAddress } from "../directory/index.ts";
import { parseIntFlag, printJson, UsageError, withStore } from "./common.ts";

export function registerHistory(program: Command): void {
  program
    .command("history <address>")
    .description("an account's logins (IMAP, POP3, submission) with TLS version and cipher, legacy ones flagged")
    .option("--days <n>", "how many days back", "30")
    .option("--json", "print records as JSON")
    .action(async (address: string, flags: { data?: string; days: string; json?: boolean }) => {
      const days = parseIntFlag("--days", flags.days, 1, 3650);
      const normalized = normalizeAddress(address).address;
      await withStore(flags, async (store) => {
        const h = await loginHistory(store.db, normalized, days);
        if (h === undefined) throw new UsageError(`no such account: ${normalized}`);
        if (flags.json === true) {
          printJson(h);
          return;
        }
        process.stdout.write(`Logins of ${h.address} since ${h.since} (newest first; LEGACY = stops working with TLS 1.2+ only; "legacy endpoint" = through the legacy listeners, with a grant until the cut-off):\n`);
        if (h.entries.length === 0) process.stdout.write("  none\n");
        for (const e of h.entries) process.stdout.write(`${historyLine(e)}\n`);
      });
    });
}
