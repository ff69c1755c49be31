/**
 * The report for people: the target, protocol versions, suites per version with weak ones named,
 * the server's order, the certificate, STARTTLS, findings worst first, and the two verdicts.
 * ANSI colour only when asked (the CLI asks when stdout is a terminal and NO_COLOR is unset).
 */
import { versionLabel } from "../tls/index.ts";
import { hasProblems, isoDay as day, sortFindings } from "./findings.ts";
import type { CertificateInfo, CheckReport, Severity, StartTlsInfo, TlsFeatures } from "./types.ts";

interface RenderOptions {
  color: boolean;
  /** Wrap width for paragraphs (default 100). */
  width?: number;
}

/** 0: nothing above low; 1: at least one medium, high or critical finding; 2: the check could not run. */
export function exitStatus(report: CheckReport): 0 | 1 | 2 {
  if (report.error !== null) return 2;
  return hasProblems(report.findings) ? 1 : 0;
}

export type Paint = (s: string) => string;
export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
  cyan: Paint;
}

/** ANSI colours (SGR), or identity when `color` is false. Shared with the --mx table. */
export function palette(color: boolean): Palette {
  const sgr =
    (code: string): Paint =>
    (s) =>
      color ? `\x1b[${code}m${s}\x1b[0m` : s;
  return { bold: sgr("1"), dim: sgr("2"), red: sgr("31"), yellow: sgr("33"), green: sgr("32"), cyan: sgr("36") };
}

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = { critical: "CRITICAL", high: "HIGH", medium: "MEDIUM", low: "LOW", info: "INFO" };

function severityPaint(p: Palette, s: Severity): Paint {
  switch (s) {
    case "critical":
    case "high":
      return (x) => p.bold(p.red(x));
    case "medium":
      return p.yellow;
    case "low":
      return p.cyan;
    case "info":
      return p.green;
  }
}

/** Words wrapped to `width` columns, every line after the first indented by `indent`. */
export function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line !== "" && line.length + 1 + w.length > width - indent.length) {
      lines.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") lines.push(line);
  return lines.join(`\n${indent}`);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}


function targetLine(r: CheckReport): string {
  const t = r.target;
  const how = t.access === "tls" ? "implicit TLS" : `${t.access.toUpperCase()} STARTTLS`;
  const addr = t.address !== t.host ? ` (${t.address})` : "";
  const sni = t.servername !== null ? `, SNI ${t.servername}` : ", no SNI";
  return `${t.host}:${t.port}${addr}, ${how}${sni}`;
}

function versionsBlock(r: CheckReport, p: Palette): string[] {
  const out = [p.bold("Protocol versions")];
  for (const v of r.protocols) {
    const legacy = v.version === "SSLv2" || v.version === "SSLv3" || v.version === "TLSv1" || v.version === "TLSv1.1";
    const paint = v.offered ? (legacy ? p.red : p.green) : legacy ? p.green : p.dim;
    out.push(`  ${pad(versionLabel(v.version), 9)} ${paint(pad(v.offered ? "✓ offered" : "✗ not offered", 13))}  ${p.dim(v.evidence)}`);
  }
  return out;
}

function ciphersBlock(r: CheckReport, p: Palette): string[] {
  const lists = r.ciphers.filter((c) => c.suites.length > 0);
  if (lists.length === 0) return [];
  const out = [p.bold("Cipher suites")];
  for (const list of lists) {
    const order = list.serverOrder === true ? "server's order" : list.serverOrder === false ? "client's order (the server has none)" : "order not determined";
    out.push(`  ${versionLabel(list.version)} — ${list.suites.length} accepted, ${order}`);
    const width = Math.max(...list.suites.map((s) => s.name.length));
    for (const s of list.suites) {
      const bad = s.weaknesses.filter((w) => w !== "CBC");
      const note = bad.length > 0 ? p.red(`weak: ${bad.join(", ")}`) : s.weaknesses.includes("CBC") ? p.dim("CBC") : "";
      out.push(`    ${pad(s.name, width)}  ${note}`.trimEnd());
    }
  }
  return out;
}

