/**
 * `sealpost cutoff schedule --date DATE [--notify-days 30,7,1]`, `cutoff show [--json]`, `cutoff
 * cancel`: the announced end of TLS 1.0/1.1. "Now" is the server's clock (SEALPOST_CLOCK_FILE in
 * tests and rehearsals); the running server's scheduler sends the notices and ends the grants.
 */
import type { Command } from "commander";
import { cancelCutoff, campaignReport, parseNotifyDays, scheduleCutoff, type CampaignReport, type Cutoff } from "../campaign/index.ts";
import { processClock } from "../clock/index.ts";
import { loadConfig } from "../config/index.ts";
import { dataDir, parseWhen, printJson, printTable, withStore } from "./common.ts";

const DEFAULT_NOTIFY_DAYS = "30,7,1";

const iso = (ms: number): string => new Date(ms).toISOString();

/** The date as the server's time zone shows it, and as an instant. */
const LOCAL = new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "short" });
const when = (ms: number): string => `${LOCAL.format(ms)} local (${iso(ms)})`;

function cutoffJson(c: Cutoff): Record<string, unknown> {
  return { id: c.id, date: iso(c.date), state: c.state, notifyDays: c.notifyDays, createdAt: iso(c.createdAt), endedAt: c.endedAt === null ? null : iso(c.endedAt) };
}

function reportJson(r: CampaignReport): Record<string, unknown> {
  return {
    cutoff: r.cutoff === null ? null : cutoffJson(r.cutoff),
    dueNotifyDay: r.dueNotifyDay,
    affected: {
      count: r.affected.length,
      accounts: r.affected.map((a) => ({ address: a.address, language: a.language, devices: a.devices })),
    },
    notices: r.notices,
    grants: r.grants.map((g) => ({ address: g.address, host: g.host, protocols: g.protocols, until: iso(g.until), createdAt: iso(g.createdAt) })),
  };
}

function printReport(r: CampaignReport, now: number): void {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const c = r.cutoff;
  if (c === null) out("No cut-off is scheduled.");
  else {
    out(`Cut-off: ${when(c.date)}, ${c.state}${c.state === "scheduled" ? ` (in ${Math.max(0, Math.ceil((c.date - now) / 86_400_000))} days)` : ""}`);
    out(`Notify days: ${c.notifyDays.length === 0 ? "none" : c.notifyDays.join(", ")}${r.dueNotifyDay !== null ? ` (due now: ${r.dueNotifyDay})` : ""}`);
    out(`Notices sent: ${r.notices.length === 0 ? "none" : r.notices.map((n) => `${n.day} days before: ${n.sent}`).join("; ")}`);
  }
  out(`Accounts still affected (devices with TLS 1.0/1.1): ${r.affected.length}`);
  if (r.affected.length > 0) printTable(["ACCOUNT", "DEVICES", "LAST SEEN"], r.affected.map((a) => [a.address, String(a.devices.length), a.devices[0]?.lastSeen ?? ""]));
  out(`Legacy grants: ${r.grants.length}`);
  if (r.grants.length > 0) printTable(["ACCOUNT OR HOST", "PROTOCOLS", "UNTIL"], r.grants.map((g) => [g.address ?? g.host ?? "", g.protocols.join(","), iso(g.until)]));
}

export function registerCutoff(program: Command): void {
  const cutoff = program.command("cutoff").description("the announced end of TLS 1.0/1.1: its date, the notices to the accounts it affects, and the end of every legacy grant");
  cutoff
    .command("schedule")
    .description("schedule the cut-off (replacing a scheduled one); the server mails the affected accounts on each notify day and ends every legacy grant on the date")
    .requiredOption("--date <date>", "the date (2027-01-31: its start, in the server's time zone), a local time (2027-01-31T04:00) or an ISO 8601 instant")
    .option("--notify-days <days>", "days before the date on which notices go out", DEFAULT_NOTIFY_DAYS)
    .option("--json", "print the record as JSON")
    .action(async (flags: { data?: string; date: string; notifyDays: string; json?: boolean }) => {
      const date = parseWhen("--date", flags.date);
      const notifyDays = parseNotifyDays(flags.notifyDays);
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const c = await scheduleCutoff(store.db, { date, notifyDays, now });
        if (flags.json === true) printJson(cutoffJson(c));
        else process.stdout.write(`cut-off scheduled for ${when(c.date)}; notices ${c.notifyDays.length === 0 ? "none" : `${c.notifyDays.join(", ")} days before`}\n`);
      });
    });
  cutoff
    .command("show")
    .description("the cut-off, the accounts it still affects, the notices sent per notify day, and the legacy grants")
    .option("--json", "print it as JSON (with the affected accounts and their devices)")
    .action(async (flags: { data?: string; json?: boolean }) => {
      const config = loadConfig(dataDir(flags));
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const r = await campaignReport(store.db, { now, retentionDays: config.audit.retention_days });
        if (flags.json === true) printJson(reportJson(r));
        else printReport(r, now);
      });
    });
  cutoff
    .command("cancel")
    .description("cancel the scheduled cut-off (no more notices; grants keep their own dates)")
    .action(async (flags: { data?: string }) => {
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const c = await cancelCutoff(store.db, now);
        process.stdout.write(c === null ? "no cut-off was scheduled\n" : `cancelled the cut-off of ${when(c.date)}\n`);
      });
    });
}
