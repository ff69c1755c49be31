/**
 * `sealpost tls-report [--days N] [--json]`: what TLS the world speaks with this server, the TLS
 * reports (RFC 8460) other servers sent our domains, and the ones we sent; `sealpost tls-report
 * send --day YYYY-MM-DD [--domain D] [--again]` sends a finished day's reports now.
 */
import type { Command } from "commander";
import { receivedTlsReports, tlsReport, type ReceivedTlsReport, type TlsReport } from "../audit/index.ts";
import { processClock } from "../clock/index.ts";
import { loadConfig } from "../config/index.ts";
import { dayName, outboundReport, sendTlsReportsNow, sentReports, type OutboundDomainReport, type SentReport } from "../outbound/index.ts";
import { dataDir, parseIntFlag, printJson, printTable, UsageError, withStore } from "./common.ts";

const DAY_MS = 86_400_000;

/** "mailto:a@b queued (ID)", "https://… posted (HTTP 200)". */
const destinationWords = (r: SentReport): string =>
  r.destinations.map((d) => `${d.kind === "mailto" ? `mailto:${d.target}` : d.target} ${d.outcome}${d.detail !== null ? ` (${d.detail})` : ""}`).join("; ");

const STATE_WORDS: Record<string, string> = {
  sent: "sent",
  sending: "sending (an upload is tried again)",
  "dns-retry": "record lookup failed; trying again",
  "dns-failed": "record lookup failed; given up",
};

function printTlsRpt(received: readonly ReceivedTlsReport[], sent: readonly SentReport[]): void {
  const out = (s: string): boolean => process.stdout.write(s);
  out("\nTLS reports other servers sent our domains (RFC 8460, to tls-reports@DOMAIN):\n");
  if (received.length === 0) out("  none\n");
  for (const r of received) {
    out(`  ${r.start.slice(0, 10)} ${r.policyDomain}, from ${r.organization} (report ${r.reportId}):\n`);
    for (const line of r.lines) out(`    ${line}\n`);
  }
  out("\nTLS reports we sent (RFC 8460, to the domains that publish a TLS-RPT record):\n");
  const shown = sent.filter((r) => STATE_WORDS[r.state] !== undefined);
  if (shown.length === 0) out("  none\n");
  else
    printTable(
      ["DAY", "DOMAIN", "SESSIONS", "STATE", "DESTINATIONS"],
      shown.map((r) => [r.day, r.domain, `${r.successful} ok, ${r.failed} failed`, STATE_WORDS[r.state] ?? r.state, r.destinations.length > 0 ? destinationWords(r) : (r.detail ?? "")]),
    );
  const quiet = sent.length - shown.length;
  if (quiet > 0) out(`  (${quiet} more day and domain pair(s) had nothing to send: no TLS-RPT record, or no TLS session)\n`);
}

/** `--day`: a UTC day that has ended by the server's clock. */
function parseDay(value: string | undefined, now: number): number {
  if (value === undefined) throw new UsageError("tls-report send: --day YYYY-MM-DD is required");
  const start = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(start) || dayName(start) !== value) throw new UsageError(`--day: expected a date like 2026-12-06, got ${JSON.stringify(value)}`);
  if (start + DAY_MS > now) throw new UsageError(`--day: ${value} has not ended yet (UTC); a report covers a whole day`);
  return start;
}

async function sendNow(flags: { data?: string; day?: string; domain?: string; again?: boolean; json?: boolean }): Promise<void> {
  const dir = dataDir(flags);
  const config = loadConfig(dir);
  const now = processClock().now();
  const day = parseDay(flags.day, now);
  await withStore(flags, async (store) => {
    const { handled, rows } = await sendTlsReportsNow(store, dir, config, { day, now, again: flags.again === true, ...(flags.domain !== undefined ? { domains: [flags.domain.toLowerCase()] } : {}) });
    if (flags.json === true) return printJson(rows.map((r) => ({ ...r, now: handled.includes(r.domain) })));
    if (rows.length === 0) process.stdout.write(`no delivery attempts on ${dayName(day)}${flags.domain !== undefined ? ` to ${flags.domain}` : ""}: nothing to report\n`);
    for (const r of rows) {
      const what = r.destinations.length > 0 ? destinationWords(r) : r.state === "no-record" ? "no TLS-RPT record" : r.state === "no-sessions" ? "no TLS session to report" : (r.detail ?? r.state);
      const before = handled.includes(r.domain) ? "" : `handled before (${r.updatedAt}; --again sends it again): `;
      process.stdout.write(`${r.day} ${r.domain}: ${before}${what}\n`);
    }
  });
}

