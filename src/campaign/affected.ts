/**
 * Who the cut-off affects: the accounts with a mailbox whose devices used TLS 1.0/1.1 within the
 * audit's retention window, as their login history shows them (sign-ins with TLS 1.0/1.1,
 * legacy-endpoint sessions among them, and refused TLS 1.0/1.1 handshakes attributed to the
 * account). A device the history marks only for having no TLS, or only for weak suites with
 * TLS 1.2, is not the cut-off's business. Console-only and disabled accounts get no notice.
 */
import type { Kysely } from "kysely";
import { LEGACY_VERSIONS, mailboxLegacyDevices, type LegacyDevice } from "../audit/index.ts";
import type { Database } from "../store/index.ts";

const DAY_MS = 86_400_000;
/** SQLite's limit on host parameters is 32,766; stay far below. */
const CHUNK = 500;

export interface AffectedAccount {
  id: number;
  address: string;
  /** The account's own language, or null (the config's `[notices] language`). */
  language: string | null;
  /** Its devices below TLS 1.2, most recently seen first. */
  devices: LegacyDevice[];
}

export interface AffectedOptions {
  /** The server's clock. */
  now: number;
  /** `[audit] retention_days`: how far back the history goes. */
  retentionDays: number;
}

/** Whether the cut-off stops this device: it used (or offered at most) a version below TLS 1.2. */
export const cutoffAffects = (d: Pick<LegacyDevice, "tlsVersion">): boolean => d.tlsVersion !== null && LEGACY_VERSIONS.includes(d.tlsVersion);

/** The affected accounts, by address. */
export async function affectedAccounts(db: Kysely<Database>, opts: AffectedOptions): Promise<AffectedAccount[]> {
  const byAccount = await mailboxLegacyDevices(db, opts.now - opts.retentionDays * DAY_MS);
  const devices = new Map([...byAccount].map(([id, ds]) => [id, ds.filter(cutoffAffects)] as const).filter(([, ds]) => ds.length > 0));
  const ids = [...devices.keys()];
  const out: AffectedAccount[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom("accounts")
      .select(["id", "address", "language"])
      .where("id", "in", ids.slice(i, i + CHUNK))
      .where("disabled", "=", 0)
      .where("domain_id", "is not", null)
      .execute();
    for (const r of rows) out.push({ id: r.id, address: r.address, language: r.language, devices: devices.get(r.id) ?? [] });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** How many accounts the cut-off still affects (`cutoff show`, the status page). */
export async function affectedAccountCount(db: Kysely<Database>, opts: AffectedOptions): Promise<number> {
  return (await affectedAccounts(db, opts)).length;
}
