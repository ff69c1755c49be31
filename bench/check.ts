/**
 * `npm run bench:check`: how long a full `sealpost check` of a loopback target takes, next to
 * sslscan and testssl.sh on the same targets (where installed), and whether Sealpost finds what
 * testssl.sh finds:
 *
 * - `openssl s_server` with TLS 1.2+ only; with TLS 1.0/1.1 allowed (SECLEVEL=0); with an expired
 *   certificate; with a certificate for another name; with weak groups (RFC 2409's 1024-bit DH
 *   group, secp192r1); TLS 1.2 with client-initiated renegotiation allowed (-client_renegotiation);
 *   with 3DES (only where the openssl build has 3DES: enable-weak-ssl-ciphers; Debian's has not).
 *   s_server runs without -www: its -www loop sleeps a second whenever a read would block;
 * - a Node.js TLS 1.2 server, as applications run it: client-initiated renegotiation allowed,
 *   3 per connection;
 * - Sealpost's own IMAPS (`sealpost serve` from a fresh `sealpost init`);
 * - Debian's Postfix (the `modern` test peer: STARTTLS, TLS 1.2+), unless --no-postfix.
 *
 * Each tool runs as a process, as a person would run it (Sealpost: `node src/cli/sealpost.js check
 * --json`, so Node's start-up counts), --runs times (testssl.sh: --testssl-runs, default 1, as one
 * run takes a minute or two even with only the sections that matter here: -p -S -f -U); every
 * round's time is printed, and the median. Targets: every
 * Sealpost check faster than sslscan and under 0.5 s. Then, per target, the protocol versions each
 * tool found, and testssl.sh's findings next to Sealpost's (check-compare.ts).
 *
 * Flags: --runs N (5), --testssl-runs N (1), --no-testssl, --no-sslscan, --no-postfix, --no-sealpost, --json.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CheckReport } from "../src/check/index.ts";
import { startTlsServer, type TestServer } from "../test/support/check-targets.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import type { TlsVersionName } from "../src/tls/index.ts";
import { oakleyGroup2Pem } from "../test/openssl-pki.ts";
import { freePort, startPostfixPeers, type PostfixPeers } from "../test/postfix-peer.ts";
import { compareFindings, parseTestsslJson, type ComparedItem } from "./check-compare.ts";
import { intFlag, median, note, out, runMain, table, verdict, writeJson } from "./common.ts";
import { BENCH_HOSTNAME, CLI, REPO, startSealpostServer, type SealpostServer } from "./sealpost-target.ts";

const SSLSCAN = "/usr/bin/sslscan";
const TESTSSL = "/usr/bin/testssl";
const POSTFIX = "/usr/sbin/postfix";
const NAME = "bench.check.test";
const DAY = 86_400_000;
const TARGET_SECONDS = 0.5;
/**
 * testssl.sh's sections that cover what Sealpost checks: protocols, server defaults (resumption,
 * OCSP stapling, revocation URLs), forward secrecy (DH groups, curves) and the vulnerabilities;
 * not its client simulation or per-cipher listings, which take most of a full run's minutes.
 */
const TESTSSL_SECTIONS = ["-p", "-S", "-f", "-U"];

interface Target {
  name: string;
  port: number;
  /** SMTP STARTTLS (Postfix) instead of implicit TLS. */
  smtp: boolean;
  servername: string;
  ca: string | null;
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

interface Rounds {
  /** Seconds of every round, in order. */
  seconds: number[];
  median: number;
  last: Timed;
  all: Timed[];
}

async function repeat(n: number, fn: (round: number) => Promise<Timed>): Promise<Rounds> {
  const all: Timed[] = [];
  for (let i = 0; i < n; i++) all.push(await fn(i));
  const seconds = all.map((r) => r.seconds);
  return { seconds, median: median(seconds), last: all[all.length - 1] as Timed, all };
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

/**
 * `openssl s_server` on 127.0.0.1 with `cert` and `extra` flags, once it accepts. Its stdin stays
 * open and its stdout is drained: without -www it echoes what clients send.
 */
async function sServer(dir: string, name: string, cert: PemPair, extra: string[], procs: ChildProcess[]): Promise<number> {
  const port = await freePort();
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, cert.certPem);
  writeFileSync(keyFile, cert.keyPem);
  const proc = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certFile, "-key", keyFile, ...extra], { stdio: ["pipe", "pipe", "ignore"] });
  procs.push(proc);
  await new Promise<void>((resolve, reject) => {
    let text = "";
    proc.stdout.on("data", (b: Buffer) => {
      if (text.length < 4096) text += b.toString("utf8");
      if (text.includes("ACCEPT")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`s_server ${name} exited with ${code}`)));
  });
  return port;
}

