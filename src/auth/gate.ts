/**
 * Where a sign-in's slot comes from. In one process the gate is this process's limiter; with
 * worker processes (`[process] workers`) every worker asks the primary's one gate over IPC
 * (src/workers), so the limits hold across processes as they hold across connections: a client
 * that spreads its guesses over workers meets the same counters. The refused attempts of one
 * window are recorded where the counters are, so they share one row of the login history.
 *
 * With several nodes on one database, each node's gate tells the others how its password checks
 * ended (the store's bus, NOTIFY), and counts theirs as its own: a failure on any node counts on
 * every node a moment later, a sign-in makes the name known at that address everywhere. The slots
 * of checks in flight stay each node's own: in a burst spread over n nodes at the same instant, up
 * to n times a limit's checks can start before the failures are heard.
 */
import { throttleReason, type AuditLog, type LoginRow } from "../audit/index.ts";
import type { ClusterBus } from "../store/index.ts";
import type { LimiterSettings, LoginLimiter } from "./limiter.ts";

/** The bus topic of sign-in outcomes: `["fail" | "ok", user name, client address]` as JSON. */
const TOPIC = "sign-in";

/** A reserved password check; ends exactly once (limiter.ts's Slot). */
export interface SignInSlot {
  fail(): void;
  succeed(): void;
  release(): void;
}

export type GateAdmission = { kind: "admitted"; slot: SignInSlot } | { kind: "refused"; reason: string };

export interface SignInGate {
  /**
   * A slot for one password check, or a refusal that is already in the login history (`row` with
   * the refusal's reason and the window's count), or null: `signal` aborted while in line.
   */
  enter(user: string, ip: string, settings: LimiterSettings, row: LoginRow, signal?: AbortSignal): Promise<GateAdmission | null>;
}

/** The other nodes' outcomes, and this node's to them: the store's bus and the limits' settings now. */
interface SharedLimits {
  bus: ClusterBus;
  settings: () => LimiterSettings;
}

/** This process's limiter, recording its refusals in this process's audit log. */
export class LocalSignInGate implements SignInGate {
  readonly #limiter: LoginLimiter;
  readonly #audit: AuditLog;
  readonly #shared: SharedLimits | undefined;

  constructor(limiter: LoginLimiter, audit: AuditLog, shared?: SharedLimits) {
    this.#limiter = limiter;
    this.#audit = audit;
    this.#shared = shared;
    shared?.bus.subscribe(TOPIC, (item) => this.#heard(item, shared.settings()));
  }

  /** Another node's outcome, counted here. */
  #heard(item: string, settings: LimiterSettings): void {
    let told: unknown;
    try {
      told = JSON.parse(item);
    } catch {
      return;
    }
    if (!Array.isArray(told) || told.length !== 3 || !told.every((x) => typeof x === "string")) return;
    const [outcome, user, ip] = told as [string, string, string];
    if (outcome === "fail") this.#limiter.failedElsewhere(user, ip, settings, Date.now());
    else if (outcome === "ok") this.#limiter.succeededElsewhere(user, ip, settings, Date.now());
  }

  /** `slot`, telling the other nodes how its check ended (once). */
  #told(slot: SignInSlot, user: string, ip: string, bus: ClusterBus): SignInSlot {
    let open = true;
    const tell = (outcome: "fail" | "ok"): void => {
      // The name as far as the limiter keys it (limiter.ts): a NOTIFY holds at most 8000 bytes.
      if (open) bus.publish(TOPIC, JSON.stringify([outcome, user.trim().slice(0, 255), ip]));
      open = false;
    };
    return {
      fail: () => {
        slot.fail();
        tell("fail");
      },
      succeed: () => {
        slot.succeed();
        tell("ok");
      },
      release: () => {
        slot.release();
        open = false;
      },
    };
  }

  async enter(user: string, ip: string, settings: LimiterSettings, row: LoginRow, signal?: AbortSignal): Promise<GateAdmission | null> {
    const admission = await this.#limiter.enter(user, ip, settings, signal);
    if (admission === null) return null;
    if (admission.kind === "admitted") return this.#shared === undefined ? admission : { kind: "admitted", slot: this.#told(admission.slot, user, ip, this.#shared.bus) };
    const { limit, max, from, tally } = admission;
    const reason = throttleReason({ limit, max, from, windowSeconds: Math.round(settings.windowMs / 1000) });
    this.#audit.countedLogin(tally, { ...row, result: "refused", reason, time: tally.since });
    return { kind: "refused", reason };
  }
}
