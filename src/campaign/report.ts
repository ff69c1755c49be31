/**
 * The campaign at a glance, for `sealpost cutoff show` and the administration page: the cut-off,
 * the accounts it still affects (with their devices), the notices sent per notify day, and the
 * legacy grants with their end dates.
 */
import type { Kysely } from "kysely";
import { listLegacyGrants, type LegacyGrant } from "../directory/index.ts";
import type { Database } from "../store/index.ts";
import { affectedAccounts, type AffectedAccount, type AffectedOptions } from "./affected.ts";
import { currentCutoff, dueNotifyDay, type Cutoff } from "./cutoff.ts";

export interface CampaignReport {
  cutoff: Cutoff | null;
  /** The notify day whose notices are going out now, or null. */
  dueNotifyDay: number | null;
  affected: readonly AffectedAccount[];
  /** For each notify day of the cut-off (largest first), how many notices went out. */
  notices: Array<{ day: number; sent: number }>;
  grants: LegacyGrant[];
}

/**
 * The report. Who is affected is read through the whole login history's window (seconds on a large
 * installation, on the event loop): `cutoff show` reads it (also before a cut-off is scheduled, to
 * see whom one would affect); the web page passes `known`, the scheduler's last reading, and reads
 * it itself only while a cut-off is announced and the scheduler has not read it yet.
 */
export async function campaignReport(db: Kysely<Database>, opts: AffectedOptions & { known?: readonly AffectedAccount[] | null }): Promise<CampaignReport> {
  const cutoff = await currentCutoff(db);
  const affectedNow = (): Promise<AffectedAccount[]> => affectedAccounts(db, opts);
  const [affected, grants, sent] = await Promise.all([
    opts.known === undefined ? affectedNow() : cutoff === null ? [] : (opts.known ?? affectedNow()),
    listLegacyGrants(db),
    cutoff === null
      ? Promise.resolve([])
      : db.selectFrom("cutoff_notices").select(["notify_day", (eb) => eb.fn.countAll<number>().as("n")]).where("cutoff_id", "=", cutoff.id).groupBy("notify_day").execute(),
  ]);
  const count = new Map(sent.map((r) => [r.notify_day, Number(r.n)]));
  const days = cutoff === null ? [] : [...new Set([...cutoff.notifyDays, ...count.keys()])].sort((a, b) => b - a);
  return {
    cutoff,
    dueNotifyDay: cutoff === null ? null : dueNotifyDay(cutoff, opts.now),
    affected,
    notices: days.map((day) => ({ day, sent: count.get(day) ?? 0 })),
    grants,
  };
}
