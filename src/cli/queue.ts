/** `sealpost queue list [--json]`: what waits in the outbound queue (the runner is the outbound issue's). */
import type { Command } from "commander";
import { listQueue } from "../queue/index.ts";
import { printJson, printTable, withStore } from "./common.ts";

export function registerQueue(program: Command): void {
  const queue = program.command("queue").description("the outbound queue");
  queue
    .command("list")
    .description("list queued messages")
    .option("--data <dir>", "data directory", "./data")
    .option("--json", "print records as JSON")
    .action(async (flags: { data?: string; json?: boolean }) => {
      await withStore(flags, async (store) => {
        const items = await listQueue(store.db);
        if (flags.json === true) {
          printJson(items);
          return;
        }
        printTable(
          ["ID", "QUEUED", "FROM", "RECIPIENTS", "SIZE", "STATUS", "ATTEMPTS", "LAST ERROR"],
          items.map((q) => [q.id, new Date(q.createdAt).toISOString(), q.from === "" ? "<>" : q.from, q.recipients.join(", "), String(q.size), q.status, String(q.attempts), q.lastError ?? ""]),
        );
      });
    });
}
