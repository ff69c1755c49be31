// scanProtocols against scripted servers: an SSL 3.0-only server, an SSL 2.0 server, server and
// client cipher order, silence, unreachable targets, progress and abort.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { CheckOptions, ProtocolScan, Target } from "../types.ts";
import { CheckError, scanProtocols } from "./index.ts";
import { startFakeTlsServer, startScriptedServer, type FakeServer, type FakeTlsOptions } from "../../../test/support/check-fakes.ts";

const opts: CheckOptions = { timeoutMs: 5000, concurrency: 8, ca: [] };
const servers: FakeServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function target(port: number, servername: string | null = null): Target {
  return { host: "127.0.0.1", port, address: "127.0.0.1", servername, access: "tls" };
}

async function fake(o: FakeTlsOptions): Promise<FakeServer> {
  const s = await startFakeTlsServer(o);
  servers.push(s);
  return s;
}

const offered = (scan: ProtocolScan): string[] => scan.versions.filter((v) => v.offered).map((v) => v.version);

test("a server that answers every hello with an SSL 3.0 ServerHello offers SSL 3.0 and nothing else", async () => {
  const srv = await fake({ version: 0x0300 });
  const scan = await scanProtocols(target(srv.port), opts);
  assert.deepEqual(offered(scan), ["SSLv3"]);
  const tls12 = scan.versions.find((v) => v.version === "TLSv1.2");
  assert.match(tls12?.evidence ?? "", /^ServerHello SSL 3\.0 with TLS_\w+, not TLS 1\.2$/);
  assert.match(scan.versions.find((v) => v.version === "SSLv2")?.evidence ?? "", /^ServerHello SSL 3\.0/);
  assert.match(scan.versions.find((v) => v.version === "SSLv3")?.evidence ?? "", /^ServerHello SSL 3\.0 with /);
  assert.deepEqual(scan.ciphers.map((c) => c.version), ["SSLv3"]);
  // It takes whatever comes first, so every SSL 3.0 candidate (133 MD5/SHA-1 suites) is "accepted".
  assert.equal(scan.ciphers[0]?.suites.length, 133);
  assert.ok(scan.ciphers[0]?.suites.every((s) => !/GCM|SHA256|SHA384|CHACHA/.test(s.name)));
  assert.equal(scan.ciphers[0]?.serverOrder, false);
  assert.ok(scan.probes > 133);
});

