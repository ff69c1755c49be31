/**
 * TLS version floor on the MX (RFC 8996): `openssl s_client -starttls smtp` forced to TLS 1.0 or
 * 1.1 is refused, TLS 1.2 and 1.3 succeed; every outcome is in `tls-report --json`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { eventuallyInReport, tlsReport } from "./mailbox.ts";
import { permissiveOpensslConf, runTool, type ToolResult } from "./tls-client-env.ts";

let h: ServerHandle;
const results = new Map<string, ToolResult>();

/** s_client forced to one version; legacy suites allowed so that TLS 1.0/1.1 are really offered. */
function sClient(flag: string): Promise<ToolResult> {
  return runTool(
    "/usr/bin/openssl",
    ["s_client", "-starttls", "smtp", "-connect", `127.0.0.1:${h.mxPort}`, flag, "-cipher", "DEFAULT@SECLEVEL=0", "-servername", "mx.sealpost.test", "-crlf", "-ign_eof"],
    // -ign_eof: "QUIT" goes to the server (not s_client's own Q command); the server's close ends it.
    { input: "EHLO tls.client.test\nQUIT\n", timeoutMs: 15_000, env: { OPENSSL_CONF: permissiveOpensslConf() } },
  );
}

/** The "New, <version>, Cipher is <suite>" line s_client prints after the handshake. */
function negotiated(r: ToolResult): string | undefined {
  return /^New, ([^,]+), Cipher is (\S+)/m.exec(r.stdout)?.[1];
}

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }] });
  // All at once: two TLS 1.0 attempts (to see them grouped), one each of the others.
  const runs: Array<[string, string]> = [
    ["tls1-a", "-tls1"],
    ["tls1-b", "-tls1"],
    ["tls1_1", "-tls1_1"],
    ["tls1_2", "-tls1_2"],
    ["tls1_3", "-tls1_3"],
  ];
  const out = await Promise.all(runs.map(([, flag]) => sClient(flag)));
  runs.forEach(([name], i) => results.set(name, out[i] as ToolResult));
});
after(async () => {
  await h.cleanup();
});

function result(name: string): ToolResult {
  const r = results.get(name);
  assert.ok(r !== undefined, name);
  return r;
}

for (const [name, label] of [
  ["tls1-a", "TLS 1.0"],
  ["tls1_1", "TLS 1.1"],
] as const) {
  test(`s_client -starttls smtp with ${label} only is refused with a protocol_version alert`, () => {
    const r = result(name);
    const all = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, all);
    assert.equal(negotiated(r), "(NONE)", all);
    assert.doesNotMatch(r.stdout, /^New, TLSv1/m);
    // The server answered the ClientHello with alert 70 (protocol_version).
    assert.match(r.stderr, /alert protocol version|SSL alert number 70/, all);
    // No SMTP over the refused channel (the report test below shows the server saw the hello).
    assert.doesNotMatch(r.stdout, /^2\d\d[ -]/m);
  });
}

for (const [name, version] of [
  ["tls1_2", "TLSv1.2"],
  ["tls1_3", "TLSv1.3"],
] as const) {
  test(`s_client -starttls smtp with ${version} succeeds`, () => {
    const r = result(name);
    const all = r.stdout + r.stderr;
    assert.equal(r.status, 0, all);
    assert.equal(negotiated(r), version, all);
    if (version === "TLSv1.2") assert.match(r.stdout, /Protocol\s+: TLSv1\.2$/m, all);
    // Over TLS the EHLO gets a normal reply (without STARTTLS now), and QUIT a 221.
    assert.match(r.stdout, /^250-mx\.sealpost\.test\r?$/m, all);
    assert.match(r.stdout, /^250-SMTPUTF8\r?$/m, all);
    // RFC 8689 §2: REQUIRETLS is offered on TLS sessions only, last.
    assert.match(r.stdout, /^250 REQUIRETLS\r?$/m, all);
    assert.doesNotMatch(r.stdout, /^250-STARTTLS/m);
    assert.match(r.stdout, /^221 2\.0\.0 /m, all);
  });
}

test("tls-report --json lists each refused and each accepted handshake, with offered max and reason", async () => {
  const report = await eventuallyInReport(
    h,
    (r) => (r.handshakes.length >= 5 ? r : undefined),
    "five handshake events",
  );
  const refused = report.handshakes.filter((e) => e.outcome === "refused");
  const tls10 = refused.filter((e) => e.offeredMax === "TLSv1");
  const tls11 = refused.filter((e) => e.offeredMax === "TLSv1.1");
  assert.equal(tls10.length, 2, JSON.stringify(refused));
  assert.equal(tls11.length, 1, JSON.stringify(refused));
  for (const e of tls10) {
    assert.match(e.reason ?? "", /TLS 1\.0/);
    assert.equal(e.version, null);
    assert.equal(e.clientIp, "127.0.0.1");
    assert.equal(e.mode, "starttls");
    assert.equal(e.port, h.mxPort);
  }
  assert.match(tls11[0]?.reason ?? "", /TLS 1\.1/);

  const ok = report.handshakes.filter((e) => e.outcome === "ok");
  const okVersions = ok.map((e) => e.version).sort();
  assert.deepEqual(okVersions, ["TLSv1.2", "TLSv1.3"]);
  for (const e of ok) {
    assert.match(e.cipher ?? "", /^TLS_/);
    assert.equal(e.reason, null);
    assert.equal(e.sni, "mx.sealpost.test");
  }
  assert.equal(ok.find((e) => e.version === "TLSv1.3")?.offeredMax, "TLSv1.3");
  assert.equal(report.handshakes.length, 5, JSON.stringify(report.handshakes));
});

test("tls-report --json groups refused handshakes by offered max version and client", () => {
  const report = tlsReport(h);
  const groups = report.refusedHandshakes;
  assert.equal(groups.length, 2, JSON.stringify(groups));
  const g10 = groups.find((g) => g.offeredMax === "TLSv1");
  const g11 = groups.find((g) => g.offeredMax === "TLSv1.1");
  assert.ok(g10 !== undefined && g11 !== undefined, JSON.stringify(groups));
  assert.deepEqual({ clientIp: g10.clientIp, protocol: g10.protocol, count: g10.count }, { clientIp: "127.0.0.1", protocol: "smtp", count: 2 });
  assert.deepEqual({ clientIp: g11.clientIp, protocol: g11.protocol, count: g11.count }, { clientIp: "127.0.0.1", protocol: "smtp", count: 1 });
  assert.match(g10.reason ?? "", /TLS 1\.0/);
  assert.match(g11.reason ?? "", /TLS 1\.1/);
  // Sessions by negotiated version include both successful upgrades.
  const tlsSessions = report.sessions.filter((s) => s.tls === "TLSv1.2" || s.tls === "TLSv1.3").map((s) => s.tls).sort();
  assert.deepEqual(tlsSessions, ["TLSv1.2", "TLSv1.3"]);
});
