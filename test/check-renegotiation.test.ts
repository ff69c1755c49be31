/**
 * Issue 9, "Done when": `sealpost check` reports client-initiated renegotiation on a server that
 * allows it, and not on ours — through the CLI with --json, against
 * - a Node.js TLS 1.2 server as applications usually run it (an error ends the connection):
 *   Node allows 3 renegotiations per connection, then refuses ("limited");
 * - a Node.js TLS 1.2 server whose application ignores that error, as Sealpost's transport did
 *   before commit 32c4e7b (finding 2: testssl.sh's secure_client_renego VULNERABLE): no limit;
 * - `openssl s_server -client_renegotiation`: no limit;
 * - a real Sealpost (test/harness.ts), on IMAPS and on the MX after STARTTLS: refused.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import tls from "node:tls";
import net from "node:net";
import type { CheckReport } from "../src/check/index.ts";
import { checkJson } from "./support/check-cli.ts";
import { startOpensslServer, startTlsServer, type TestServer } from "./support/check-targets.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../src/tls/index.ts";
import { startSealpost, type ServerHandle } from "./harness.ts";

let ca: PemPair;
let leaf: PemPair;
let sealpost: ServerHandle;
const servers: Array<{ close(): Promise<void> }> = [];

before(async () => {
  ca = await generateCa({ name: "Renegotiation Test CA", keyType: "rsa" });
  leaf = await generateSelfSigned({ hostnames: ["reneg.check.test"], issuer: ca, keyType: "rsa" });
  sealpost = await startSealpost({ domains: [{ name: "example.test" }] });
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sealpost.cleanup();
});

/** `sealpost check ARGS --json` in its own process; the report, which must carry no error. */
async function check(args: string[]): Promise<{ status: number; report: CheckReport }> {
  const r = await checkJson(args);
  assert.equal(r.report.error, null, r.stderr);
  return r;
}

const renegotiationFinding = (r: CheckReport): Array<[string, string]> => r.findings.filter((f) => f.id === "client-renegotiation").map((f) => [f.severity, f.title]);

/** A Node.js TLS 1.2 server; `onError` is what the application does with a connection's error. */
async function nodeServer(onError: "destroy" | "ignore"): Promise<TestServer> {
  const s = onError === "destroy" ? await startTlsServer({ cert: leaf.certPem, key: leaf.keyPem, maxVersion: "TLSv1.2" }) : await ignoringServer();
  servers.push(s);
  return s;
}

/** Like startTlsServer, but the application swallows every connection error and carries on. */
async function ignoringServer(): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem, maxVersion: "TLSv1.2" }, (s) => s.on("error", () => undefined));
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    servernames: [],
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test("a Node.js TLS 1.2 server as applications run it: 3 renegotiations per connection, then refused — reported as limited (low)", async () => {
  const s = await nodeServer("destroy");
  const { report } = await check([`127.0.0.1:${s.port}`, "--servername", "reneg.check.test"]);
  const r = report.features?.renegotiation;
  assert.deepEqual([r?.secure, r?.clientInitiated, r?.accepted], [true, "limited", 3], r?.detail);
  assert.deepEqual(renegotiationFinding(report), [["low", "Client-initiated renegotiation allowed, limited to 3 per connection"]]);
});

test("a Node.js TLS 1.2 server that ignores the renegotiation-attack error (Sealpost before 32c4e7b): no limit — medium, exit status 1", async () => {
  const s = await nodeServer("ignore");
  const { status, report } = await check([`127.0.0.1:${s.port}`, "--servername", "reneg.check.test"]);
  const r = report.features?.renegotiation;
  assert.deepEqual([r?.clientInitiated, r?.accepted], ["unlimited", 5], r?.detail);
  assert.deepEqual(renegotiationFinding(report), [["medium", "Client-initiated renegotiation allowed, with no limit seen"]]);
  assert.equal(status, 1);
});

test("openssl s_server -client_renegotiation: no limit — medium; its default (OpenSSL 3) refuses", async () => {
  const open = await startOpensslServer(leaf, ["-client_renegotiation", "-no_tls1_3"]);
  const closed = await startOpensslServer(leaf, ["-no_tls1_3"]);
  servers.push(open, closed);
  const allowed = (await check([`127.0.0.1:${open.port}`, "--servername", "reneg.check.test"])).report;
  assert.deepEqual([allowed.features?.renegotiation.clientInitiated, allowed.features?.renegotiation.accepted], ["unlimited", 5]);
  assert.deepEqual(renegotiationFinding(allowed).map(([severity]) => severity), ["medium"]);
  const refused = (await check([`127.0.0.1:${closed.port}`, "--servername", "reneg.check.test"])).report;
  assert.equal(refused.features?.renegotiation.clientInitiated, "refused", refused.features?.renegotiation.detail);
  assert.deepEqual(renegotiationFinding(refused), []);
});

test("Sealpost's own IMAPS and MX (after STARTTLS): client-initiated renegotiation refused, secure renegotiation signalled, no finding", async () => {
  const imaps = (await check([`127.0.0.1:${sealpost.ports.imaps}`])).report;
  const mx = (await check([`127.0.0.1:${sealpost.mxPort}`, "--starttls", "smtp"])).report;
  for (const report of [imaps, mx]) {
    const r = report.features?.renegotiation;
    assert.deepEqual([r?.secure, r?.clientInitiated, r?.accepted], [true, "refused", 0], r?.detail);
    assert.match(r?.detail ?? "", /refused on one TLS 1\.2 connection: refused \(no renegotiation\)/);
    assert.deepEqual(renegotiationFinding(report), []);
  }
});
