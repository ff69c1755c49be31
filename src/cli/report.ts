/** `sealpost tls-report [--days N] [--json]`. */
import type { Command } from "commander";
import { tlsReport, type TlsReport } from "../audit/index.ts";
import { outboundReport, type OutboundDomainReport } from "../outbound/index.ts";
import { parseIntFlag, printJson, printTable, withStore } from "./common.ts";

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
    .description("TLS versions in use, refused handshakes, and per domain its plaintext senders and who sends as it")
    .option("--days <n>", "how many days back", "30")
    .option("--json", "print the report as JSON")
    .action(async (flags: { data?: string; days: string; json?: boolean }) => {
      const days = parseIntFlag("--days", flags.days, 1, 3650);
      await withStore(flags, async (store) => {
        const report = await tlsReport(store.db, days);
        const outbound = await outboundReport(store.db, Date.now() - days * 86_400_000);
        if (flags.json === true) printJson({ ...report, outbound });
        else printHuman(report, outbound);
      });
    });
}
