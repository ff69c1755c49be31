/** Reading `sealpost history --json` from tests, polling until the audit rows have been written. */
import type { HistoryEntry } from "../src/audit/index.ts";
import { eventually, type ServerHandle } from "./harness.ts";

export async function eventuallyInHistory<T>(h: ServerHandle, address: string, pick: (entries: HistoryEntry[]) => T | undefined, timeoutMs = 5000): Promise<T> {
  return eventually(() => {
    const r = h.cli(["history", address, "--json"]);
    if (r.status !== 0) throw new Error(`history failed: ${r.stderr}`);
    return pick((JSON.parse(r.stdout) as { entries: HistoryEntry[] }).entries);
  }, timeoutMs, `history of ${address}`);
}
