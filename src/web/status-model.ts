/**
 * The public status (issue 12; `000_…`: "Den aktuellen Status finden Sie hier"): each service up,
 * degraded or down as the server's own listeners and queue say, the maintenance windows, the
 * announced cut-off of TLS 1.0/1.1 and how many accounts it still affects. Nothing internal: no
 * address, no account or host name, no count of mail — the page is public and unauthenticated.
 *
 * Computing it costs a few queries; it is kept a few seconds (and made again at once when the
 * maintenance windows change, e.g. on a clock jump), one computation at a time, so a flood of
 * requests costs no more than one visitor.
 */
import { currentCutoff } from "../campaign/index.ts";
import { phaseOf, type MaintenanceWindow, type Service } from "../maintenance/index.ts";
import { isPaused, oldestDeferredAt } from "../queue/index.ts";
import type { WebDeps } from "./deps.ts";

type ServiceId = Service | "delivery";
type ServiceState = "up" | "degraded" | "down" | "off";

/** The order of the page and of the JSON. */
export const SERVICE_IDS: readonly ServiceId[] = ["mx", "submission", "imap", "pop3", "web", "delivery"];

/** The listeners that make up each service (the legacy endpoint is not part of the public promise). */
const LISTENERS: Record<Service, readonly string[]> = {
  mx: ["mx"],
  submission: ["submission", "submissions"],
  imap: ["imap", "imaps"],
  pop3: ["pop3", "pop3s"],
  web: ["web"],
};

export interface ServiceStatus {
  id: ServiceId;
  state: ServiceState;
  /** An open maintenance window names this service (for delivery: one pauses it). */
  maintenance: boolean;
}

export interface WindowStatus {
  from: number;
  to: number;
  services: Service[];
  message: string | null;
  pausesDelivery: boolean;
}

export interface PublicStatus {
  generatedAt: number;
  overall: "up" | "degraded" | "down";
  services: ServiceStatus[];
  delivery: {
    /** Who holds outbound delivery now: an open maintenance window, the operator, both, or no one. */
    pausedBy: Array<"maintenance" | "operator">;
    /** How long the oldest message that a destination deferred has been waiting (seconds), or null. */
    oldestDeferredSeconds: number | null;
  };
  maintenance: { current: WindowStatus[]; upcoming: WindowStatus[]; past: WindowStatus[] };
  cutoff: { date: number; state: "scheduled" | "done"; affectedAccounts: number | null } | null;
}

/** What the status is made from (gathered by `StatusCache`, given directly by the unit tests). */
export interface StatusInput {
  now: number;
  listeners: ReadonlyArray<{ name: string; listening: boolean }>;
  windows: readonly MaintenanceWindow[];
  operatorPaused: boolean;
  oldestDeferredSeconds: number | null;
  cutoff: { date: number; state: "scheduled" | "done" | "cancelled" } | null;
  affectedAccounts: number | null;
}

/** How far back the page lists ended windows. */
const PAST_MS = 7 * 86_400_000;

function listenerState(names: readonly string[], listeners: StatusInput["listeners"]): ServiceState {
  const mine = listeners.filter((l) => names.includes(l.name));
  if (mine.length === 0) return "off";
  const up = mine.filter((l) => l.listening).length;
  return up === mine.length ? "up" : up === 0 ? "down" : "degraded";
}

const windowStatus = (w: MaintenanceWindow): WindowStatus => ({ from: w.startsAt, to: w.endsAt, services: w.services, message: w.message, pausesDelivery: w.pauseDelivery });

