/**
 * `sealpost check` end to end through the CLI: argument errors (one line, status 2), the port →
 * protocol mapping, --json against the schema and the exit statuses against `openssl s_server`,
 * and `--mx` against two Sealpost MX instances (127.0.0.2 and 127.0.0.3 on one port) found
 * through the test DNS server, with an MTA-STS policy on a local HTTPS server and DANE once the
 * server marks the TLSA answers authentic (AD). Every DNS query goes to a resolver given with --dns.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECK_SCHEMA, MX_SCHEMA, validateAgainstSchema, type CheckReport, type MxReport } from "../src/check/index.ts";
import { startPolicyServer, type PolicyServer } from "./support/https-test-server.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import { startDnsServer, type DnsServer, type Zone } from "./dns-server.ts";
import { prepareDataDir, startSealpost, startServer, type ServerHandle } from "./harness.ts";
import { freePort } from "./postfix-peer.ts";
import { runCheck as check, type CheckRun } from "./support/check-cli.ts";

let dir: string;
let ca: PemPair;
let dns: DnsServer;
const servers: ChildProcess[] = [];

function oneLineError(r: CheckRun, pattern: RegExp): void {
  assert.equal(r.status, 2, `exit status 2, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0] ?? "", pattern);
  assert.equal(r.stdout, "");
}

function save(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `openssl s_server` on 127.0.0.1 with `cert`, waiting until it accepts. */
async function sServer(cert: PemPair, extra: string[]): Promise<number> {
  const port = await freePort();
  const certFile = save(`s${port}.pem`, cert.certPem);
  const keyFile = save(`s${port}.key`, cert.keyPem);
  const proc = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certFile, "-key", keyFile, "-www", ...extra], { stdio: ["pipe", "pipe", "pipe"] });
  servers.push(proc);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 10_000);
    proc.stdout?.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      if (out.includes("ACCEPT")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => reject(new Error(`s_server exited with ${code}: ${out}`)));
  });
  return port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-check-cli-"));
  ca = await generateCa({ name: "Sealpost check test CA" });
  save("ca.pem", ca.certPem);
  dns = await startDnsServer({ "known.check.test": { A: ["127.0.0.1"] } });
});

after(async () => {
  for (const p of servers) p.kill();
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

test("argument errors: one line naming the problem, exit status 2", async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /check: TARGET \(host\[:port\]\) or --mx DOMAIN is required/],
    [["127.0.0.1:99999"], /TARGET: port "99999" is not a number from 1 to 65535/],
    [["mail.example.test:smtp"], /TARGET: port "smtp" is not a number/],
    [["not a host"], /TARGET: "not a host" is not a host name or IP address/],
    [["127.0.0.1:25", "--starttls", "ftp"], /--starttls: expected smtp, imap or pop3, got "ftp"/],
    [["127.0.0.1", "--mx", "example.test"], /give TARGET or --mx DOMAIN, not both/],
    [["--mx", "example.test", "--starttls", "smtp"], /--starttls: not with --mx/],
    [["--mx", "-not-a-domain-"], /--mx: "-not-a-domain-" is not a domain name/],
    [["127.0.0.1", "--dns", "resolver.test:53"], /--dns: expected ADDR or ADDR:PORT/],
    [["127.0.0.1", "--timeout", "soon"], /--timeout: expected an integer/],
    [["127.0.0.1", "--mx-port", "0"], /--mx-port: expected an integer from 1 to 65535/],
    [["127.0.0.1", "--ca", join(dir, "missing.pem")], /--ca .*missing\.pem: cannot read it \(ENOENT\)/],
    [["127.0.0.1", "--bogus"], /unknown option '--bogus'/],
  ];
  const runs = await Promise.all(cases.map(([args]) => check(args)));
  for (const [i, r] of runs.entries()) oneLineError(r, cases[i]?.[1] ?? /never/);
});

test("through the CLI: the port picks the protocol, --starttls overrides it, default port 25", async () => {
  // The name does not resolve (NXDOMAIN from the test server), so nothing is contacted and the
  // report says which target and protocol the check would have used (exit status 2).
  const cases: Array<[string[], number, string]> = [
    [["nxdomain.check.test"], 25, "smtp"],
    [["nxdomain.check.test:587"], 587, "smtp"],
    [["nxdomain.check.test:143"], 143, "imap"],
    [["nxdomain.check.test:110"], 110, "pop3"],
    [["nxdomain.check.test:995"], 995, "tls"],
    [["nxdomain.check.test:2525", "--starttls", "smtp"], 2525, "smtp"],
  ];
  for (const [args, port, access] of cases) {
    const r = await check([...args, "--dns", dns.address, "--json", "--timeout", "2000"]);
    assert.equal(r.status, 2, r.stderr);
    const report = JSON.parse(r.stdout) as CheckReport;
    assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, report), []);
    assert.deepEqual([report.target.port, report.target.access, report.target.servername], [port, access, "nxdomain.check.test"]);
    assert.match(report.error ?? "", /cannot resolve nxdomain\.check\.test/);
    assert.match(r.stderr, /^sealpost: check nxdomain\.check\.test:\d+: cannot resolve/);
  }
});