test("SSL 3.0 with 3DES, RC4 and AES in the server's order: suites in that order, weaknesses named", async () => {
  const srv = await fake({ version: 0x0300, accept: [0x000a, 0x0005, 0x002f] });
  const scan = await scanProtocols(target(srv.port), opts);
  assert.deepEqual(offered(scan), ["SSLv3"]);
  const list = scan.ciphers[0];
  assert.equal(list?.serverOrder, true);
  assert.deepEqual(list?.suites.map((s) => s.name), ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"]);
  assert.deepEqual(list?.suites.map((s) => s.openssl), ["DES-CBC3-SHA", "RC4-SHA", "AES128-SHA"]);
  assert.deepEqual(list?.suites[0]?.weaknesses, ["3DES", "no-forward-secrecy", "CBC"]);
  assert.ok(list?.suites[1]?.weaknesses.includes("RC4"));
  // SSL 3.0 hellos carry no extensions (so no SNI) and signal secure renegotiation by SCSV.
  const sslv3Hellos = srv.hellos.filter((h) => !h.sslv2 && h.legacyVersion === 0x0300);
  assert.ok(sslv3Hellos.length >= 4);
  assert.ok(sslv3Hellos.every((h) => h.extensions.length === 0 && h.cipherSuites.includes(0x00ff)));
});

test("a warning alert (unrecognized_name) before the ServerHello does not hide the version", async () => {
  const srv = await fake({ version: 0x0303, accept: [0xc02f, 0x009c], warnFirst: true });
  const scan = await scanProtocols(target(srv.port, "other.example"), opts);
  assert.deepEqual(offered(scan), ["TLSv1.2"]);
  assert.deepEqual(scan.ciphers.find((c) => c.version === "TLSv1.2")?.suites.map((x) => x.code), [0xc02f, 0x009c]);
});

test("probes that get no answer (a connection limit ran out) are listed as gaps, not taken as refusals", async () => {
  const srv = await fake({ version: 0x0303, accept: [0xc02f, 0xc030, 0x009c, 0x009d], answerFirst: 3 });
  const scan = await scanProtocols(target(srv.port), { ...opts, timeoutMs: 300 });
  assert.ok(scan.gaps.length > 0, "gaps recorded");
  assert.ok(scan.gaps.every((g) => /no answer|timed out|timeout/i.test(g)), scan.gaps.join("; "));
});

test("client order: suites in table order, serverOrder false", async () => {
  const srv = await fake({ version: 0x0300, accept: [0x002f, 0x0005, 0x000a], serverOrder: false });
  const scan = await scanProtocols(target(srv.port), opts);
  const list = scan.ciphers[0];
  assert.equal(list?.serverOrder, false);
  assert.deepEqual(list?.suites.map((s) => s.code), [0x0005, 0x000a, 0x002f]);
});

test("one accepted suite: order unknown (null)", async () => {
  const srv = await fake({ version: 0x0300, accept: [0x0005] });
  const scan = await scanProtocols(target(srv.port), opts);
  assert.deepEqual(scan.ciphers[0]?.suites.map((s) => s.code), [0x0005]);
  assert.equal(scan.ciphers[0]?.serverOrder, null);
});

test("an SSL 2.0 server: SSLv2 offered with the cipher specs of its SERVER-HELLO", async () => {
  const srv = await fake({ version: 0x0300, accept: [], sslv2Specs: [0x010080, 0x0700c0] });
  const scan = await scanProtocols(target(srv.port), opts);
  assert.deepEqual(offered(scan), ["SSLv2"]);
  assert.equal(scan.versions[0]?.evidence, "SSLv2 SERVER-HELLO with 2 cipher specs");
  assert.equal(scan.versions.find((v) => v.version === "TLSv1.2")?.evidence, "handshake_failure alert");
  const v2 = scan.ciphers.find((c) => c.version === "SSLv2");
  assert.deepEqual(v2?.suites.map((s) => [s.code, s.name, s.openssl]), [
    [0x010080, "SSL_CK_RC4_128_WITH_MD5", "RC4-MD5"],
    [0x0700c0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "DES-CBC3-MD5"],
  ]);
  assert.ok(v2?.suites[1]?.weaknesses.includes("3DES"));
  assert.equal(v2?.serverOrder, null);
  assert.equal(scan.probes, 6);
  const hello = srv.hellos.find((h) => h.sslv2);
  assert.equal(hello?.legacyVersion, 0x0002);
  assert.equal(hello?.sslv2CipherSpecs.length, 8);
});

test("TLS hellos carry SNI when the target has a server name", async () => {
  const srv = await fake({ version: 0x0303, accept: [0xc02f] });
  const scan = await scanProtocols(target(srv.port, "mail.example.test"), opts);
  assert.deepEqual(offered(scan), ["TLSv1.2"]);
  const tlsHellos = srv.hellos.filter((h) => !h.sslv2 && h.legacyVersion !== 0x0300);
  assert.ok(tlsHellos.length >= 4);
  assert.ok(tlsHellos.every((h) => h.sni === "mail.example.test"));
});

test("a server that never answers: every version not offered (timeout), one timeout for the whole scan", async () => {
  const srv = await fake({ version: 0x0303, silent: true });
  const scan = await scanProtocols(target(srv.port), { ...opts, timeoutMs: 200 });
  assert.deepEqual(offered(scan), []);
  assert.ok(scan.versions.every((v) => v.evidence === "no answer within 200 ms (timeout)"), JSON.stringify(scan.versions));
  assert.equal(scan.probes, 6);
  assert.deepEqual(scan.ciphers, []);
});

test("nothing listening: the scan throws the connect error", async () => {
  const srv = await startScriptedServer(() => {});
  const port = srv.port;
  await srv.close();
  await assert.rejects(scanProtocols(target(port), opts), (e: unknown) => e instanceof CheckError && e.kind === "connect");
});

test("STARTTLS not offered: the scan throws starttls-not-offered", async () => {
  const srv = await startScriptedServer((s) => {
    s.write("220 plain ESMTP\r\n");
    s.on("data", (b: Buffer) => s.write(b.toString().startsWith("EHLO") ? "250 plain\r\n" : "502 5.5.1 unknown command\r\n"));
  });
  try {
    await assert.rejects(scanProtocols({ ...target(srv.port), access: "smtp" }, opts), (e: unknown) => e instanceof CheckError && e.kind === "starttls-not-offered");
  } finally {
    await srv.close();
  }
});

test("progress ends at done = total = probes; an abort stops the scan", async () => {
  const srv = await fake({ version: 0x0300, accept: [0x000a, 0x0005, 0x002f] });
  const calls: Array<[number, number, string]> = [];
  const scan = await scanProtocols(target(srv.port), { ...opts, onProgress: (d, t, w) => calls.push([d, t, w]) });
  assert.equal(calls.length, scan.probes);
  assert.deepEqual(calls.at(-1)?.slice(0, 2), [scan.probes, scan.probes]);
  assert.ok(calls.some(([, , w]) => w === "SSL 3.0 suites"));
  const ac = new AbortController();
  const p = scanProtocols(target(srv.port), { ...opts, signal: ac.signal, onProgress: () => ac.abort(new Error("cancelled by user")) });
  await assert.rejects(p, /cancelled by user/);
});
