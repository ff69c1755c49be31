/**
 * Certificates from ACME against Debian's pebble (RFC 8555, RFC 8737): with `[acme]` on, the
 * server orders a certificate for its host name and one for each hosted domain's mta-sts. and
 * autoconfig. names, validated by HTTP-01 on the port-80 listener or TLS-ALPN-01 on the web port,
 * and serves them by SNI — chained to pebble's root, as node:tls and openssl s_client verify. A
 * domain whose names point elsewhere fails alone (the host's certificate comes all the same), and
 * one without DNS names is not ordered. Port 80 answers nothing but pending challenges and the
 * redirect to HTTPS; the account key stays in its 0600 file and out of the log.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { eventually, prepareDataDir, startServer, startSealpost, type ServerHandle } from "./harness.ts";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { freePort } from "./postfix-peer.ts";
import { acmeSection, servedCertificate, startPebble, type Pebble } from "./support/pebble.ts";

const HOST = "mx.sealpost.test";
const HERE = ["127.0.0.1"];

let dns: DnsServer;
let pebble: Pebble;
let webPort: number;
let httpPort: number;

before(async () => {
  dns = await startDnsServer({
    [HOST]: { A: HERE },
    "mta-sts.example.test": { A: HERE },
    "autoconfig.example.test": { A: HERE },
    // Published, but at an address where this server does not listen: its validation fails.
    "mta-sts.elsewhere.test": { A: ["127.0.0.2"] },
    "autoconfig.elsewhere.test": { A: ["127.0.0.2"] },
  });
  [webPort, httpPort] = [await freePort(), await freePort()];
  pebble = await startPebble({ httpPort, tlsPort: webPort, dnsServer: dns.address });
});

after(async () => {
  await pebble.stop();
  await dns.close();
});

function start(challenge: string, domains: string[], http: boolean): Promise<ServerHandle> {
  return startSealpost({
    // The HTTP-01 test backs the directory up with its ACME files: `backup` copies a SQLite store only.
    sqlite: true,
    domains: domains.map((name) => ({ name })),
    settings: {
      "listeners.web": `port = ${webPort}`,
      "listeners.http": `port = ${httpPort}\nenabled = ${http}`,
      acme: acmeSection(pebble, `challenge = ${challenge}`),
      dns: `servers = ["${dns.address}"]`,
    },
  });
}

/** What `sealpost status --json` says of the ACME certificates. */
interface AcmeStatus {
  names: string[];
  phase: string;
  lastError: string | null;
  challenge: string | null;
  warning: boolean;
}
const acmeStatus = (h: ServerHandle): AcmeStatus[] => (JSON.parse(h.cli(["status", "--json"]).stdout) as { acme: AcmeStatus[] }).acme;

/** One request on port 80 with curl, not following redirects: status and Location. */
function curl(url: string): { status: number; location: string; body: string } {
  const r = spawnSync("curl", ["-s", "-o", "-", "-w", "\n%{http_code} %{redirect_url}", url], { encoding: "utf8", timeout: 10_000 });
  const lines = r.stdout.split("\n");
  const [status, location] = (lines.pop() ?? "").split(" ");
  return { status: Number(status), location: location ?? "", body: lines.join("\n") };
}