function certificateBlock(c: CertificateInfo | null, p: Palette, title = "Certificate"): string[] {
  if (c === null) return [p.bold(title), "  not read (see findings)"];
  const row = (k: string, v: string): string => `  ${pad(k, 15)}${v}`;
  const validity = c.daysLeft < 0 ? p.red(`expired ${-c.daysLeft} days ago`) : c.daysLeft <= 14 ? p.yellow(`${c.daysLeft} days left`) : `${c.daysLeft} days left`;
  const trust = c.trusted ? p.green("trusted") : p.red(`not trusted (${c.verifyError ?? "unknown"})`);
  const out = [
    p.bold(title),
    row("subject", c.subject),
    row("issuer", c.issuer),
    row("names", c.names.length > 0 ? c.names.join(", ") : "(none)"),
    row("valid", `${day(c.notBefore)} → ${day(c.notAfter)}, ${validity}`),
    row("trust", `${trust}; ${c.chain.length} certificate${c.chain.length === 1 ? "" : "s"}${c.selfSigned ? ", self-signed" : ""}`),
    row("key", `${c.keyType}${c.keyBits !== null ? ` ${c.keyBits} bits` : ""}`),
    row("signature", c.signatureAlgorithm),
  ];
  for (const [i, link] of c.chain.entries()) out.push(row(i === 0 ? "chain as sent" : "", `${i}: ${link.subject} ${p.dim(`(issuer ${link.issuer})`)}`));
  const checks = c.nameChecks.map((n) => (n.matches ? p.green(`✓ ${n.name}`) : p.red(`✗ ${n.name}`)));
  out.push(row("name checks", checks.length > 0 ? checks.join("  ") : p.dim("none (no host name given)")));
  return out;
}

function starttlsBlock(s: StartTlsInfo | null, p: Palette, width: number): string[] {
  if (s === null) return [];
  const cmd = s.protocol === "pop3" ? "STLS" : "STARTTLS";
  const inj =
    s.injection === "vulnerable" ? p.red("vulnerable") : s.injection === "not-vulnerable" ? p.green("not vulnerable") : p.dim("not tested");
  return [
    p.bold(`${cmd} (${s.protocol.toUpperCase()})`),
    `  offered          ${s.offered ? p.green("yes") : p.red("no")}`,
    `  injection        ${inj} ${p.dim("(CVE-2011-0411)")}`,
    `  ${" ".repeat(17)}${wrap(s.detail, width, " ".repeat(19))}`,
  ];
}

