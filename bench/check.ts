/**
 * `npm run bench:check`: how long a full `sealpost check` of a loopback target takes, next to
 * sslscan and testssl.sh on the same targets (where installed):
 *
 * - `openssl s_server` with TLS 1.2+ only; with TLS 1.0/1.1 allowed (SECLEVEL=0); with an expired
 *   certificate; with a certificate for another name; with 3DES enabled (only where the openssl
 *   build has 3DES suites at all: enable-weak-ssl-ciphers; Debian's has not);
 * - Debian's Postfix (the `modern` test peer: STARTTLS, TLS 1.2+), unless --no-postfix.
 *
 * Each tool runs as a process, as a person would run it (Sealpost: `node src/cli/main.ts check
 * --json`, so Node's start-up counts); the median of --runs runs (testssl.sh: --testssl-runs,
 * default 1, as one run takes about a minute and a half). Targets: every Sealpost check faster than
 * sslscan and under 0.5 s. Also: whether Sealpost and sslscan (and testssl.sh) agree on the
 * protocol versions offered.
 *
 * Flags: --runs N (3), --testssl-runs N (1), --no-testssl, --no-sslscan, --no-postfix, --json.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CheckReport } from "../src/check/index.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import type { TlsVersionName } from "../src/tls/index.ts";
import { freePort, startPostfixPeers, type PostfixPeers } from "../test/postfix-peer.ts";
import { intFlag, note, out, runMain, table, verdict, writeJson } from "./common.ts";
import { CLI, REPO } from "./sealpost-target.ts";

const SSLSCAN = "/usr/bin/sslscan";
const TESTSSL = "/usr/bin/testssl";
const POSTFIX = "/usr/sbin/postfix";
const NAME = "bench.check.test";
const DAY = 86_400_000;
const TARGET_SECONDS = 0.5;

interface Target {
  name: string;
  port: number;
  /** SMTP STARTTLS (Postfix) instead of implicit TLS. */
  smtp: boolean;
  servername: string;
  ca: string;
}

interface Timed {
  seconds: number;
  stdout: string;
  status: number;
}

/** Runs `cmd` to its end; wall-clock seconds, stdout and exit status. */
function timed(cmd: string, args: readonly string[], timeoutMs = 600_000): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(cmd, [...args], { cwd: REPO, stdio: ["ignore", "pipe", "ignore"], timeout: timeoutMs });
    let stdout = "";
    proc.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    proc.once("error", reject);
    proc.once("close", (code) => resolve({ seconds: (performance.now() - t0) / 1000, stdout, status: code ?? -1 }));
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function repeat(n: number, fn: () => Promise<Timed>): Promise<{ seconds: number; last: Timed }> {
  const runs: Timed[] = [];
  for (let i = 0; i < n; i++) runs.push(await fn());
  return { seconds: median(runs.map((r) => r.seconds)), last: runs[runs.length - 1] as Timed };
}

const VERSIONS: ReadonlyArray<[TlsVersionName, string, string]> = [
  // [ours, sslscan's name, testssl's name]
  ["SSLv2", "SSLv2", "SSLv2"],
  ["SSLv3", "SSLv3", "SSLv3"],
  ["TLSv1", "TLSv1.0", "TLS 1"],
  ["TLSv1.1", "TLSv1.1", "TLS 1.1"],
  ["TLSv1.2", "TLSv1.2", "TLS 1.2"],
  ["TLSv1.3", "TLSv1.3", "TLS 1.3"],
];

/** sslscan's "SSL/TLS Protocols:" lines ("TLSv1.0   enabled"): the versions enabled, or null when none were printed. */
export function sslscanVersions(text: string): TlsVersionName[] | null {
  const seen = VERSIONS.filter(([, name]) => new RegExp(`^${name.replace(".", "\\.")}\\s+(enabled|disabled)`, "m").test(text));
  if (seen.length === 0) return null;
  return VERSIONS.filter(([, name]) => new RegExp(`^${name.replace(".", "\\.")}\\s+enabled`, "m").test(text)).map(([v]) => v);
}

/** testssl.sh's protocol lines (" TLS 1.1    offered" / "not offered"): the versions offered, or null. */
export function testsslVersions(text: string): TlsVersionName[] | null {
  const line = (name: string): string | null => new RegExp(`^ ${name.replace(".", "\\.")}\\s{2,}(.*)$`, "m").exec(text)?.[1] ?? null;
  if (VERSIONS.every(([, , name]) => line(name) === null)) return null;
  return VERSIONS.filter(([, , name]) => {
    const l = line(name);
    return l !== null && /^offered/.test(l);
  }).map(([v]) => v);
}

