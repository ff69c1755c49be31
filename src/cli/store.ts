/**
 * `sealpost store sweep [--grace S] [--json]`: removes message files that no message and no queue
 * entry refers to, and prints one line (or the report as JSON). Safe while the server runs unless a
 * write has waited longer than the grace period to commit: files younger than the grace period are
 * left alone, and from here it is at least a minute — this process cannot see which files the
 * server is writing right now (the server's own sweep can), so a file whose commit is that late
 * looks like an orphan and goes.
 */
import type { Command } from "commander";
import { loadConfig } from "../config/index.ts";
import { sweepBlobs, sweepSummary } from "../store/index.ts";
import { dataDir, parseIntFlag, printJson, withStore } from "./common.ts";

/** The shortest grace period a sweep from outside the server may use, seconds. */
const MIN_CLI_GRACE = 60;

export function registerStore(program: Command): void {
  const store = program.command("store").description("the message store");
  store
    .command("sweep")
    .description("remove message files no message and no queue entry refers to (safe while the server runs, unless a write has waited longer than the grace period to commit)")
    .option("--grace <seconds>", `leave files younger than this alone (default: [store] sweep_grace, at least ${MIN_CLI_GRACE})`)
    .option("--json", "print the report as JSON")
    .action(async (flags: { data?: string; grace?: string; json?: boolean }) => {
      const config = loadConfig(dataDir(flags));
      const grace = flags.grace !== undefined ? parseIntFlag("--grace", flags.grace, MIN_CLI_GRACE, 604_800) : Math.max(MIN_CLI_GRACE, config.store.sweep_grace);
      await withStore(flags, async (s) => {
        const report = await sweepBlobs(s, { graceMs: grace * 1000 });
        if (flags.json === true) return printJson({ ...report, graceSeconds: grace });
        process.stdout.write(`${sweepSummary(report, grace * 1000)}\n`);
      });
    });
}
