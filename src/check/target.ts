/**
 * What a check is pointed at, as the CLI and the web console both take it: TARGET is host[:port]
 * ([v6]:port for IPv6 literals, or a bare IPv6 literal), the port picks the protocol unless a
 * STARTTLS protocol is given (25/587 SMTP, 143 IMAP, 110 POP3; 465/993/995/443 and any other port
 * implicit TLS), and `--mx` takes a domain name. One rule, so `sealpost check` and `/check` agree.
 */
import { isIP } from "node:net";
import type { Access, CheckReport, StartTlsProtocol, Target } from "./types.ts";

/** A TARGET or domain that cannot be checked as written (the CLI's exit status 2, the web's notice). */
export class TargetError extends Error {
  override name = "TargetError";
}

/** The protocol a port implies when no STARTTLS protocol is given. */
const PORT_ACCESS: ReadonlyMap<number, Access> = new Map<number, Access>([
  [25, "smtp"],
  [587, "smtp"],
  [143, "imap"],
  [110, "pop3"],
  [465, "tls"],
  [993, "tls"],
  [995, "tls"],
  [443, "tls"],
]);

export function accessFor(port: number, starttls: StartTlsProtocol | undefined): Access {
  return starttls ?? PORT_ACCESS.get(port) ?? "tls";
}

// RFC 1123 §2.1 labels (underscores allowed, as in service names), 253 characters at most.
const HOSTNAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** A domain name for `--mx` (not an address literal). */
export function isDomainName(text: string): boolean {
  return HOSTNAME.test(text) && isIP(text) === 0;
}

/** host[:port], [v6][:port] or a bare IPv6 literal; port null when absent. Throws TargetError. */
export function parseTarget(text: string): { host: string; port: number | null } {
  let host = text;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracket !== null) {
    host = bracket[1] ?? "";
    portText = bracket[2];
    if (isIP(host) !== 6) throw new TargetError(`TARGET: "${text}" is not an IPv6 address in brackets`);
  } else if (isIP(text) !== 6) {
    const colon = text.lastIndexOf(":");
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
    if (isIP(host) === 0 && !HOSTNAME.test(host)) throw new TargetError(`TARGET: "${host}" is not a host name or IP address`);
  }
  if (portText === undefined) return { host: host.replace(/\.$/, ""), port: null };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new TargetError(`TARGET: port "${portText}" is not a number from 1 to 65535`);
  }
  return { host: host.replace(/\.$/, ""), port: Number(portText) };
}

/** The report of a check that could not start (the host did not resolve, or may not be probed). */
export function unreachableReport(target: Target, error: string, started: number): CheckReport {
  const text = `Could not check ${target.host}: ${error}`;
  return {
    schema: "sealpost-check/1",
    target,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    error,
    starttls: null,
    protocols: [],
    ciphers: [],
    certificate: null,
    findings: [],
    verdicts: { strictSenders: { ok: false, text }, legacyClients: { ok: false, text } },
    probes: 0,
    gaps: [],
    otherCertificates: [],
    features: null,
  };
}