function agreement(ours: readonly TlsVersionName[] | null, theirs: readonly TlsVersionName[] | null): string {
  if (ours === null || theirs === null) return "-";
  const a = [...ours].sort().join(",");
  const b = [...theirs].sort().join(",");
  return a === b ? "yes" : `NO (theirs: ${theirs.join(" ") || "none"})`;
}

/** `openssl s_server` on 127.0.0.1 with `cert` and `extra` flags, once it accepts. */
async function sServer(dir: string, name: string, cert: PemPair, extra: string[], procs: ChildProcess[]): Promise<number> {
  const port = await freePort();
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, cert.certPem);
  writeFileSync(keyFile, cert.keyPem);
  const proc = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certFile, "-key", keyFile, "-www", "-naccept", "100000", ...extra], { stdio: ["pipe", "pipe", "ignore"] });
  procs.push(proc);
  await new Promise<void>((resolve, reject) => {
    let text = "";
    proc.stdout.on("data", (b: Buffer) => {
      text += b.toString("utf8");
      if (text.includes("ACCEPT")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`s_server ${name} exited with ${code}`)));
  });
  return port;
}

interface Row {
  target: string;
  sealpost: number;
  sealpostInProcessMs: number;
  exitStatus: number;
  versions: TlsVersionName[] | null;
  worst: string;
  sslscan: number | null;
  testssl: number | null;
  sslscanAgrees: string;
  testsslAgrees: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      "testssl-runs": { type: "string", default: "1" },
      "no-testssl": { type: "boolean", default: false },
      "no-sslscan": { type: "boolean", default: false },
      "no-postfix": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const runs = intFlag("runs", values.runs, 1, 100);
  const testsslRuns = intFlag("testssl-runs", values["testssl-runs"], 1, 10);
  const useSslscan = !values["no-sslscan"] && existsSync(SSLSCAN);
  const useTestssl = !values["no-testssl"] && existsSync(TESTSSL);
  if (!useSslscan) note(values["no-sslscan"] ? "sslscan skipped (--no-sslscan)" : `sslscan not installed (${SSLSCAN})`);
  if (!useTestssl) note(values["no-testssl"] ? "testssl.sh skipped (--no-testssl)" : `testssl.sh not installed (${TESTSSL})`);