export function buildStatus(input: StatusInput): PublicStatus {
  const { now } = input;
  const open = input.windows.filter((w) => phaseOf(w, now) === "open");
  const services: ServiceStatus[] = (Object.keys(LISTENERS) as Service[]).map((id) => {
    const inWindow = open.some((w) => w.services.includes(id));
    const state = listenerState(LISTENERS[id], input.listeners);
    // A window makes a running service "degraded" (announced, expect interruptions); down stays down.
    return { id, state: state === "up" && inWindow ? "degraded" : state, maintenance: inWindow };
  });
  const pausedBy: PublicStatus["delivery"]["pausedBy"] = [];
  if (open.some((w) => w.pauseDelivery)) pausedBy.push("maintenance");
  if (input.operatorPaused) pausedBy.push("operator");
  services.push({ id: "delivery", state: pausedBy.length > 0 ? "degraded" : "up", maintenance: pausedBy.includes("maintenance") });
  const states = services.map((s) => s.state);
  const cutoff = input.cutoff === null || input.cutoff.state === "cancelled" ? null : { date: input.cutoff.date, state: input.cutoff.state, affectedAccounts: input.affectedAccounts };
  return {
    generatedAt: now,
    overall: states.includes("down") ? "down" : states.includes("degraded") ? "degraded" : "up",
    services,
    delivery: { pausedBy, oldestDeferredSeconds: input.oldestDeferredSeconds },
    maintenance: {
      current: open.map(windowStatus),
      upcoming: input.windows.filter((w) => phaseOf(w, now) === "upcoming").map(windowStatus),
      past: input.windows.filter((w) => phaseOf(w, now) === "past" && w.endsAt > now - PAST_MS).map(windowStatus).reverse(),
    },
    cutoff,
  };
}

/** The status as `/status.json` serves it: instants as ISO 8601 strings (UTC). */
export function statusJson(s: PublicStatus): unknown {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const win = (w: WindowStatus) => ({ from: iso(w.from), to: iso(w.to), services: w.services, message: w.message, pausesDelivery: w.pausesDelivery });
  return {
    schema: "sealpost-status/1",
    generatedAt: iso(s.generatedAt),
    overall: s.overall,
    services: s.services,
    delivery: s.delivery,
    maintenance: { current: s.maintenance.current.map(win), upcoming: s.maintenance.upcoming.map(win), past: s.maintenance.past.map(win) },
    cutoff: s.cutoff === null ? null : { date: iso(s.cutoff.date), state: s.cutoff.state, affectedAccounts: s.cutoff.affectedAccounts },
  };
}

/** How long a computed status is served (ms of the system's time). */
const TTL_MS = 5_000;

/** One computed status at a time, kept TTL_MS or until the maintenance windows change. */
export class StatusCache {
  readonly #deps: WebDeps;
  #kept: { at: number; version: number; status: PublicStatus } | null = null;
  #making: Promise<PublicStatus> | null = null;

  constructor(deps: WebDeps) {
    this.#deps = deps;
  }

  get(): Promise<PublicStatus> {
    const version = this.#deps.maintenance().version;
    const kept = this.#kept;
    if (kept !== null && kept.version === version && Date.now() - kept.at < TTL_MS) return Promise.resolve(kept.status);
    this.#making ??= this.#make(version).finally(() => {
      this.#making = null;
    });
    return this.#making;
  }

  async #make(version: number): Promise<PublicStatus> {
    const deps = this.#deps;
    const [operatorPaused, oldest, cutoff] = await Promise.all([isPaused(deps.db), oldestDeferredAt(deps.db), currentCutoff(deps.db)]);
    // The campaign's own count (it reads the login history on its cadence, never for a visitor).
    const affected = cutoff === null ? null : (deps.campaignAffected()?.length ?? null);
    const status = buildStatus({
      now: deps.clock.now(),
      listeners: deps.listeners(),
      windows: deps.maintenance().windows,
      operatorPaused,
      // The queue's times are the system's (they measure waiting, not the calendar).
      oldestDeferredSeconds: oldest === null ? null : Math.max(0, Math.floor((Date.now() - oldest) / 1000)),
      cutoff,
      affectedAccounts: affected,
    });
    this.#kept = { at: Date.now(), version, status };
    return status;
  }
}