interface Row {
  target: string;
  sealpost: Rounds;
  /** Each round's own durationMs. */
  sealpostInProcessMs: number[];
  exitStatus: number;
  versions: TlsVersionName[] | null;
  worst: string;
  sslscan: Rounds | null;
  testssl: Rounds | null;
  sslscanAgrees: string;
  testsslAgrees: string;
  findings: ComparedItem[] | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      "testssl-runs": { type: "string", default: "1" },
      "no-testssl": { type: "boolean", default: false },
      "no-sslscan": { type: "boolean", default: false },
      "no-postfix": { type: "boolean", default: false },
      "no-sealpost": { type: "boolean", default: false },
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
  const inProcess: TestServer[] = [];
  let peers: PostfixPeers | null = null;
  let sealpost: SealpostServer | null = null;
  const cleanup = async (): Promise<void> => {
    for (const p of procs) p.kill();
    peers?.stop();
    peers = null;
    await Promise.all(inProcess.map((s) => s.close()));
    await sealpost?.remove();
    sealpost = null;
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    void cleanup().finally(() => process.exit(130));
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
    const dhFile = join(dir, "oakley2.pem");
    writeFileSync(dhFile, oakleyGroup2Pem());
    const tls = (name: string, port: number): Target => ({ name, port, smtp: false, servername: NAME, ca: caFile });
    const targets: Target[] = [
      tls("s_server TLS 1.2+", await sServer(dir, "modern", good, ["-min_protocol", "TLSv1.2"], procs)),
      tls("s_server TLS 1.0+", await sServer(dir, "legacy", good, ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"], procs)),
      tls("s_server expired cert", await sServer(dir, "expired", expired, ["-min_protocol", "TLSv1.2"], procs)),
      tls("s_server wrong name", await sServer(dir, "other", other, ["-min_protocol", "TLSv1.2"], procs)),
      tls("s_server weak groups", await sServer(dir, "groups", rsa, ["-dhparam", dhFile, "-groups", "secp192r1:X25519:P-256", "-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1.2"], procs)),
      tls("s_server TLS 1.2 reneg.", await sServer(dir, "reneg", rsa, ["-client_renegotiation", "-max_protocol", "TLSv1.2"], procs)),
    ];
    // A Node.js TLS 1.2 server as applications run it: an error (ERR_TLS_SESSION_ATTACK after its
    // 3 renegotiations) ends the connection. It lives in this process, which waits for the tools.
    const node = await startTlsServer({ cert: rsa.certPem, key: rsa.keyPem, maxVersion: "TLSv1.2" });
    inProcess.push(node);
    targets.push(tls("Node.js TLS 1.2 reneg.", node.port));
    // 3DES suites exist in libssl only when built with enable-weak-ssl-ciphers (Debian's is not).
    if (spawnSync("openssl", ["ciphers", "3DES@SECLEVEL=0"], { stdio: "ignore" }).status === 0) {
      targets.push(tls("s_server 3DES", await sServer(dir, "3des", rsa, ["-cipher", "DEFAULT:3DES@SECLEVEL=0", "-min_protocol", "TLSv1.2"], procs)));
    } else note("s_server 3DES skipped: this openssl has no 3DES suites (built without enable-weak-ssl-ciphers)");
    if (values["no-sealpost"]) note("Sealpost skipped (--no-sealpost)");
    else {
      sealpost = await startSealpostServer({ dirPrefix: "sealpost-bench-check-", maxConnections: 1000, seed: () => Promise.resolve(), listeners: ["imaps"], profileDir: undefined, note });
      targets.push({ name: "Sealpost IMAPS", port: sealpost.port("imaps"), smtp: false, servername: BENCH_HOSTNAME, ca: null });
    }
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
      const args = [CLI, "check", hostPort, "--servername", t.servername, ...(t.ca !== null ? ["--ca", t.ca] : []), "--json", ...(t.smtp ? ["--starttls", "smtp"] : [])];
      const sp = await repeat(runs, () => timed(process.execPath, args));
      const reports = sp.all.map((r) => JSON.parse(r.stdout) as CheckReport);
      const report = reports[reports.length - 1] as CheckReport;
      const ours = report.error === null ? report.protocols.filter((v) => v.offered).map((v) => v.version) : null;
      const worst = report.error ?? report.findings.find((f) => f.severity !== "info")?.id ?? "-";
      let sslscan: Rounds | null = null;
      let testssl: Rounds | null = null;
      let testsslJson: string | null = null;
      if (useSslscan) {
        note(`${t.name}: sslscan × ${runs}`);
        sslscan = await repeat(runs, () => timed(SSLSCAN, ["--no-colour", ...(t.smtp ? ["--starttls-smtp"] : []), hostPort]));
      }
      if (useTestssl) {
        note(`${t.name}: testssl.sh × ${testsslRuns} (a minute or two each)`);
        const jsonFile = (i: number): string => join(dir, `testssl-${rows.length}-${i}.json`);
        testssl = await repeat(testsslRuns, (i) => timed(TESTSSL, [...TESTSSL_SECTIONS, "--quiet", "--color", "0", "--warnings", "off", "--nodns", "none", "--jsonfile", jsonFile(i), ...(t.smtp ? ["--starttls", "smtp"] : []), hostPort]));
        testsslJson = existsSync(jsonFile(testsslRuns - 1)) ? readFileSync(jsonFile(testsslRuns - 1), "utf8") : null;
      }
      rows.push({
        target: t.name,
        sealpost: sp,
        sealpostInProcessMs: reports.map((r) => r.durationMs),
        exitStatus: sp.last.status,
        versions: ours,
        worst,
        sslscan,
        testssl,
        sslscanAgrees: sslscan === null ? "-" : agreement(ours, sslscanVersions(sslscan.last.stdout)),
        testsslAgrees: testssl === null ? "-" : agreement(ours, testsslVersions(testssl.last.stdout)),
        findings: testsslJson === null || report.error !== null ? null : compareFindings(report, parseTestsslJson(testsslJson)),
      });
    }
    printResults(rows, { runs, testsslRuns, useSslscan, json: values.json });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
  }
}

function printResults(rows: Row[], o: { runs: number; testsslRuns: number; useSslscan: boolean; json: boolean }): void {
  const faster = rows.every((r) => r.sslscan === null || r.sealpost.median < r.sslscan.median);
  const quick = rows.every((r) => r.sealpost.median < TARGET_SECONDS);
  if (o.json) {
    const plain = rows.map((r) => ({ ...r, sealpost: r.sealpost.seconds, sslscan: r.sslscan?.seconds ?? null, testssl: r.testssl?.seconds ?? null }));
    writeJson({ runs: o.runs, testsslRuns: o.testsslRuns, rows: plain, targets: { fasterThanSslscan: faster, underHalfSecond: quick } });
    return;
  }
  const s = (v: number | null | undefined): string => (v === null || v === undefined ? "-" : v.toFixed(2));
  out(`\nseconds per full check, every round (Sealpost as a CLI process, its own in-process time in brackets; testssl.sh: ${o.testsslRuns} run${o.testsslRuns === 1 ? "" : "s"})\n\n`);
  const rounds = Array.from({ length: o.runs }, (_, i) => `r${i + 1}`);
  const lines: string[][] = [];
  for (const r of rows) {
    lines.push([r.target, "sealpost", ...r.sealpost.seconds.map((x, i) => `${s(x)} (${((r.sealpostInProcessMs[i] ?? 0) / 1000).toFixed(2)})`), s(r.sealpost.median)]);
    if (r.sslscan !== null) lines.push(["", "sslscan", ...r.sslscan.seconds.map(s), s(r.sslscan.median)]);
    if (r.testssl !== null) lines.push(["", "testssl.sh", ...rounds.map((_, i) => s(r.testssl?.seconds[i])), s(r.testssl.median)]);
  }
  table(["target", "tool", ...rounds, "median"], lines);
  out("\nexit status, worst finding and protocol versions offered: Sealpost's against sslscan's and testssl.sh's\n\n");
  table(
    ["target", "exit", "worst finding", "sealpost versions", "sslscan agrees", "testssl agrees"],
    rows.map((r) => [r.target, String(r.exitStatus), r.worst, r.versions === null ? "(not checked)" : r.versions.join(" "), r.sslscanAgrees, r.testsslAgrees]),
  );
  const compared = rows.filter((r) => r.findings !== null);
  if (compared.length > 0) {
    out("\nfindings, testssl.sh next to Sealpost (items neither flags are counted, not listed)\n");
    for (const r of compared) {
      const items = r.findings ?? [];
      const shown = items.filter((i) => i.agreement !== "agree" || i.sealpost !== "-" || !/^(OK|INFO)\b|\(not reported\)/.test(i.testssl));
      out(`\n${r.target}: ${items.length - shown.length} more item(s) neither tool flags\n`);
      if (shown.length > 0) table(["item", "testssl.sh", "sealpost", ""], shown.map((i) => [i.item, i.testssl, i.sealpost, i.agreement]));
    }
    out("\nsummary: items per target where the tools agree, and where only one flags something\n\n");
    const count = (r: Row, a: string): string => String((r.findings ?? []).filter((i) => i.agreement === a).length);
    table(["target", "agree", "only Sealpost", "only testssl.sh", "no answer"], compared.map((r) => [r.target, count(r, "agree"), count(r, "only Sealpost"), count(r, "only testssl.sh"), count(r, "no answer")]));
  }
  out(`\nevery full check faster than sslscan: ${o.useSslscan ? verdict(faster) : "(sslscan not run)"}\n`);
  out(`every full check under ${TARGET_SECONDS} s on loopback (median of ${o.runs}): ${verdict(quick)}\n`);
}

runMain(main);