  const dir = mkdtempSync(join(tmpdir(), "sealpost-bench-check-"));
  const procs: ChildProcess[] = [];
  let peers: PostfixPeers | null = null;
  const cleanup = (): void => {
    for (const p of procs) p.kill();
    peers?.stop();
    peers = null;
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const ca = await generateCa({ name: "Sealpost bench CA" });
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, ca.certPem);
    const good = await generateSelfSigned({ hostnames: [NAME], issuer: ca });
    const expired = await generateSelfSigned({ hostnames: [NAME], issuer: ca, notBefore: new Date(Date.now() - 40 * DAY), notAfter: new Date(Date.now() - 10 * DAY) });
    const other = await generateSelfSigned({ hostnames: ["other.check.test"], issuer: ca });
    const rsa = await generateSelfSigned({ hostnames: [NAME], issuer: ca, keyType: "rsa" });
    const tls = (name: string, port: number): Target => ({ name, port, smtp: false, servername: NAME, ca: caFile });
    const targets: Target[] = [
      tls("s_server TLS 1.2+", await sServer(dir, "modern", good, ["-min_protocol", "TLSv1.2"], procs)),
      tls("s_server TLS 1.0+", await sServer(dir, "legacy", good, ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"], procs)),
      tls("s_server expired cert", await sServer(dir, "expired", expired, ["-min_protocol", "TLSv1.2"], procs)),
      tls("s_server wrong name", await sServer(dir, "other", other, ["-min_protocol", "TLSv1.2"], procs)),
    ];
    // 3DES suites exist in libssl only when built with enable-weak-ssl-ciphers (Debian's is not).
    if (spawnSync("openssl", ["ciphers", "3DES@SECLEVEL=0"], { stdio: "ignore" }).status === 0) {
      targets.push(tls("s_server 3DES", await sServer(dir, "3des", rsa, ["-cipher", "DEFAULT:3DES@SECLEVEL=0", "-min_protocol", "TLSv1.2"], procs)));
    } else note("s_server 3DES skipped: this openssl has no 3DES suites (built without enable-weak-ssl-ciphers)");
    if (values["no-postfix"]) note("Postfix skipped (--no-postfix)");
    else if (!existsSync(POSTFIX)) note(`Postfix not installed (${POSTFIX})`);
    else {
      note("starting the Postfix modern peer");
      peers = await startPostfixPeers(["modern"]);
      targets.push({ name: "Postfix STARTTLS", port: peers.ports.modern, smtp: true, servername: "mail.peer.test", ca: peers.ca });
    }

    const rows: Row[] = [];
    for (const t of targets) {
      const hostPort = `127.0.0.1:${t.port}`;
      note(`${t.name}: sealpost × ${runs}`);
      const sp = await repeat(runs, () => timed(process.execPath, [CLI, "check", hostPort, "--servername", t.servername, "--ca", t.ca, "--json", ...(t.smtp ? ["--starttls", "smtp"] : [])]));
      const report = JSON.parse(sp.last.stdout) as CheckReport;
      const ours = report.error === null ? report.protocols.filter((v) => v.offered).map((v) => v.version) : null;
      const worst = report.error ?? report.findings.find((f) => f.severity !== "info")?.id ?? "-";
      let sslscan: { seconds: number; last: Timed } | null = null;
      let testssl: { seconds: number; last: Timed } | null = null;
      if (useSslscan) {
        note(`${t.name}: sslscan × ${runs}`);
        sslscan = await repeat(runs, () => timed(SSLSCAN, ["--no-colour", ...(t.smtp ? ["--starttls-smtp"] : []), hostPort]));
      }
      if (useTestssl) {
        note(`${t.name}: testssl.sh × ${testsslRuns} (about 1–2 minutes each)`);
        testssl = await repeat(testsslRuns, () => timed(TESTSSL, ["--quiet", "--color", "0", "--warnings", "off", "--nodns", "none", ...(t.smtp ? ["--starttls", "smtp"] : []), hostPort]));
      }
      rows.push({
        target: t.name,
        sealpost: sp.seconds,
        sealpostInProcessMs: report.durationMs,
        exitStatus: sp.last.status,
        versions: ours,
        worst,
        sslscan: sslscan?.seconds ?? null,
        testssl: testssl?.seconds ?? null,
        sslscanAgrees: sslscan === null ? "-" : agreement(ours, sslscanVersions(sslscan.last.stdout)),
        testsslAgrees: testssl === null ? "-" : agreement(ours, testsslVersions(testssl.last.stdout)),
      });
    }

    const faster = rows.every((r) => r.sslscan === null || r.sealpost < r.sslscan);
    const quick = rows.every((r) => r.sealpost < TARGET_SECONDS);
    if (values.json) {
      writeJson({ runs, testsslRuns, rows, targets: { fasterThanSslscan: faster, underHalfSecond: quick } });
      return;
    }
    const s = (v: number | null): string => (v === null ? "-" : v.toFixed(2));
    const ratio = (a: number | null, b: number): string => (a === null ? "-" : `${(a / b).toFixed(1)}×`);
    out(`\nseconds per full check (median of ${runs}; testssl.sh: ${testsslRuns} run${testsslRuns === 1 ? "" : "s"}); Sealpost as a CLI process, its own timing in brackets\n\n`);
    table(
      ["target", "sealpost", "(in-process)", "sslscan", "testssl.sh", "sslscan/sealpost", "testssl/sealpost", "exit", "worst finding"],
      rows.map((r) => [r.target, s(r.sealpost), `(${(r.sealpostInProcessMs / 1000).toFixed(2)})`, s(r.sslscan), s(r.testssl), ratio(r.sslscan, r.sealpost), ratio(r.testssl, r.sealpost), String(r.exitStatus), r.worst]),
    );
    out("\nprotocol versions offered: Sealpost's findings against sslscan's and testssl.sh's\n\n");
    table(
      ["target", "sealpost", "sslscan agrees", "testssl agrees"],
      rows.map((r) => [r.target, r.versions === null ? "(not checked)" : r.versions.join(" "), r.sslscanAgrees, r.testsslAgrees]),
    );
    out(`\nevery full check faster than sslscan: ${useSslscan ? verdict(faster) : "(sslscan not run)"}\n`);
    out(`every full check under ${TARGET_SECONDS} s on loopback: ${verdict(quick)}\n`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    cleanup();
  }
}

runMain(main);