test("a port without --starttls that greets in plaintext (Sealpost's MX, IMAP and POP3 on test ports) is checked through its STARTTLS", async () => {
  const h = await startSealpost();
  try {
    const cases: Array<[number, string, RegExp]> = [
      [h.mxPort, "smtp", /^220 /],
      [h.ports.imap, "imap", /^\* OK/],
      [h.ports.pop3, "pop3", /^\+OK/],
    ];
    for (const [port, protocol, greeting] of cases) {
      const r = await check([`127.0.0.1:${port}`, "--json", "--timeout", "5000"]);
      const report = JSON.parse(r.stdout) as CheckReport;
      assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, report), []);
      assert.equal(report.error, null, r.stderr);
      assert.equal(report.target.access, protocol);
      assert.equal(report.starttls?.offered, true);
      assert.deepEqual(report.protocols.filter((p) => p.offered).map((p) => p.version), ["TLSv1.2", "TLSv1.3"]);
      const f = report.findings.find((x) => x.id === "plaintext-greeting");
      assert.equal(f?.severity, "info", JSON.stringify(report.findings));
      assert.match(f?.title ?? "", new RegExp(`^Port ${port} speaks ${protocol.toUpperCase()} in plaintext`));
      assert.match(f?.detail ?? "", new RegExp(`greets in plaintext \\("${greeting.source.slice(1)}.*--starttls ${protocol}`));
      assert.ok(!report.findings.some((x) => x.id === "no-tls"), "no 'No TLS handshake succeeded'");
    }
    // The human report says it in its verdict: a mail server port over STARTTLS, not "not a mail server port".
    const human = await check([`127.0.0.1:${h.mxPort}`]);
    assert.match(human.stdout, new RegExp(`^sealpost check 127\\.0\\.0\\.1:${h.mxPort}, SMTP STARTTLS`, "m"));
    assert.doesNotMatch(human.stdout, /not a mail server port/);
    // Implicit TLS ports are checked as they are.
    const imaps = JSON.parse((await check([`127.0.0.1:${h.ports.imaps}`, "--json"])).stdout) as CheckReport;
    assert.equal(imaps.target.access, "tls");
    assert.ok(!imaps.findings.some((x) => x.id === "plaintext-greeting"));
  } finally {
    await h.cleanup();
  }
});

test("--json validates against the schema; exit 0 for TLS 1.2+ with a trusted certificate, 1 with TLS 1.0, 2 for a closed port", async () => {
  const leaf = await generateSelfSigned({ hostnames: ["known.check.test"], issuer: ca });
  const modern = await sServer(leaf, ["-min_protocol", "TLSv1.2"]);
  const legacy = await sServer(leaf, ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"]);
  const caFile = join(dir, "ca.pem");

  // The host name resolves through --dns; the certificate is checked against it.
  const ok = await check([`known.check.test:${modern}`, "--dns", dns.address, "--ca", caFile, "--json"]);
  const okReport = JSON.parse(ok.stdout) as CheckReport;
  assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, okReport), []);
  assert.equal(ok.status, 0, JSON.stringify(okReport.findings));
  assert.deepEqual([okReport.target.address, okReport.target.access, okReport.certificate?.trusted], ["127.0.0.1", "tls", true]);
  assert.deepEqual(okReport.protocols.filter((v) => v.offered).map((v) => v.version), ["TLSv1.2", "TLSv1.3"]);

  const old = await check([`127.0.0.1:${legacy}`, "--servername", "known.check.test", "--ca", caFile, "--json"]);
  const oldReport = JSON.parse(old.stdout) as CheckReport;
  assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, oldReport), []);
  assert.equal(old.status, 1);
  assert.ok(oldReport.protocols.some((v) => v.version === "TLSv1" && v.offered));
  assert.equal(oldReport.target.servername, "known.check.test");

  // Without --ca the same server is untrusted: a problem, not a failure to check.
  const untrusted = await check([`127.0.0.1:${modern}`, "--servername", "known.check.test", "--json"]);
  assert.equal(untrusted.status, 1);
  assert.equal((JSON.parse(untrusted.stdout) as CheckReport).certificate?.trusted, false);

  const closed = await check([`127.0.0.1:${await freePort()}`, "--json"]);
  assert.equal(closed.status, 2);
  const closedReport = JSON.parse(closed.stdout) as CheckReport;
  assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, closedReport), []);
  assert.notEqual(closedReport.error, null);
  assert.equal(closed.stderr.trimEnd().split("\n").length, 1);

  // The readable table: no colour when stdout is not a terminal, no progress when stderr is not.
  const table = await check([`127.0.0.1:${modern}`, "--servername", "known.check.test", "--ca", caFile]);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /TLS 1\.2 +✓ offered/);
  assert.doesNotMatch(table.stdout + table.stderr, /\x1b\[/);
  assert.equal(table.stderr, "");
});