test("HTTP-01: the host's and a domain's certificates chain to pebble's root; a domain elsewhere fails alone; one without DNS is not ordered", { timeout: 180_000 }, async () => {
  const h = await start('["http-01"]', ["example.test", "elsewhere.test", "nodns.test"], false);
  try {
    // [acme] with http-01 runs port 80, though [listeners.http] enabled = false.
    assert.equal(h.ports["http"], httpPort, h.log());
    const host = await eventually(() => servedCertificate(webPort, HOST, pebble.root).catch(() => undefined), 90_000, () => `the host's certificate:\n${h.log()}`);
    assert.equal(host.subjectAltName, `DNS:${HOST}`);
    const domain = await eventually(() => servedCertificate(webPort, "autoconfig.example.test", pebble.root).catch(() => undefined), 90_000, "the domain's certificate");
    assert.equal(domain.subjectAltName, "DNS:mta-sts.example.test, DNS:autoconfig.example.test");
    assert.equal((await servedCertificate(webPort, "mta-sts.example.test", pebble.root)).fingerprint256, domain.fingerprint256);
    assert.match(h.log(), new RegExp(`certificate for ${HOST} issued \\(http-01\\)`));

    // openssl verifies the served chain (leaf + pebble's intermediate) against the root alone.
    const rootFile = join(tmpdir(), `pebble-root-${process.pid}.pem`);
    writeFileSync(rootFile, pebble.root);
    const s = spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${webPort}`, "-servername", HOST, "-verify_return_error", "-CAfile", rootFile, "-verify_hostname", HOST], {
      input: "",
      encoding: "utf8",
      timeout: 10_000,
    });
    assert.equal(s.status, 0, s.stdout + s.stderr);
    assert.match(s.stdout, /Verify return code: 0 \(ok\)/);

    // elsewhere.test's validation failed at 127.0.0.2 and waits its backoff; nodns.test was never ordered.
    const states = await eventually(() => {
      const a = acmeStatus(h);
      const done = a.find((x) => x.names.includes("mta-sts.elsewhere.test"))?.phase === "failing" && a.some((x) => x.names.includes("mta-sts.nodns.test"));
      return done ? a : undefined;
    }, 60_000, "elsewhere.test's failure and nodns.test's turn");
    const elsewhere = states.find((x) => x.names.includes("mta-sts.elsewhere.test"));
    assert.match(elsewhere?.lastError ?? "", /127\.0\.0\.2/);
    assert.equal(elsewhere?.warning, true);
    assert.deepEqual(
      states.map((x) => [x.names[0], x.phase, x.challenge]),
      [
        [HOST, "valid", "http-01"],
        ["mta-sts.elsewhere.test", "failing", null],
        ["mta-sts.example.test", "valid", "http-01"],
        ["mta-sts.nodns.test", "unpublished", null],
      ],
    );
    assert.doesNotMatch(pebble.log(), /nodns\.test/);
    const status = h.cli(["status"]);
    assert.equal(status.status, 1);
    assert.match(status.stdout, /problem: ACME certificate for mta-sts\.elsewhere\.test, autoconfig\.elsewhere\.test could not be ordered: .*127\.0\.0\.2/);

    // Port 80: a token nobody is validating is not found; everything else goes to HTTPS.
    assert.equal(curl(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/Zm9vYmFy`).status, 404);
    const redirect = curl(`http://127.0.0.1:${httpPort}/admin?x=1`);
    assert.deepEqual([redirect.status, redirect.location], [301, `https://${HOST}:${webPort}/admin?x=1`]);

    // The account key: made once, 0600, never in the log.
    const keyFile = join(h.dataDir, "acme/account.key");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(h.dataDir, `acme/certs/${HOST}.key`)).mode & 0o777, 0o600);
    const keyBody = readFileSync(keyFile, "utf8").split("\n")[1] ?? "";
    assert.ok(keyBody.length > 20 && !h.log().includes(keyBody));

    // A backup takes ACME's files along, so a restored server does not order anew.
    const backup = join(tmpdir(), `sealpost-acme-backup-${process.pid}`);
    try {
      const r = h.cli(["backup", backup]);
      assert.equal(r.status, 0, r.stderr);
      const files = (JSON.parse(readFileSync(join(backup, "manifest.json"), "utf8")) as { files: string[] }).files;
      for (const f of ["acme/account.key", "acme/state.json", `acme/certs/${HOST}.pem`, `acme/certs/${HOST}.key`]) assert.ok(files.includes(f), `${f} in ${files.join(", ")}`);
      assert.equal(statSync(join(backup, "acme/account.key")).mode & 0o777, 0o600);
    } finally {
      rmSync(backup, { recursive: true, force: true });
    }
  } finally {
    await h.cleanup();
  }
});

test("TLS-ALPN-01 on the web port: the certificate comes without port 80; a hello offering acme-tls/1 outside a challenge gets the ordinary handshake", { timeout: 180_000 }, async () => {
  const h = await start('["tls-alpn-01"]', ["example.test"], false);
  try {
    assert.equal(h.ports["http"], undefined, "no port-80 listener without http-01");
    const host = await eventually(() => servedCertificate(webPort, HOST, pebble.root).catch(() => undefined), 90_000, () => `the host's certificate:\n${h.log()}`);
    assert.equal(host.subjectAltName, `DNS:${HOST}`);
    assert.match(h.log(), new RegExp(`certificate for ${HOST} issued \\(tls-alpn-01\\)`));
    await eventually(() => servedCertificate(webPort, "mta-sts.example.test", pebble.root).catch(() => undefined), 90_000, "the domain's certificate");

    // No challenge is pending now: "acme-tls/1" is not negotiated and the served certificate is the real one.
    const alpn = await new Promise<string | false | null>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port: webPort, servername: HOST, ca: pebble.root, ALPNProtocols: ["acme-tls/1"] }, () => {
        resolve(s.alpnProtocol);
        s.destroy();
      });
      s.on("error", reject);
    });
    assert.equal(alpn, false);
    assert.equal((await servedCertificate(webPort, HOST, pebble.root, ["acme-tls/1"])).fingerprint256, host.fingerprint256);
  } finally {
    await h.cleanup();
  }
});

test("[acme] is off unless asked for, and its settings are checked at start", { timeout: 60_000 }, async () => {
  const off = await startSealpost({ settings: { acme: `directory_url = "${pebble.directoryUrl}"` } });
  try {
    assert.equal(off.ports["http"], undefined);
    assert.equal(existsSync(join(off.dataDir, "acme")), false);
    assert.doesNotMatch(off.log(), /acme/);
  } finally {
    await off.cleanup();
  }
  const dir = prepareDataDir({ settings: { acme: 'enabled = true\nchallenge = ["tls-alpn-01"]', "listeners.web": "enabled = false" } });
  try {
    await assert.rejects(startServer(dir), /acme\.challenge: tls-alpn-01 is answered on the web listener, which is off/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
