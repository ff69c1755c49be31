/**
 * When ACME acts: a certificate is due for renewal when fewer than `renew_before_days` are left
 * (RFC 8555 leaves the moment to the client; Let's Encrypt's certificates last 90 days and it
 * suggests renewing at 30 left), or half its lifetime when that is less — a certificate of a few
 * days is then renewed once, not at every check. The checks run every few hours with jitter
 * (so that many servers do not hit the CA at the same minute); a failed order waits longer after
 * each failure, never less than minutes, so that a broken DNS name cannot turn into a tight loop
 * against the CA's rate limits.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Between two regular checks: this, plus up to CHECK_JITTER_MS. */
const CHECK_EVERY_MS = 2 * HOUR_MS;
const CHECK_JITTER_MS = 30 * MINUTE_MS;
/** The first retry of a failed order; it doubles per failure up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 10 * MINUTE_MS;
const RETRY_MAX_MS = 12 * HOUR_MS;

/** What renewal needs to know of a certificate: its validity (ms since the epoch). */
export interface Validity {
  notBefore: number;
  notAfter: number;
}

/** Whether the certificate must be renewed at `now` (none yet: it must be ordered). */
export function renewalDue(cert: Validity | null, now: number, renewBeforeDays: number): boolean {
  if (cert === null) return true;
  const lifetime = cert.notAfter - cert.notBefore;
  const before = Math.min(renewBeforeDays * DAY_MS, lifetime / 2);
  return cert.notAfter - now < before;
}

/** The wait before the next regular check (`random` in [0, 1)). */
export function checkDelayMs(random: number = Math.random()): number {
  return CHECK_EVERY_MS + Math.floor(random * CHECK_JITTER_MS);
}

/** The wait after the `failures`-th failure in a row (1, 2, …): 10 min, 20 min, 40 min … 12 h, ±10 % jitter. */
export function retryDelayMs(failures: number, random: number = Math.random()): number {
  const base = Math.min(RETRY_FIRST_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)), RETRY_MAX_MS);
  return Math.floor(base * (0.9 + 0.2 * random));
}

/** The challenge types in the order an attempt tries them: after each failure the list starts one further on. */
export function preferenceAfter<T>(preference: readonly T[], failures: number): T[] {
  if (preference.length === 0) return [];
  const k = failures % preference.length;
  return [...preference.slice(k), ...preference.slice(0, k)];
}
