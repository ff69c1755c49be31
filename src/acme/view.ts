/**
 * How each certificate ACME keeps stands, as the administration page and `sealpost status` show
 * it: its names, expiry, what ACME is doing about it, and the last error. One reading for both,
 * from the state and the certificate file.
 */
import { CERTIFICATE_WARN_DAYS, certificateDaysLeft } from "../tls/index.ts";
import { issuedCertificate, type IssuedCertificate } from "./files.ts";
import { renewalDue } from "./schedule.ts";
import { readState, type OrderState } from "./state.ts";

/**
 * valid: issued, not due; due: waiting for its attempt (none yet, or renewal time has come);
 * issuing: an attempt runs now; failing: the last attempt failed, the next waits (backoff);
 * unpublished: a domain whose names have no address in DNS, so nothing is ordered.
 */
type OrderPhase = "valid" | "due" | "issuing" | "failing" | "unpublished";

export interface AcmeOrderView {
  id: string;
  names: string[];
  notAfter: Date | null;
  daysLeft: number | null;
  phase: OrderPhase;
  /** The challenge type that validated the certificate. */
  challenge: string | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
  /** An operator must look: fewer than CERTIFICATE_WARN_DAYS left (renewal starts at 30, so it is failing), or none yet and failing. */
  warning: boolean;
}

export function orderView(id: string, s: OrderState, cert: IssuedCertificate | null, o: { now: number; busy: boolean; renewBeforeDays: number }): AcmeOrderView {
  const daysLeft = cert === null ? null : certificateDaysLeft(new Date(cert.notAfter), new Date(o.now));
  const phase: OrderPhase = o.busy
    ? "issuing"
    : s.unpublished && cert === null
      ? "unpublished"
      : s.failures > 0
        ? "failing"
        : cert !== null && !renewalDue(cert, o.now, o.renewBeforeDays)
          ? "valid"
          : "due";
  return {
    id,
    names: cert?.names ?? s.names,
    notAfter: cert === null ? null : new Date(cert.notAfter),
    daysLeft,
    phase,
    challenge: s.challenge,
    lastError: s.lastError,
    lastAttemptAt: s.lastAttemptAt,
    nextAttemptAt: s.failures > 0 ? s.nextAttemptAt : null,
    warning: daysLeft !== null ? daysLeft < CERTIFICATE_WARN_DAYS : s.failures > 0 && !s.unpublished,
  };
}

/** The orders as the server last wrote them down, each with its certificate file (for `sealpost status`). */
export async function readOrderViews(dataDir: string, now: number, renewBeforeDays: number): Promise<AcmeOrderView[]> {
  const state = await readState(dataDir);
  const views: AcmeOrderView[] = [];
  for (const [id, s] of Object.entries(state)) views.push(orderView(id, s, await issuedCertificate(dataDir, id), { now, busy: false, renewBeforeDays }));
  return views;
}
