/**
 * Running Sealpost as a service: `sealpost --version`, `sealpost status` against a running and a
 * stopped server, the bin/sealpost launcher on the machine's own PATH (Debian's Node 20 first), and
 * the systemd unit's settings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { SCHEMA, STANDARD_PORTS } from "../src/config/index.ts";
import { certificateSummary, generateSelfSigned, writeCertificateFiles } from "../src/tls/index.ts";
import { CLI, NODE, ROOT, prepareDataDir, python, startServer, type CliResult } from "./harness.ts";
import { freePort } from "./postfix-peer.ts";

const LAUNCHER = join(ROOT, "bin/sealpost");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
/** The machine's PATH, as an administrator's shell has it: without the node_modules/.bin npm puts first. */
const MACHINE_PATH = (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
  .split(delimiter)
  .filter((p) => !p.includes("node_modules"))
  .join(delimiter);

function run(cmd: string, args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): CliResult {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, PATH: MACHINE_PATH, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface StatusJson {
  ok: boolean;
  version: string;
  hostname: string;
  listeners: Array<{ name: string; address: string; port: number; state: string; error: string | null }>;
  queue: { messages: number; recipients: number; oldestCreatedAt: number | null; oldestAgeSeconds: number | null; paused: boolean };
  certificates: Array<{ file: string; subject: string | null; sans: string[]; notAfter: string | null; daysLeft: number | null; state: string }>;
  problems: string[];
}

test("sealpost --version and -V: the package's version and the Node.js it runs on", () => {
  for (const flag of ["--version", "-V"]) {
    const r = spawnSync(NODE, [CLI, flag], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, `sealpost ${VERSION} (Node.js ${process.version})\n`);
  }
  const help = spawnSync(NODE, [CLI, "--help"], { encoding: "utf8" });
  assert.match(help.stdout, /-V, --version\s+print the version and the Node\.js it runs\s+on/);
});

test("bin/sealpost on the machine's PATH runs on the pinned Node 24, and says nothing else", () => {
  const machineNode = run("node", ["--version"]);
  const launcher = run(LAUNCHER, ["--version"]);
  assert.equal(launcher.status, 0, launcher.stderr);
  assert.equal(launcher.stderr, "", "no EBADENGINE, no warning");
  assert.match(launcher.stdout, new RegExp(`^sealpost ${VERSION} \\(Node\\.js v24\\.`), `the machine's node is ${machineNode.stdout.trim()}`);
  // Through a symlink, as /usr/local/bin/sealpost would be.
  const dir = mkdtempSync(join(tmpdir(), "sealpost-ops-"));
  try {
    symlinkSync(LAUNCHER, join(dir, "sealpost"));
    const linked = run("sealpost", ["--version"], { PATH: `${dir}${delimiter}${MACHINE_PATH}` }, dir);
    assert.equal(linked.stderr, "");
    assert.match(linked.stdout, /\(Node\.js v24\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The entry point started by whatever `node` the shebang finds first (Debian's 20 here) runs itself on the pinned one.
  const direct = run(CLI, ["--version"]);
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stderr, "");
  assert.match(direct.stdout, /\(Node\.js v24\./, `the machine's node is ${machineNode.stdout.trim()}`);
  // npx from the clone, with an empty npm cache (as on a fresh machine): no EBADENGINE either.
  const cache = mkdtempSync(join(tmpdir(), "sealpost-ops-npm-"));
  try {
    const npx = run("npx", ["--offline", "sealpost", "--version"], { npm_config_cache: cache, npm_config_update_notifier: "false" });
    assert.equal(npx.status, 0, npx.stderr);
    assert.equal(npx.stderr, "");
    assert.match(npx.stdout, /\(Node\.js v24\./);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test("status: listeners, queue and certificate of a running server (exit 0), then of a stopped one (exit 1)", { timeout: 120_000 }, async () => {
  const dir = prepareDataDir({ domains: [{ name: "ops.test" }], users: [{ address: "alice@ops.test", password: "alice-password-1" }] });
  // Real ports (port 0 would be picked at start, and status could not know it).
  const path = join(dir, "sealpost.toml");
  let toml = readFileSync(path, "utf8");
  const ports: Record<string, number> = {};
  // Every listener `init` turns on (the HTTP redirect and the legacy endpoints are off until asked for).
  for (const name of Object.keys(STANDARD_PORTS).filter((n) => n !== "http" && !n.startsWith("legacy_"))) {
    // Free now, and not one already picked: two picks from the same range can be the same port.
    let port = await freePort();
    while (Object.values(ports).includes(port)) port = await freePort();
    ports[name] = port;
    toml = toml.replace(new RegExp(`(\\[listeners\\.${name}\\][^[]*?)^port = 0$`, "m"), `$1port = ${ports[name]}`);
  }
  writeFileSync(path, toml);
  const server = await startServer(dir);
  try {
    assert.deepEqual(server.ports, { ...server.ports, ...ports }, "the server listens where the config says");
    // One message to a remote recipient waits in the queue (DNS goes nowhere in tests: deferred).
    python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", ${ports.submissions}, context=ctx, timeout=20)
s.login("alice@ops.test", "alice-password-1")
s.sendmail("alice@ops.test", ["bob@remote.test", "carol@remote.test"], "From: alice@ops.test\\r\\nSubject: queued\\r\\n\\r\\nwaits\\r\\n")
s.quit()
`);
    const sessionsBefore = JSON.stringify((JSON.parse(server.cli(["tls-report", "--json"]).stdout) as { sessions: unknown }).sessions);

    const text = server.cli(["status"]);
    assert.equal(text.status, 0, `${text.stdout}\n${text.stderr}`);
    assert.equal(text.stderr, "");
    for (const [name, port] of Object.entries(ports)) assert.match(text.stdout, new RegExp(`^${name}\\s+127\\.0\\.0\\.1:${port}\\s+up$`, "m"));
    assert.match(text.stdout, /^queue: 1 message, 2 recipients pending, oldest queued \d+ (s|min) ago$/m);
    assert.match(text.stdout, /certs\/mx\.sealpost\.test\.pem\s+CN=mx\.sealpost\.test\s+DNS:mx\.sealpost\.test\s+\d{4}-\d\d-\d\d\s+82[45]$/m);
    assert.match(text.stdout, /^all is well$/m);

    assert.equal(server.cli(["queue", "pause"]).status, 0);
    const json = server.cli(["status", "--json"]);
    assert.equal(json.status, 0, json.stderr);
    const s = JSON.parse(json.stdout) as StatusJson;
    assert.equal(s.ok, true);
    assert.equal(s.version, `sealpost ${VERSION} (Node.js ${process.version})`);
    assert.equal(s.hostname, "mx.sealpost.test");
    assert.deepEqual(
      s.listeners.map((l) => [l.name, l.address, l.port, l.state, l.error]),
      Object.entries(ports).map(([name, port]) => [name, "127.0.0.1", port, "up", null]),
    );
    assert.equal(s.queue.messages, 1);
    assert.equal(s.queue.recipients, 2);
    assert.equal(s.queue.paused, true);
    assert.ok(s.queue.oldestAgeSeconds !== null && s.queue.oldestAgeSeconds >= 0 && typeof s.queue.oldestCreatedAt === "number");
    assert.equal(s.certificates.length, 1);
    const cert = s.certificates[0];
    assert.equal(cert?.subject, "CN=mx.sealpost.test");
    assert.deepEqual(cert?.sans, ["DNS:mx.sealpost.test"]);
    assert.equal(cert?.state, "ok");
    assert.ok(cert.daysLeft !== null && cert.daysLeft >= 824, String(cert.daysLeft));
    assert.deepEqual(s.problems, []);
    assert.match(server.cli(["status"]).stdout, /delivery paused \(sealpost queue resume\)/);

    // Asking for the status leaves no trace in the audit (no session, no handshake).
    const sessionsAfter = JSON.stringify((JSON.parse(server.cli(["tls-report", "--json"]).stdout) as { sessions: unknown }).sessions);
    assert.equal(sessionsAfter, sessionsBefore);

    // A certificate 5 days from its end: exit 1, and the one problem says so.
    const soon = await generateSelfSigned({ hostnames: ["mx.sealpost.test"], keyType: "ecdsa", notAfter: new Date(Date.now() + 5.5 * 86_400_000) });
    await writeCertificateFiles(join(dir, "certs"), "mx.sealpost.test", soon);
    const expiring = server.cli(["status"]);
    assert.equal(expiring.status, 1, expiring.stdout);
    assert.deepEqual(
      expiring.stdout.split("\n").filter((l) => l.startsWith("problem: ")),
      [`problem: certificate ${join(dir, "certs/mx.sealpost.test.pem")} expires in 5 days (${certificateSummary(soon.certPem).notAfter.toISOString().slice(0, 10)}): renew it, then: systemctl reload sealpost`],
    );
    const expired = await generateSelfSigned({ hostnames: ["mx.sealpost.test"], keyType: "ecdsa", notBefore: new Date(Date.now() - 30 * 86_400_000), notAfter: new Date(Date.now() - 1.5 * 86_400_000) });
    await writeCertificateFiles(join(dir, "certs"), "mx.sealpost.test", expired);
    const gone = JSON.parse(server.cli(["status", "--json"]).stdout) as StatusJson;
    assert.equal(gone.ok, false);
    assert.equal(gone.certificates[0]?.state, "expired");
    assert.equal(gone.certificates[0]?.daysLeft, -2);
    assert.match(gone.problems.join("\n"), /expired on \d{4}-\d\d-\d\d: clients refuse it/);

    // Stopped: every listener is down, exit 1, one line says what to look at.
    await writeCertificateFiles(join(dir, "certs"), "mx.sealpost.test", await generateSelfSigned({ hostnames: ["mx.sealpost.test"], keyType: "ecdsa", days: 90 }));
    await server.stop();
    const down = server.cli(["status", "--json"]);
    assert.equal(down.status, 1, down.stderr);
    const d = JSON.parse(down.stdout) as StatusJson;
    assert.equal(d.ok, false);
    assert.deepEqual(new Set(d.listeners.map((l) => l.state)), new Set(["down"]));
    assert.deepEqual(d.problems, ["no listener accepts connections (nothing listens there): is the server running? (systemctl status sealpost; journalctl -u sealpost)"]);
    assert.equal(d.certificates[0]?.state, "ok");
    assert.equal(d.queue.messages, 1, "the queue is read from the database, server or not");
  } finally {
    await server.cleanup();
  }
});

test("status: one listener down is named; a bad --data is one line with status 2", async () => {
  const dir = prepareDataDir();
  try {
    const path = join(dir, "sealpost.toml");
    const port = await freePort();
    writeFileSync(path, readFileSync(path, "utf8").replace(/(\[listeners\.pop3s\][^[]*?)^port = 0$/m, `$1port = ${port}`));
    const r = spawnSync(NODE, [CLI, "status", "--data", dir], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`^pop3s\\s+127\\.0\\.0\\.1:${port}\\s+down \\(nothing listens there\\)$`, "m"));
    assert.match(r.stdout, /^mx\s+127\.0\.0\.1:0\s+unchecked \(port 0: the server picks a free port at start\)$/m);
    assert.deepEqual(r.stdout.split("\n").filter((l) => l.startsWith("problem: ")), [`problem: listener pop3s (127.0.0.1:${port}) accepts no connections: nothing listens there`]);
    // A key the server could not read: the certificate cannot be used.
    writeFileSync(path, readFileSync(path, "utf8").replace(/^key = "certs\/mx\.sealpost\.test\.key"$/m, 'key = "certs/missing.key"'));
    const noKey = JSON.parse(spawnSync(NODE, [CLI, "status", "--data", dir, "--json"], { encoding: "utf8" }).stdout) as StatusJson;
    assert.equal(noKey.certificates[0]?.state, "unreadable");
    assert.ok(noKey.problems.includes(`certificate ${join(dir, "certs/mx.sealpost.test.pem")}: cannot read its key ${join(dir, "certs/missing.key")} (ENOENT)`), noKey.problems.join("\n"));
    const empty = mkdtempSync(join(tmpdir(), "sealpost-ops-empty-"));
    const bad = spawnSync(NODE, [CLI, "status", "--data", empty], { encoding: "utf8" });
    rmSync(empty, { recursive: true, force: true });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^sealpost: .*sealpost\.toml: not found \(run "sealpost init" first\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `Key=value` lines of a unit file, by key (a key may repeat). */
function parseUnit(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue;
    out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

test("the systemd unit: own user, one capability, read-only system, and a command that exists", () => {
  const unitPath = join(ROOT, "contrib/systemd/sealpost.service");
  const text = readFileSync(unitPath, "utf8");
  const unit = parseUnit(text);
  const one = (key: string): string => {
    const v = unit.get(key);
    assert.equal(v?.length, 1, `${key} once`);
    return v[0] ?? "";
  };
  assert.equal(one("User"), "sealpost");
  assert.equal(one("ExecStart"), "/opt/sealpost/bin/sealpost serve --data /var/lib/sealpost");
  assert.equal(one("AmbientCapabilities"), "CAP_NET_BIND_SERVICE");
  assert.equal(one("CapabilityBoundingSet"), "CAP_NET_BIND_SERVICE");
  assert.equal(one("NoNewPrivileges"), "yes");
  assert.equal(one("ProtectSystem"), "strict");
  assert.equal(one("ReadWritePaths"), "/var/lib/sealpost");
  assert.equal(one("StateDirectory"), "sealpost");
  assert.equal(one("PrivateTmp"), "yes");
  assert.equal(one("ProtectHome"), "yes");
  assert.equal(one("ExecReload"), "/bin/kill -HUP $MAINPID");
  assert.equal(one("KillSignal"), "SIGTERM");
  assert.equal(one("Restart"), "on-failure");
  assert.equal(one("WantedBy"), "multi-user.target");
  // serve's shutdown lets sessions finish for up to 30 s (server.ts) before systemd may SIGKILL.
  assert.ok(Number(one("TimeoutStopSec")) > 30, one("TimeoutStopSec"));
  // Every listener full, plus the files and outbound sessions beside them.
  const connections = SCHEMA.connections?.kind === "table" ? SCHEMA.connections.fields.max_connections : undefined;
  const maxConnections = connections?.kind === "int" ? (connections.default ?? 0) : 0;
  assert.ok(Number(one("LimitNOFILE")) >= Object.keys(STANDARD_PORTS).length * maxConnections + 1024, one("LimitNOFILE"));
  assert.doesNotMatch(text, /MemoryDenyWriteExecute=yes/, "V8's JIT needs writable code pages");

  // ExecStart's command, in the repository's layout (/opt/sealpost is a clone), is executable and knows `serve --data`.
  const [command, ...args] = one("ExecStart").split(" ");
  const inRepo = join(ROOT, (command ?? "").replace(/^\/opt\/sealpost\//, ""));
  accessSync(inRepo, constants.X_OK);
  assert.deepEqual(args.slice(0, 2), ["serve", "--data"]);
  const help = run(inRepo, ["serve", "--help"]);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--data <dir>/);

  // systemd's own check, where systemd-analyze is installed (Debian's systemd package), on a copy that points at this clone.
  const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  if (analyze.status === 0) {
    const dir = mkdtempSync(join(tmpdir(), "sealpost-ops-unit-"));
    try {
      writeFileSync(join(dir, "sealpost.service"), text.replaceAll("/opt/sealpost/bin/sealpost", LAUNCHER));
      const verify = spawnSync("systemd-analyze", ["verify", join(dir, "sealpost.service")], { encoding: "utf8" });
      assert.equal(verify.status, 0, verify.stderr);
      assert.equal(verify.stderr.trim(), "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
