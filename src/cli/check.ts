/**
 * `sealpost check TARGET` and `sealpost check --mx DOMAIN`: the TLS checker from the command line.
 * TARGET is host[:port] ([v6]:port for IPv6 literals); the port picks the protocol unless
 * --starttls says (25/587 SMTP, 143 IMAP, 110 POP3 STARTTLS; 465/993/995/443 and any other port
 * implicit TLS — unless, without --starttls, the port greets in plaintext: then it is checked
 * through that protocol's STARTTLS, and a finding says so). Exit status 0: nothing above low; 1:
 * problems; 2: the check could not run, or bad arguments (one line on stderr).
 */
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { Command } from "commander";
import { createResolver, parseDnsServer } from "../dns/index.ts";
import type { CheckOptions, CheckReport, StartTlsProtocol, Target } from "../check/index.ts";
import { parseIntFlag, UsageError } from "./output.ts";

interface Flags {
  mx?: string;
  starttls?: string;
  servername?: string;
  ca?: string[];
  dns?: string;
  json?: boolean;
  timeout: string;
  concurrency: string;
  mxPort: string;
  mtaStsPort: string;
}

function parseStartTls(value: string | undefined): StartTlsProtocol | undefined {
  if (value === undefined) return undefined;
  if (value === "smtp" || value === "imap" || value === "pop3") return value;
  throw new UsageError(`--starttls: expected smtp, imap or pop3, got "${value}"`);
}