/** One line per feature: good in green, bad in red, untested or not applicable dimmed. */
function featuresBlock(x: TlsFeatures | null, p: Palette): string[] {
  if (x === null) return [];
  const row = (k: string, v: string): string => `  ${pad(k, 22)}${v}`;
  const yesNo = (v: boolean | null, good: boolean, yes: string, no: string): string => (v === null ? p.dim("not tested") : v === good ? p.green(v ? yes : no) : p.red(v ? yes : no));
  const r = x.renegotiation;
  const client: Record<TlsFeatures["renegotiation"]["clientInitiated"], string> = {
    refused: p.green("refused"),
    limited: p.yellow(`allowed, limited to ${r.accepted}`),
    unlimited: p.red(`allowed, all ${r.accepted} asked for done`),
    "not-applicable": p.dim("not applicable (TLS 1.3 only)"),
    "not-tested": p.dim("not tested"),
  };
  const hb = x.heartbeat;
  const heartbeat = hb.heartbleed === "vulnerable" ? p.red("offered, VULNERABLE to Heartbleed") : yesNo(hb.extension, false, "offered, not vulnerable", "not offered");
  const fb = x.fallbackScsv;
  const fallback = { supported: p.green("supported"), "not-supported": p.red("not supported"), "handshake-failure": p.yellow("downgrade stopped, wrong alert"), "not-applicable": p.dim("not applicable (nothing to fall back to)"), "not-tested": p.dim("not tested") }[fb.status];
  const word = (v: boolean | null): string => (v === null ? "not tested" : v ? "yes" : "no");
  const k = x.keyExchange;
  const dh = k.dhBits === null ? p.dim("no DHE suite") : `${k.dhBits} bits${k.dhGroup !== null ? ` (${k.dhGroup})` : ""}`;
  const o = x.ocspStapling;
  const ocsp = o.stapled === null ? p.dim("not tested") : o.stapled ? `yes: ${o.responseStatus ?? "unreadable"}${o.certStatus !== null ? `, ${o.certStatus}` : ""}` : "no";
  return [
    p.bold("Renegotiation, compression and other features"),
    row("secure renegotiation", r.secure === null ? p.dim("not applicable (TLS 1.3 only)") : r.secure ? p.green("yes (RFC 5746)") : p.red("no")),
    row("client renegotiation", client[r.clientInitiated]),
    row("compression", yesNo(x.compression.offered, false, "on (CRIME)", "off")),
    row("heartbeat", heartbeat),
    row("fallback SCSV", fallback),
    row("resumption", `by session ID ${word(x.resumption.ids)}, by ticket ${word(x.resumption.tickets)}`),
    row("DH group", k.dhBits !== null && k.dhBits < 2048 ? p.red(dh) : dh),
    row("curves ≤ 224 bits", k.weakCurves.length === 0 ? p.green("none accepted") : p.red(k.weakCurves.map((w) => w.name).join(", "))),
    row("OCSP stapling", ocsp),
  ];
}

function findingsBlock(r: CheckReport, p: Palette, width: number): string[] {
  const out = [p.bold("Findings")];
  if (r.findings.length === 0) return [...out, "  none"];
  for (const f of sortFindings(r.findings)) {
    const label = severityPaint(p, f.severity)(pad(SEVERITY_LABEL[f.severity], 8));
    const title = wrap(`${f.title} [${f.id}]`, width, " ".repeat(12)).replace(`[${f.id}]`, p.dim(`[${f.id}]`));
    out.push(`  ${label}  ${title}`);
    out.push(`  ${" ".repeat(10)}${wrap(f.detail, width, " ".repeat(12))}`);
  }
  return out;
}

function verdictsBlock(r: CheckReport, p: Palette, width: number): string[] {
  const line = (ok: boolean, text: string): string => `  ${ok ? p.green("✓") : p.red("✗")} ${wrap(text, width, "    ")}`;
  return [p.bold("Verdict"), line(r.verdicts.strictSenders.ok, r.verdicts.strictSenders.text), line(r.verdicts.legacyClients.ok, r.verdicts.legacyClients.text)];
}

/** The whole report as text, ending in a newline. */
export function renderReport(report: CheckReport, opts: RenderOptions): string {
  const p = palette(opts.color);
  const width = opts.width ?? 100;
  const head = [
    `${p.bold("sealpost check")} ${targetLine(report)}`,
    p.dim(`started ${report.startedAt}, ${report.durationMs} ms, ${report.probes} connection${report.probes === 1 ? "" : "s"}`),
  ];
  if (report.error !== null) {
    return [...head, "", `${p.bold(p.red("The check could not run:"))} ${report.error}`, ""].join("\n");
  }
  const blocks = [
    head,
    starttlsBlock(report.starttls, p, width),
    report.protocols.length > 0 ? versionsBlock(report, p) : [],
    ciphersBlock(report, p),
    report.protocols.some((v) => v.offered) || report.certificate !== null ? certificateBlock(report.certificate, p) : [],
    ...report.otherCertificates.map((c) => certificateBlock(c, p, `Second certificate (${c.keyType}), for clients that prefer ${c.keyType} keys`)),
    featuresBlock(report.features, p),
    findingsBlock(report, p, width),
    verdictsBlock(report, p, width),
  ].filter((b) => b.length > 0);
  return `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;
}
