/**
 * `sealpost nodes [--json]`: the Sealpost nodes on this store's database (issue 16) — live ones (a
 * heartbeat in the last 30 s), then those gone without stopping (killed, or cut off from the
 * database), then the ones stopped cleanly — with what each serves. Works from any node.
 */
import type { Command } from "commander";
import { listNodes } from "../cluster/index.ts";
import { printJson, printTable, withStore } from "./common.ts";

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function registerNodes(program: Command): void {
  program
    .command("nodes")
    .description("the Sealpost nodes on this store's database: live, gone (no heartbeat for 30 s) or stopped, and what each serves")
    .option("--json", "print the nodes as JSON")
    .action(async (flags: { data?: string; json?: boolean }) => {
      await withStore(flags, async (store) => {
        const now = Date.now();
        const nodes = await listNodes(store.db, now);
        if (flags.json === true) return printJson(nodes);
        printTable(
          ["STATE", "HOST", "DATA DIRECTORY", "PID", "LAST SEEN", "ROLES"],
          nodes.map((n) => [n.state, n.hostname, n.dataDir, String(n.pid), ago(now - n.lastSeen), n.roles.join(",")]),
        );
      });
    });
}
