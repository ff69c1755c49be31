/**
 * `sealpost maintenance add|list|delete`: announced maintenance windows (issue 12). The server
 * reads them within seconds (no restart): an open window with --pause-delivery holds the outbound
 * queue and lets it go at the end; every window shows on the public status page. "Now" is the
 * server's clock (SEALPOST_CLOCK_FILE in tests and rehearsals).
 */
import type { Command } from "commander";
import { processClock } from "../clock/index.ts";
import { MESSAGE_MAX, SERVICES, addWindow, deleteWindow, listWindows, parseServices, phaseOf, type MaintenanceWindow } from "../maintenance/index.ts";
import { parseWhen, printJson, printTable, UsageError, withStore } from "./common.ts";

interface Flags {
  data?: string;
  json?: boolean;
}

interface AddFlags extends Flags {
  from: string;
  to: string;
  services?: string;
  message?: string;
  pauseDelivery?: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A window as `list --json` prints it: ISO instants, and its phase by the server's clock. */
function record(w: MaintenanceWindow, now: number): Record<string, unknown> {
  return { id: w.id, from: iso(w.startsAt), to: iso(w.endsAt), services: w.services, message: w.message, pauseDelivery: w.pauseDelivery, phase: phaseOf(w, now) };
}

export function registerMaintenance(program: Command): void {
  const maintenance = program.command("maintenance").description("maintenance windows: shown on the status page; optionally pausing outbound delivery");

  maintenance
    .command("add")
    .description("announce a window (times in the server's local time unless they name a zone)")
    .requiredOption("--from <time>", "start: 2027-01-31T04:00, or an ISO 8601 instant")
    .requiredOption("--to <time>", "end (the window is open until this instant)")
    .option("--services <list>", `services interrupted: some of ${SERVICES.join(",")}`, SERVICES.join(","))
    .option("--message <text>", `one line for the status page (at most ${MESSAGE_MAX} characters)`)
    .option("--pause-delivery", "hold the outbound queue while the window is open (mail is still accepted and queued); it resumes by itself at the end")
    .option("--json", "print the record as JSON")
    .action(async (flags: AddFlags) => {
      const startsAt = parseWhen("--from", flags.from);
      const endsAt = parseWhen("--to", flags.to);
      const services = parseServices(flags.services ?? SERVICES.join(","));
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const w = await addWindow(store.db, { startsAt, endsAt, services, message: flags.message ?? null, pauseDelivery: flags.pauseDelivery === true, now });
        if (flags.json === true) return printJson(record(w, now));
        process.stdout.write(`added window ${w.id}: ${iso(w.startsAt)} to ${iso(w.endsAt)}, ${w.services.join(",")}${w.pauseDelivery ? ", delivery paused" : ""} (${phaseOf(w, now)})\n`);
      });
    });

  maintenance
    .command("list")
    .description("every window with its id, and whether it is upcoming, open or past")
    .option("--json", "print records as JSON")
    .action(async (flags: Flags) => {
      const now = processClock().now();
      await withStore(flags, async (store) => {
        const windows = await listWindows(store.db);
        if (flags.json === true) return printJson(windows.map((w) => record(w, now)));
        printTable(
          ["ID", "FROM", "TO", "STATE", "SERVICES", "DELIVERY", "MESSAGE"],
          windows.map((w) => [String(w.id), iso(w.startsAt), iso(w.endsAt), phaseOf(w, now), w.services.join(","), w.pauseDelivery ? "paused" : "-", w.message ?? ""]),
        );
      });
    });

  maintenance
    .command("delete <id>")
    .description("remove a window (an open one stops holding delivery within seconds)")
    .action(async (id: string, flags: Flags) => {
      const n = /^\d{1,15}$/.test(id) ? Number(id) : Number.NaN;
      if (!Number.isSafeInteger(n)) throw new UsageError(`maintenance delete: expected a window id (a number), got ${JSON.stringify(id.slice(0, 40))}`);
      await withStore(flags, async (store) => {
        if (!(await deleteWindow(store.db, n))) throw new UsageError(`maintenance delete: no window ${n}`);
        process.stdout.write(`deleted window ${n}\n`);
      });
    });
}
