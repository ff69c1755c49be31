/**
 * `sealpost check --mx` for people: the MX hosts in one table (TLS, certificate, strict-sender
 * verdict, MTA-STS match, DANE), the domain's MTA-STS, TLS-RPT, DANE and CAA status, the domain's
 * findings worst first and the verdict, then each host's own report. ANSI colour only when asked.
 * Also the exit status of `--mx`.
 */
import { versionLabel } from "../tls/index.ts";
import { hasProblems, sortFindings } from "./findings.ts";
import type { MxHostResult, MxReport } from "./mx-types.ts";
import { renderReport } from "./render.ts";
import { palette, SEVERITY_LABEL, wrap, type Paint, type Palette } from "./render.ts";

const LABEL = SEVERITY_LABEL;

/** 0: no finding above low anywhere; 1: problems; 2: the domain could not be checked. */
export function mxExitStatus(report: MxReport): 0 | 1 | 2 {
  if (report.error !== null) return 2;
  const all = [...report.findings, ...report.hosts.flatMap((h) => h.report?.findings ?? [])];
  return hasProblems(all) ? 1 : 0;
}

/** Padded cells; colour is applied after padding so escape codes do not skew the columns. */
function table(head: string[], rows: Array<Array<{ text: string; paint?: Paint }>>, p: Palette): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: Array<{ text: string; paint?: Paint }>): string =>
    cells
      .map((c, i) => (c.paint ?? ((s: string) => s))(c.text.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [`  ${p.dim(line(head.map((text) => ({ text }))))}`, ...rows.map((r) => `  ${line(r)}`)];
}

function hostRow(h: MxHostResult, p: Palette): Array<{ text: string; paint?: Paint }> {
  const r = h.report;
  const failed = h.error ?? r?.error ?? null;
  const best = r?.protocols.filter((v) => v.offered).at(-1);
  const cert = r?.certificate ?? null;
  let certText = "-";
  if (cert !== null) {
    if (!cert.trusted) certText = `untrusted (${cert.verifyError ?? "?"})`;
    else if (cert.daysLeft < 0) certText = "expired";
    else if (cert.nameChecks.some((n) => !n.matches)) certText = "wrong name";
    else certText = "valid";
  }
  const strict = failed !== null ? "not checked" : r?.verdicts.strictSenders.ok === true ? "pass" : "FAIL";
  const sts = h.mtaStsMatch === null ? "-" : h.mtaStsMatch ? "match" : "NO MATCH";
  const dane = h.dane.status === "not-validated" ? "not validated" : h.dane.status;
  return [
    { text: String(h.preference) },
    { text: `${h.host}${h.implicit ? " (implicit)" : ""}` },
    { text: h.address ?? "-" },
    { text: failed !== null ? "-" : best !== undefined ? versionLabel(best.version) : "none", ...(best !== undefined && best.version !== "TLSv1.2" && best.version !== "TLSv1.3" ? { paint: p.red } : {}) },
    { text: certText, paint: certText === "valid" ? p.green : certText === "-" ? p.dim : p.red },
    { text: strict, paint: strict === "pass" ? p.green : p.red },
    { text: sts, paint: h.mtaStsMatch === false ? p.red : h.mtaStsMatch === true ? p.green : p.dim },
    { text: dane, paint: dane === "valid" ? p.green : dane === "invalid" || dane === "error" ? p.red : p.dim },
  ];
}

function policyLines(r: MxReport, p: Palette, width: number): string[] {
  const s = r.mtaSts;
  let sts: string;
  if (s.txtError !== null) sts = p.red(`TXT record unusable: ${s.txtError}`);
  else if (s.id === null) sts = p.dim("none published");
  else if (s.policy === null) sts = p.red(`id ${s.id}; policy not fetched: ${s.fetchError ?? "?"}`);
  else sts = `id ${s.id}, mode ${s.policy.mode}, max_age ${s.policy.maxAge} s, mx ${s.policy.mx.join(", ") || "(none)"}`;
  const t = r.tlsRpt;
  const rpt = t.error !== null ? p.red(`unusable: ${t.error}`) : t.records.length === 0 ? p.dim("none published") : `rua ${t.rua.join(", ")}`;
  const statuses = [...new Set(r.hosts.map((h) => h.dane.status))];
  const dane = r.hosts.length === 0 ? p.dim("-") : statuses.length === 1 && statuses[0] === "not-validated" ? p.dim("DNSSEC not validated by the resolver; DANE not evaluated") : r.hosts.map((h) => `${h.host}: ${h.dane.detail}`).join("; ");
  const caa = r.hosts.length === 0 ? p.dim("-") : r.hosts.map((h) => `${h.host}: ${h.caa.error ?? (h.caa.name === null ? "none" : `${h.caa.records.join(", ")}${h.caa.name !== h.host ? ` (at ${h.caa.name})` : ""}`)}`).join("; ");
  const row = (k: string, v: string): string => `  ${k.padEnd(9)}${wrap(v, width, " ".repeat(11))}`;
  return [p.bold("Policies"), row("MTA-STS", sts), row("TLS-RPT", rpt), row("DANE", dane), row("CAA", caa)];
}

export function renderMxReport(r: MxReport, opts: { color: boolean; width?: number }): string {
  const p = palette(opts.color);
  const width = opts.width ?? 100;
  const head = [`${p.bold("sealpost check --mx")} ${r.domain}`, p.dim(`started ${r.startedAt}, ${r.durationMs} ms, ${r.hosts.length} MX host${r.hosts.length === 1 ? "" : "s"}`)];
  if (r.error !== null) return [...head, "", `${p.bold(p.red("The check could not run:"))} ${r.error}`, ""].join("\n");
  const blocks: string[][] = [head];
  if (r.hosts.length > 0) blocks.push([p.bold("MX hosts"), ...table(["PREF", "HOST", "ADDRESS", "BEST TLS", "CERTIFICATE", "STRICT SENDERS", "MTA-STS", "DANE"], r.hosts.map((h) => hostRow(h, p)), p)]);
  blocks.push(policyLines(r, p, width));
  const findings = [p.bold("Domain findings")];
  if (r.findings.length === 0) findings.push("  none");
  for (const f of sortFindings(r.findings)) {
    const paint = f.severity === "critical" || f.severity === "high" ? (s: string) => p.bold(p.red(s)) : f.severity === "medium" ? p.yellow : f.severity === "low" ? p.cyan : p.green;
    findings.push(`  ${paint(LABEL[f.severity].padEnd(8))}  ${f.title} ${p.dim(`[${f.id}]`)}`, `  ${" ".repeat(10)}${wrap(f.detail, width, " ".repeat(12))}`);
  }
  blocks.push(findings);
  blocks.push([p.bold("Verdict"), `  ${r.verdict.ok ? p.green("✓") : p.red("✗")} ${wrap(r.verdict.text, width, "    ")}`]);
  let out = `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;
  for (const h of r.hosts) {
    out += `\n${p.bold(`── MX ${h.host} ${"─".repeat(Math.max(3, 60 - h.host.length))}`)}\n`;
    out += h.report !== null ? renderReport(h.report, { color: opts.color, width }) : `not checked: ${h.error ?? "?"}\n`;
  }
  return out;
}
