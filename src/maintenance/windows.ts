/**
 * Maintenance windows (issue 12; the hoster's early-morning windows in `000_…`): a span of time,
 * the services it touches (imap, pop3, submission, mx, web), a one-line message for the public
 * status page, and whether the outbound queue is paused while it is open (mail is still accepted
 * and queued, and goes out when the window ends). A window is open from its start (inclusive) to
 * its end (exclusive), by the server's clock.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../store/index.ts";

export const SERVICES = ["imap", "pop3", "submission", "mx", "web"] as const;
export type Service = (typeof SERVICES)[number];

/** The longest message (characters): one line on the status page. */
export const MESSAGE_MAX = 200;
/** The longest window: an announced interruption, not a second way to switch a service off. */
const LONGEST_MS = 7 * 86_400_000;

export interface MaintenanceWindow {
  id: number;
  startsAt: number;
  endsAt: number;
  services: Service[];
  message: string | null;
  pauseDelivery: boolean;
  createdAt: number;
}

type Phase = "upcoming" | "open" | "past";

export class MaintenanceError extends Error {
  override name = "MaintenanceError";
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** "imap,pop3" → ["imap", "pop3"] (in the canonical order, each once); throws a one-line error. */
export function parseServices(text: string): Service[] {
  const names = text.split(",").map((s) => s.trim().toLowerCase());
  const bad = names.find((n) => !(SERVICES as readonly string[]).includes(n));
  if (bad !== undefined) throw new MaintenanceError(`--services: unknown service "${bad.slice(0, 40)}"; expected some of ${SERVICES.join(", ")}`);
  return SERVICES.filter((s) => names.includes(s));
}

/** The message as stored: trimmed, one line of printable text, at most MESSAGE_MAX characters; null when empty. */
export function checkMessage(text: string): string | null {
  const m = text.trim();
  if (m === "") return null;
  // Control characters (a line break included) would break the one line it is shown as.
  if (/\p{Cc}/u.test(m)) throw new MaintenanceError("--message: one line of text, without line breaks or control characters");
  if ([...m].length > MESSAGE_MAX) throw new MaintenanceError(`--message: at most ${MESSAGE_MAX} characters (got ${[...m].length})`);
  return m;
}

function fromRow(r: Selectable<Database["maintenance_windows"]>): MaintenanceWindow {
  return {
    id: r.id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    services: r.services === "" ? [] : SERVICES.filter((s) => r.services.split(",").includes(s)),
    message: r.message,
    pauseDelivery: r.pause_delivery === 1,
    createdAt: r.created_at,
  };
}

/** Adds a window; its end must follow its start, lie in the future, and come within LONGEST_MS of it. */
export async function addWindow(
  db: Kysely<Database>,
  w: { startsAt: number; endsAt: number; services: Service[]; message: string | null; pauseDelivery: boolean; now: number },
): Promise<MaintenanceWindow> {
  if (!(w.endsAt > w.startsAt)) throw new MaintenanceError(`--to (${iso(w.endsAt)}) must be after --from (${iso(w.startsAt)})`);
  if (!(w.endsAt > w.now)) throw new MaintenanceError(`--to: ${iso(w.endsAt)} is already past`);
  if (w.endsAt - w.startsAt > LONGEST_MS) throw new MaintenanceError("--to: a window lasts at most 7 days");
  if (w.services.length === 0) throw new MaintenanceError(`--services: name at least one of ${SERVICES.join(", ")}`);
  const message = w.message === null ? null : checkMessage(w.message);
  const row = await db
    .insertInto("maintenance_windows")
    .values({ starts_at: w.startsAt, ends_at: w.endsAt, services: w.services.join(","), message, pause_delivery: w.pauseDelivery ? 1 : 0, created_at: w.now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return fromRow(row);
}

/** Windows by start time; with `endsAfter`, only those ending after it (the open, the upcoming and the recent past). */
export async function listWindows(db: Kysely<Database>, opts: { endsAfter?: number; limit?: number } = {}): Promise<MaintenanceWindow[]> {
  const rows = await db
    .selectFrom("maintenance_windows")
    .selectAll()
    .$if(opts.endsAfter !== undefined, (q) => q.where("ends_at", ">", opts.endsAfter ?? 0))
    .orderBy("starts_at")
    .orderBy("id")
    .$if(opts.limit !== undefined, (q) => q.limit(opts.limit ?? 0))
    .execute();
  return rows.map(fromRow);
}

/** Deletes window `id`; false if there was none. */
export async function deleteWindow(db: Kysely<Database>, id: number): Promise<boolean> {
  const r = await db.deleteFrom("maintenance_windows").where("id", "=", id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

export function phaseOf(w: Pick<MaintenanceWindow, "startsAt" | "endsAt">, now: number): Phase {
  return now < w.startsAt ? "upcoming" : now < w.endsAt ? "open" : "past";
}
