/**
 * Where a sign-in's slot comes from. In one process the gate is this process's limiter; with
 * worker processes (`[process] workers`) every worker asks the primary's one gate over IPC
 * (src/workers), so the limits hold across processes as they hold across connections: a client
 * that spreads its guesses over workers meets the same counters. The refused attempts of one
 * window are recorded where the counters are, so they share one row of the login history.
 */
import { throttleReason, type AuditLog, type LoginRow } from "../audit/index.ts";
import type { LimiterSettings, LoginLimiter } from "./limiter.ts";

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

/** This process's limiter, recording its refusals in this process's audit log. */
export class LocalSignInGate implements SignInGate {
  readonly #limiter: LoginLimiter;
  readonly #audit: AuditLog;

  constructor(limiter: LoginLimiter, audit: AuditLog) {
    this.#limiter = limiter;
    this.#audit = audit;
  }

  async enter(user: string, ip: string, settings: LimiterSettings, row: LoginRow, signal?: AbortSignal): Promise<GateAdmission | null> {
    const admission = await this.#limiter.enter(user, ip, settings, signal);
    if (admission === null || admission.kind === "admitted") return admission;
    const { limit, max, from, tally } = admission;
    const reason = throttleReason({ limit, max, from, windowSeconds: Math.round(settings.windowMs / 1000) });
    this.#audit.countedLogin(tally, { ...row, result: "refused", reason, time: tally.since });
    return { kind: "refused", reason };
  }
}
