/**
 * Throttled sign-ins in the login history. One row stands for every attempt of one user name
 * from one address that the sign-in limits refused in one window (its `attempts` column says how
 * many), so an attack shows in the history without flooding it. Its reason names the limit in a
 * fixed form that is written here and read back here.
 */

/** The limit that refused the attempts: per user name from one address, per address, per network. */
export interface Throttle {
  limit: "user" | "address" | "network";
  /** The number of failed sign-ins that reached the limit. */
  max: number;
  /** The address (limits "user" and "address") or network ("network") it was reached for. */
  from: string;
  windowSeconds: number;
}

const PREFIX = "rate limited: ";
const FORM = /^rate limited: (\d+) failed logins( as this user)? from (\S+) within (\d+) s$/;

/** The stored reason: "rate limited: 10 failed logins from 203.0.113.7 within 300 s". */
export function throttleReason(t: Throttle): string {
  return `${PREFIX}${t.max} failed logins${t.limit === "user" ? " as this user" : ""} from ${t.from} within ${t.windowSeconds} s`;
}

/** The limit a stored reason names, or null for any other reason. */
export function parseThrottleReason(reason: string | null): Throttle | null {
  const m = reason === null ? null : FORM.exec(reason);
  if (m === null) return null;
  const [, max = "0", asUser, from = "", window = "0"] = m;
  const limit = asUser !== undefined ? "user" : from.includes("/") ? "network" : "address";
  return { limit, max: Number(max), from, windowSeconds: Number(window) };
}

/** "37 sign-ins from 203.0.113.7 refused after 10 failed sign-ins from that address within 5 minutes". */
export function describeThrottle(t: Throttle, attempts: number, clientIp: string): string {
  const refused = `${attempts} sign-in${attempts === 1 ? "" : "s"} from ${clientIp} refused without a password check`;
  const within = `within ${duration(t.windowSeconds)}`;
  switch (t.limit) {
    case "user":
      return `${refused}, after ${t.max} wrong passwords for this account from ${t.from} ${within}`;
    case "address":
      return `${refused}, after ${t.max} failed sign-ins from ${t.from} ${within}`;
    case "network":
      return `${refused}, after ${t.max} failed sign-ins from its network ${t.from} ${within}`;
  }
}

function duration(seconds: number): string {
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, "hour");
  if (seconds % 60 === 0) return unit(seconds / 60, "minute");
  return unit(seconds, "second");
}