test("--mx: both MX hosts checked, MTA-STS policy and TLS-RPT reported, DANE through a validating resolver", async () => {
  const mxPort = await freePort();
  const hosts = ["mx1.mxcheck.test", "mx2.mxcheck.test"];
  const certs = await Promise.all(hosts.map((h) => generateSelfSigned({ hostnames: [h], issuer: ca })));
  const start = async (i: number): Promise<ServerHandle> => {
    const data = prepareDataDir({ hostname: hosts[i], settings: { "listeners.mx": `address = "127.0.0.${i + 2}"\nport = ${mxPort}` } });
    const toml = join(data, "sealpost.toml");
    const c = certs[i] as PemPair;
    writeFileSync(toml, readFileSync(toml, "utf8").replace(/\[\[tls\.certificates\]\]\ncert = .*\nkey = .*\n/, `[[tls.certificates]]\ncert = "${save(`mx${i}.pem`, c.certPem)}"\nkey = "${save(`mx${i}.key`, c.keyPem)}"\n`));
    return startServer(data);
  };
  const mx: ServerHandle[] = [];
  let sts: PolicyServer | undefined;
  try {
    mx.push(...(await Promise.all([start(0), start(1)])));
    sts = await startPolicyServer(["mta-sts.mxcheck.test"], ca);
    sts.reply = { body: "version: STSv1\nmode: enforce\nmx: *.mxcheck.test\nmax_age: 604800\n" };
    const spki = (pem: string): Buffer => createHash("sha256").update(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" })).digest();
    const tlsa = (secure: boolean): Zone => ({
      "_25._tcp.mx1.mxcheck.test": { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: spki(certs[0]?.certPem ?? "") }], secure },
      "_25._tcp.mx2.mxcheck.test": { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: spki(certs[0]?.certPem ?? "") }], secure },
    });
    const zone: Zone = {
      // CAA at the parent: both MX host names find it by climbing (RFC 8659 §3).
      "mxcheck.test": { MX: [{ preference: 10, exchange: "mx1.mxcheck.test" }, { preference: 20, exchange: "mx2.mxcheck.test" }], CAA: [{ flags: 0, tag: "issue", value: "ca.mxcheck.test" }] },
      "mx1.mxcheck.test": { A: ["127.0.0.2"] },
      "mx2.mxcheck.test": { A: ["127.0.0.3"] },
      "_mta-sts.mxcheck.test": { TXT: ["v=STSv1; id=2026112301"] },
      "mta-sts.mxcheck.test": { A: ["127.0.0.1"] },
      "_smtp._tls.mxcheck.test": { TXT: ["v=TLSRPTv1; rua=mailto:tls-reports@mxcheck.test"] },
    };
    dns.setZone({ ...zone, ...tlsa(false) });
    const args = ["--mx", "mxcheck.test", "--mx-port", String(mxPort), "--mta-sts-port", String(sts.port), "--ca", join(dir, "ca.pem"), "--timeout", "5000"];

    // Nothing validated (no AD): DANE is not evaluated, and every MX passes.
    const r = await check([...args, "--dns", dns.address, "--json"]);
    const report = JSON.parse(r.stdout) as MxReport;
    assert.deepEqual(validateAgainstSchema(MX_SCHEMA, report), []);
    assert.equal(r.status, 0, `${r.stderr}\n${JSON.stringify(report.findings)}`);
    assert.deepEqual(report.hosts.map((h) => [h.host, h.address, h.report?.error, h.report?.target.servername, h.report?.starttls?.offered, h.mtaStsMatch]), [
      ["mx1.mxcheck.test", "127.0.0.2", null, "mx1.mxcheck.test", true, true],
      ["mx2.mxcheck.test", "127.0.0.3", null, "mx2.mxcheck.test", true, true],
    ]);
    assert.deepEqual(report.hosts.map((h) => h.report?.certificate?.nameChecks.every((n) => n.matches)), [true, true]);
    assert.deepEqual(report.mtaSts.policy, { mode: "enforce", mx: ["*.mxcheck.test"], maxAge: 604800 });
    assert.equal(report.mtaSts.id, "2026112301");
    assert.ok(sts.requests.some((q) => q.includes("/.well-known/mta-sts.txt")));
    assert.deepEqual(report.tlsRpt.rua, ["mailto:tls-reports@mxcheck.test"]);
    assert.deepEqual(report.hosts.map((h) => h.dane.status), ["not-validated", "not-validated"]);
    assert.deepEqual(report.hosts.map((h) => [h.caa.name, h.caa.records]), [["mxcheck.test", ['0 issue "ca.mxcheck.test"']], ["mxcheck.test", ['0 issue "ca.mxcheck.test"']]]);
    assert.ok(!report.findings.some((f) => f.id === "caa-missing"));
    assert.equal(report.verdict.text, "Mail from senders that require TLS 1.2 and a valid certificate will reach mxcheck.test: every MX passes (mx1.mxcheck.test, mx2.mxcheck.test).");
    assert.deepEqual(report.hosts.map((h) => h.report?.protocols.filter((v) => v.offered).map((v) => v.version)), [["TLSv1.2", "TLSv1.3"], ["TLSv1.2", "TLSv1.3"]]);

    // The TLSA records validated (AD): mx1's matches its key, mx2's (mx1's key) does not.
    dns.setZone({ ...zone, ...tlsa(true) });
    const d = await check([...args, "--dns", dns.address, "--json"]);
    const daneReport = JSON.parse(d.stdout) as MxReport;
    assert.deepEqual(daneReport.hosts.map((h) => h.dane.status), ["valid", "invalid"]);
    assert.equal(d.status, 1);
    assert.ok(daneReport.findings.some((f) => f.id === "dane-mismatch" && f.title.includes("mx2.mxcheck.test")));
    dns.setZone({ ...zone, ...tlsa(false) });

    // A policy that leaves out mx2: named in the findings and the table; exit status 1.
    sts.reply = { body: "version: STSv1\nmode: enforce\nmx: mx1.mxcheck.test\nmax_age: 604800\n" };
    const t = await check([...args, "--dns", dns.address]);
    assert.equal(t.status, 1, t.stderr);
    assert.match(t.stdout, /MX hosts\n.*PREF +HOST/);
    assert.match(t.stdout, /mx2\.mxcheck\.test +127\.0\.0\.3 +TLS 1\.3 +valid +pass +NO MATCH/);
    assert.match(t.stdout, /MTA-STS +id 2026112301, mode enforce, max_age 604800 s, mx mx1\.mxcheck\.test/);
    assert.match(t.stdout, /HIGH +MX mx2\.mxcheck\.test is not in the MTA-STS policy/);
    assert.match(t.stdout, /✓ Mail from senders .* every MX\s+passes \(mx1\.mxcheck\.test, mx2\.mxcheck\.test\)\. Senders that apply MTA-STS will not use\s+mx2\.mxcheck\.test/);
    assert.match(t.stdout, /── MX mx1\.mxcheck\.test/);
  } finally {
    await Promise.all(mx.map((h) => h.cleanup()));
    await sts?.close();
  }
});

test("--mx: a domain whose MX lookup fails cannot be checked (status 2); one without MX records is a finding (status 1)", async () => {
  dns.setZone({ "servfail.check.test": { servfail: true } });
  const r = await check(["--mx", "servfail.check.test", "--dns", dns.address, "--timeout", "1000", "--json"]);
  assert.equal(r.status, 2);
  assert.match((JSON.parse(r.stdout) as MxReport).error ?? "", /MX lookup for servfail\.check\.test failed/);
  assert.match(r.stderr, /^sealpost: check --mx servfail\.check\.test: MX lookup/);
  const none = await check(["--mx", "nothing.check.test", "--dns", dns.address, "--timeout", "1000"]);
  assert.equal(none.status, 1);
  assert.match(none.stdout, /HIGH +No MX records and no address/);
  assert.match(none.stdout, /will not reach\s+nothing\.check\.test: it has no MX records and no address/);
});