function printHuman(r: TlsReport, outbound: OutboundDomainReport[]): void {
  const out = (s: string): boolean => process.stdout.write(s);
  out(`TLS report for the last ${r.days} days (since ${r.since})\n\nSessions by protocol and TLS version:\n`);
  if (r.sessions.length === 0) out("  none\n");
  else printTable(["PROTOCOL", "TLS", "SESSIONS"], r.sessions.map((s) => [s.protocol, s.tls, s.unit === "sessions" ? String(s.count) : `${s.count} ${s.count === 1 ? "sign-in attempt" : "sign-in attempts"}`]));
  out("\nRefused or failed TLS handshakes:\n");
  if (r.refusedHandshakes.length === 0) out("  none\n");
  else
    printTable(
      ["OFFERED MAX", "CLIENT", "PROTOCOL", "COUNT", "LAST SEEN", "REASON"],
      r.refusedHandshakes.map((h) => [h.offeredMax, h.clientIp, h.protocol, String(h.count), h.lastSeen, h.reason ?? ""]),
    );
  out("\nSenders that delivered in plaintext (turned away if the domain required TLS):\n");
  for (const d of r.plaintextSenders) {
    out(`  ${d.domain} (mandatory TLS ${d.mandatoryTls ? "on" : "off"}): ${d.senders.length === 0 ? "none" : ""}\n`);
    for (const s of d.senders) out(`    ${s.clientIp}  ${s.ehlo ?? "-"}  ${s.messages} message(s), last ${s.lastSeen}\n`);
  }
  out("\nWho sends as each hosted domain (From or MAIL FROM), as the MX's sender checks found:\n");
  for (const d of r.sendingAs) {
    out(`  ${d.domain}: ${d.senders.length === 0 ? "none" : ""}\n`);
    for (const s of d.senders) {
      const refused = [s.rejected > 0 ? `${s.rejected} refused` : "", s.quarantined > 0 ? `${s.quarantined} to Junk` : ""].filter((x) => x !== "").join(", ");
      out(
        `    ${s.clientIp}  ${s.helo ?? "-"}  ${s.messages} message(s): SPF pass ${s.spfPass}, DKIM pass ${s.dkimPass}, DMARC pass ${s.dmarcPass} fail ${s.dmarcFail}; ${s.plaintext} in plaintext${refused !== "" ? `; ${refused}` : ""}; last ${s.lastSeen}\n`,
      );
    }
  }
  out("\nOutbound: what each destination's servers offered, and what failed:\n");
  if (outbound.length === 0) out("  none\n");
  else
    printTable(
      ["DOMAIN", "ATTEMPTS", "DELIVERED", "TLS", "LEVEL", "PROBLEMS"],
      outbound.map((d) => [
        d.domain,
        String(d.attempts),
        String(d.delivered),
        Object.entries(d.tls).map(([v, n]) => `${v} ×${n}`).join(", ") || "-",
        d.levels.join(", "),
        d.problems.map((p) => `${p.kind} ×${p.count}: ${p.last}`).join("; "),
      ]),
    );
}

export function registerReport(program: Command): void {
  program
    .command("tls-report")
    .description("TLS versions in use, refused handshakes, per domain its plaintext senders and who sends as it, and the TLS reports (RFC 8460) received and sent")
    // An argument, not a subcommand: the command stays one leaf with its own --data.
    .argument("[send]", "send (or with --again re-send) a finished day's TLS reports now")
    .option("--days <n>", "how many days back", "30")
    .option("--day <date>", "send: the UTC day (YYYY-MM-DD) whose reports to send")
    .option("--domain <domain>", "send: only this destination domain's report")
    .option("--again", "send: also the reports sent before")
    .option("--json", "print the report as JSON")
    .action(async (action: string | undefined, flags: { data?: string; days: string; day?: string; domain?: string; again?: boolean; json?: boolean }) => {
      if (action === "send") return sendNow(flags);
      if (action !== undefined) throw new UsageError(`tls-report: unknown action ${JSON.stringify(action)} (send is the one there is)`);
      if (flags.day !== undefined || flags.domain !== undefined || flags.again === true) throw new UsageError("tls-report: --day, --domain and --again go with send");
      const days = parseIntFlag("--days", flags.days, 1, 3650);
      await withStore(flags, async (store) => {
        const report = await tlsReport(store.db, days);
        const since = Date.now() - days * DAY_MS;
        const outbound = await outboundReport(store.db, since);
        const received = await receivedTlsReports(store.db, since);
        const sent = await sentReports(store.db, { sinceDay: dayName(processClock().now() - days * DAY_MS) });
        if (flags.json === true) printJson({ ...report, outbound, tlsReports: { received, sent } });
        else {
          printHuman(report, outbound);
          printTlsRpt(received, sent);
        }
      });
    });
}
