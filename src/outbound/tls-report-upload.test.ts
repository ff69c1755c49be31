import { test } from "node:test";
import assert from "node:assert/strict";
import { startPolicyServer, testCa } from "../../test/support/https-test-server.ts";
import type { Resolver } from "../dns/index.ts";
import { uploadReport } from "./tls-report-upload.ts";

/** A resolver whose every host has `addresses` (the DNS side is not what these tests are about). */
const resolving = (...addresses: string[]): Resolver => ({ mx: async () => [], txt: async () => [], addresses: async () => addresses });

const body = Buffer.from("gzipped report");

test("an https: rua on a loopback or private address is refused unless allowed, by name and as a literal, before connecting", async () => {
  const server = await startPolicyServer(["reports.example.test"]);
  try {
    const ca = [(await testCa()).certPem];
    const url = `https://reports.example.test:${server.port}/tlsrpt`;
    assert.deepEqual(await uploadReport(url, body, { resolver: resolving("127.0.0.1"), ca, allowPrivate: false }), {
      ok: false,
      error: "reports.example.test resolves to 127.0.0.1 (loopback), not a public address",
    });
    // One public address beside a private one does not make the answer usable.
    const mixed = await uploadReport(url, body, { resolver: resolving("192.0.3.7", "10.1.2.3"), ca, allowPrivate: false });
    assert.match(mixed.ok ? "" : mixed.error, /resolves to 10\.1\.2\.3 \(private\)/);
    assert.deepEqual(await uploadReport(`https://[::1]:${server.port}/tlsrpt`, body, { resolver: resolving(), ca, allowPrivate: false }), { ok: false, error: "::1 is not a public address (loopback)" });
    assert.deepEqual(server.requests, [], "nothing reached the server");
    // Allowed (tests, a receiver on one's own network): the POST goes, and a 2xx is success.
    server.reply = { status: 202 };
    assert.deepEqual(await uploadReport(url, body, { resolver: resolving("127.0.0.1"), ca, allowPrivate: true }), { ok: true, status: 202 });
    assert.deepEqual(server.requests, [`reports.example.test:${server.port} /tlsrpt`]);
  } finally {
    await server.close();
  }
});

test("a redirect or an error status is a failure; a certificate for another name, a server that never answers too", async () => {
  const server = await startPolicyServer(["reports.example.test"]);
  try {
    const ca = [(await testCa()).certPem];
    const o = { resolver: resolving("127.0.0.1"), ca, allowPrivate: true, timeoutMs: 500 };
    server.reply = { status: 301, headers: { location: "https://elsewhere.example.test/" } };
    assert.deepEqual(await uploadReport(`https://reports.example.test:${server.port}/`, body, o), { ok: false, error: "HTTP 301" });
    server.reply = { status: 503 };
    assert.deepEqual(await uploadReport(`https://reports.example.test:${server.port}/`, body, o), { ok: false, error: "HTTP 503" });
    const wrongName = await uploadReport(`https://other.example.test:${server.port}/`, body, o);
    assert.equal(wrongName.ok, false);
    assert.match(wrongName.ok ? "" : wrongName.error, /ERR_TLS_CERT_ALTNAME_INVALID/);
    server.reply = { hang: true };
    assert.deepEqual(await uploadReport(`https://reports.example.test:${server.port}/`, body, o), { ok: false, error: "timed out after 500 ms" });
  } finally {
    await server.close();
  }
});
