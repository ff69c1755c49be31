/**
 * Publishing a policy for a domain of our own (RFC 8461 §3): the policy file served at
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt, its max_age per mode, and the id of the
 * _mta-sts TXT record, which must change whenever the policy does (§3.1).
 */
import type { MtaStsPolicy } from "./types.ts";

export type MtaStsMode = MtaStsPolicy["mode"];

/**
 * §3.2 max_age by mode. `enforce`: a week, the RFC's own example (§3.2) — long enough that an
 * attacker who blocks the TXT record or the policy host at refresh time does not strip the policy
 * (§10.2; senders keep the cached one until it runs out), short enough that a policy that named a
 * wrong MX stops refusing mail within a week of its correction reaching a sender that could not
 * refetch. `testing`: a day — nothing is refused on its account, and a day's cache is all a sender
 * needs between its daily TLS reports. `none`: a day — it only withdraws an earlier policy (§8.3).
 */
const MAX_AGE: Record<MtaStsMode, number> = { enforce: 604_800, testing: 86_400, none: 86_400 };

export function policyMaxAge(mode: MtaStsMode): number {
  return MAX_AGE[mode];
}

/**
 * The policy file (§3.2): version, mode, one `mx:` per MX host name, max_age; CRLF lines (§3.2's
 * sts-policy-term is LF or CRLF; CRLF is what the RFC's own example and most senders' parsers expect).
 */
export function policyText(mode: MtaStsMode, mx: readonly string[]): string {
  const lines = ["version: STSv1", `mode: ${mode}`, ...mx.map((host) => `mx: ${host.toLowerCase().replace(/\.$/, "")}`), `max_age: ${policyMaxAge(mode)}`];
  return `${lines.join("\r\n")}\r\n`;
}

/** §3.1: the TXT record at _mta-sts.DOMAIN that announces the policy's id. */
export function policyTxt(id: string): string {
  return `v=STSv1; id=${id}`;
}

/** `20261207T110000Z`: UTC to the second, 16 alphanumerics (§3.1: 1*32(ALPHA / DIGIT)). */
const ID_FORM = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function idAt(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}

/**
 * The id for a policy changed at `now`: its time, as in §3.1's example ("id=20160831085700Z").
 * §3.1: the id changes whenever the policy does, so a change within the second of the previous one
 * (or with the clock set back) takes the second after the previous id instead: ids only grow.
 */
export function nextPolicyId(now: number, previous: string | null): string {
  const id = idAt(now);
  const m = previous === null ? null : ID_FORM.exec(previous);
  if (m === null || id > (previous ?? "")) return id;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return idAt(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s) + 1000);
}