function readCa(files: readonly string[]): string[] {
  return files.map((file) => {
    let pem: string;
    try {
      pem = readFileSync(file, "utf8");
    } catch (e) {
      throw new UsageError(`--ca ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca ${file}: no PEM certificate in it`);
    return pem;
  });
}

/** Progress on stderr, only on a terminal: one line rewritten in place, cleared at the end. */
function progressLine(): { onProgress?: CheckOptions["onProgress"]; clear(): void } {
  if (process.stderr.isTTY !== true) return { clear: () => undefined };
  let last = 0;
  let shown = false;
  return {
    onProgress: (done, total, what) => {
      const now = Date.now();
      if (now - last < 80 && done < total) return;
      last = now;
      shown = true;
      const text = `[${done}/${total}] ${what}`;
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns || 80) - 1)}`);
    },
    clear: () => {
      if (shown) process.stderr.write("\r\x1b[K");
    },
  };
}

async function resolveHost(host: string, dns: string | undefined, timeoutMs: number): Promise<string> {
  if (isIP(host) !== 0) return host;
  if (dns !== undefined) {
    const found = await createResolver({ servers: [dns], timeoutMs, tries: 2 }).addresses(host);
    if (found[0] === undefined) throw new Error(`${host} has no address (A or AAAA)`);
    return found[0];
  }
  return (await lookup(host)).address;
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const color = (): boolean => process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

/** What to print once the check is done: stdout, an error line for stderr, the exit status. */
interface Outcome {
  stdout: string;
  error: string | null;
  status: number;
}

async function checkTarget(text: string, f: Flags, base: CheckOptions): Promise<Outcome> {
  // The checker is loaded only when `check` runs (the server never loads it).
  const { runCheck, renderReport, exitStatus, parseTarget, accessFor, unreachableReport } = await import("../check/index.ts");
  const { host, port: given } = parseTarget(text);
  const port = given ?? 25;
  const access = accessFor(port, parseStartTls(f.starttls));
  const servername = f.servername ?? (isIP(host) === 0 ? host : null);
  const started = Date.now();
  let report: CheckReport;
  const target: Target = { host, port, address: "", servername, access };
  try {
    target.address = await resolveHost(host, f.dns, base.timeoutMs);
    // A port without --starttls that greets in plaintext is checked through its STARTTLS.
    report = await runCheck(target, { ...base, startTlsIfGreeted: f.starttls === undefined });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    report = unreachableReport(target, target.address === "" ? `cannot resolve ${host}: ${msg}` : msg, started);
  }
  return {
    stdout: f.json === true ? json(report) : renderReport(report, { color: color() }),
    error: report.error === null ? null : `check ${host}:${port}: ${report.error.split("\n")[0] ?? ""}`,
    status: exitStatus(report),
  };
}

async function checkMx(domain: string, f: Flags, base: CheckOptions): Promise<Outcome> {
  const { runMxCheck, renderMxReport, mxExitStatus, isDomainName } = await import("../check/index.ts");
  if (!isDomainName(domain)) throw new UsageError(`--mx: "${domain}" is not a domain name`);
  const resolver = createResolver({ servers: f.dns !== undefined ? [f.dns] : [], timeoutMs: base.timeoutMs, tries: 2 });
  const report = await runMxCheck(domain, {
    ...base,
    resolver,
    dnsServer: f.dns !== undefined ? parseDnsServer(f.dns) : null,
    mxPort: parseIntFlag("--mx-port", f.mxPort, 1, 65535),
    mtaStsPort: parseIntFlag("--mta-sts-port", f.mtaStsPort, 1, 65535),
  });
  return {
    stdout: f.json === true ? json(report) : renderMxReport(report, { color: color() }),
    error: report.error === null ? null : `check --mx ${report.domain}: ${report.error}`,
    status: mxExitStatus(report),
  };
}

export function registerCheck(program: Command): void {
  program
    .command("check [target]")
    .description("check the TLS of a mail server (TARGET host[:port], default port 25) or of every MX of a domain (--mx DOMAIN)")
    .option("--mx <domain>", "check every MX host of DOMAIN in parallel, its MTA-STS policy, TLS-RPT record and DANE records")
    .option("--starttls <protocol>", "smtp, imap or pop3 (default: from the port: 25/587 smtp, 143 imap, 110 pop3, else implicit TLS, or the STARTTLS of a port that greets in plaintext)")
    .option("--servername <name>", "the name sent as SNI and checked in the certificate (default: the host of TARGET)")
    .option("--ca <file>", "extra trust anchors (PEM), besides Node's; repeatable", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--dns <addr:port>", "send DNS lookups (and TLSA queries for DANE) to this resolver")
    .option("--timeout <ms>", "limit for each network step", "5000")
    .option("--concurrency <n>", "probe connections open at once (per host)", "8")
    .option("--json", "print the report as JSON (schema sealpost-check/1, or sealpost-check-mx/1 with --mx)")
    .option("--mx-port <n>", "test knob: the port of the MX hosts", "25")
    .option("--mta-sts-port <n>", "test knob: the HTTPS port of mta-sts.DOMAIN", "443")
    .action(async (target: string | undefined, f: Flags) => {
      if (target === undefined && f.mx === undefined) throw new UsageError("check: TARGET (host[:port]) or --mx DOMAIN is required");
      if (target !== undefined && f.mx !== undefined) throw new UsageError("check: give TARGET or --mx DOMAIN, not both");
      if (f.mx !== undefined && f.starttls !== undefined) throw new UsageError("--starttls: not with --mx (MX hosts are checked with SMTP STARTTLS)");
      if (f.mx !== undefined && f.servername !== undefined) throw new UsageError("--servername: not with --mx (each MX host name is used)");
      if (f.dns !== undefined && parseDnsServer(f.dns) === null) throw new UsageError(`--dns: expected ADDR or ADDR:PORT with an IP address, got "${f.dns}"`);
      const progress = progressLine();
      const base: CheckOptions = {
        timeoutMs: parseIntFlag("--timeout", f.timeout, 1, 600_000),
        concurrency: parseIntFlag("--concurrency", f.concurrency, 1, 256),
        ca: readCa(f.ca ?? []),
        ...(progress.onProgress !== undefined ? { onProgress: progress.onProgress } : {}),
      };
      parseIntFlag("--mx-port", f.mxPort, 1, 65535);
      parseIntFlag("--mta-sts-port", f.mtaStsPort, 1, 65535);
      if (target !== undefined) parseStartTls(f.starttls);
      let outcome: Outcome;
      try {
        outcome = f.mx !== undefined ? await checkMx(f.mx, f, base) : await checkTarget(target ?? "", f, base);
      } finally {
        progress.clear();
      }
      process.stdout.write(outcome.stdout);
      if (outcome.error !== null) process.stderr.write(`sealpost: ${outcome.error}\n`);
      process.exitCode = outcome.status;
    });
}
