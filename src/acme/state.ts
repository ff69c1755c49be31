/**
 * What ACME remembers of each order between checks and across restarts (`acme/state.json`):
 * the last attempt, its error, the failures in a row and when the next attempt may be — so a
 * restart does not reset the backoff — and how the last certificate was validated. The primary
 * writes it (atomically) after each order; the console and `sealpost status` read it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../tls/index.ts";
import { acmeDir, makeAcmeDir } from "./files.ts";

export interface OrderState {
  /** The names last ordered (or found in DNS, for a domain's order). */
  names: string[];
  /** Failed attempts since the last certificate. */
  failures: number;
  lastError: string | null;
  lastAttemptAt: number | null;
  /** After a failure: no new attempt before this (ms since the epoch, the server's clock). */
  nextAttemptAt: number | null;
  issuedAt: number | null;
  /** The challenge type that validated the last certificate. */
  challenge: string | null;
  /** A domain's order whose names have no address in DNS: nothing is ordered until one has. */
  unpublished: boolean;
}

export type AcmeState = Record<string, OrderState>;

export function freshState(names: string[]): OrderState {
  return { names, failures: 0, lastError: null, lastAttemptAt: null, nextAttemptAt: null, issuedAt: null, challenge: null, unpublished: false };
}

function statePath(dataDir: string): string {
  return join(acmeDir(dataDir), "state.json");
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** The state file's orders; none when it is missing or unreadable (the next check writes it anew). */
export async function readState(dataDir: string): Promise<AcmeState> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(statePath(dataDir), "utf8"));
  } catch {
    return {};
  }
  const out: AcmeState = {};
  if (typeof doc !== "object" || doc === null) return out;
  for (const [id, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null) continue;
    const r = raw as Record<string, unknown>;
    out[id] = {
      names: Array.isArray(r.names) ? r.names.filter((n): n is string => typeof n === "string") : [],
      failures: num(r.failures) ?? 0,
      lastError: str(r.lastError),
      lastAttemptAt: num(r.lastAttemptAt),
      nextAttemptAt: num(r.nextAttemptAt),
      issuedAt: num(r.issuedAt),
      challenge: str(r.challenge),
      unpublished: r.unpublished === true,
    };
  }
  return out;
}

export async function writeState(dataDir: string, state: AcmeState): Promise<void> {
  await makeAcmeDir(dataDir);
  await writeFileAtomic(statePath(dataDir), `${JSON.stringify(state, null, 1)}\n`, 0o600);
}
