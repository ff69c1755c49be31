/**
 * The transport's TLS-ALPN-01 answer (RFC 8737 §3): a ClientHello offering "acme-tls/1" for a name
 * with a pending challenge gets the challenge's certificate and "acme-tls/1" negotiated, and the
 * server closes once the handshake is done, with no application data; every other hello — no ALPN,
 * another protocol, a name with nothing pending — gets the ordinary certificate and no ALPN.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { CertificateStore, generateSelfSigned, writeCertificateFiles } from "./certificates.ts";
import { effectivePolicy } from "./policy.ts";
import { TlsTransport, type TlsEvent } from "./transport.ts";

const POLICY = {
  minVersion: "TLSv1.2" as const,
  ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
  ciphersuites: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
};

const dir = mkdtempSync(join(tmpdir(), "sealpost-alpn-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  subject: string;
  alpn: string | false | null;
  /** What the server sent after the handshake before it closed (null: still open after 500 ms). */
  after: string | null;
}

test("acme-tls/1 for a pending name gets the challenge certificate and a closed connection; other hellos the ordinary one", { timeout: 30_000 }, async () => {
  const ordinary = await generateSelfSigned({ hostnames: ["pending.example.test", "other.example.test"] });
  const store = await CertificateStore.load([await writeCertificateFiles(dir, "ordinary", ordinary)], POLICY);
  const challenge = await generateSelfSigned({ hostnames: ["challenge.example.test"] });
  const challengeContext = tls.createSecureContext({ cert: challenge.certPem, key: challenge.keyPem });
  const asked: string[] = [];
  const events: TlsEvent[] = [];
  const transport = new TlsTransport({
    contextFor: (sni) => store.contextFor(sni),
    policy: () => effectivePolicy(POLICY),
    onEvent: (e) => events.push(e),
    handshakeTimeoutMs: () => 5000,
    alpnChallenge: (name) => {
      asked.push(name);
      return name.toLowerCase() === "pending.example.test" ? challengeContext : undefined;
    },
  });
  const results: Array<{ ok: boolean; reason?: string }> = [];
  const server = net.createServer((socket) => {
    void transport.accept(socket, { protocol: "web", port: 0, mode: "implicit" }).then((r) => {
      results.push(r.ok ? { ok: true } : { ok: false, reason: r.reason });
      if (r.ok) r.socket.write("hello\r\n");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const hello = (servername: string, ALPNProtocols?: string[]): Promise<Seen> =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false, ...(ALPNProtocols === undefined ? {} : { ALPNProtocols }) }, () => {
        const seen = { subject: s.getPeerX509Certificate()?.subject ?? "", alpn: s.alpnProtocol };
        let data = "";
        s.on("data", (b: Buffer) => (data += b.toString()));
        const timer = setTimeout(() => {
          s.destroy();
          resolve({ ...seen, after: null });
        }, 500);
        s.once("end", () => {
          clearTimeout(timer);
          s.destroy();
          resolve({ ...seen, after: data });
        });
      });
      s.once("error", reject);
    });
  try {
    assert.deepEqual(await hello("pending.example.test", ["acme-tls/1"]), { subject: "CN=challenge.example.test", alpn: "acme-tls/1", after: "" });
    assert.deepEqual(await hello("PENDING.example.test", ["h2", "acme-tls/1"]), { subject: "CN=challenge.example.test", alpn: "acme-tls/1", after: "" });
    const ordinarySeen = { subject: "CN=pending.example.test", alpn: false, after: null };
    assert.deepEqual(await hello("other.example.test", ["acme-tls/1"]), { ...ordinarySeen, subject: "CN=pending.example.test" });
    assert.deepEqual(await hello("pending.example.test", ["http/1.1"]), ordinarySeen);
    assert.deepEqual(await hello("pending.example.test"), ordinarySeen);
  } finally {
    server.close();
  }
  // Only hellos offering acme-tls/1 ask for a challenge (an ordinary handshake costs one look at its ALPN list).
  assert.deepEqual(asked, ["pending.example.test", "PENDING.example.test", "other.example.test"]);
  assert.deepEqual(
    results.map((r) => r.reason ?? "ok"),
    ["answered an ACME tls-alpn-01 validation (RFC 8737)", "answered an ACME tls-alpn-01 validation (RFC 8737)", "ok", "ok", "ok"],
  );
  assert.deepEqual(
    events.map((e) => [e.outcome, e.reason]),
    [
      ["ok", "answered an ACME tls-alpn-01 validation (RFC 8737)"],
      ["ok", "answered an ACME tls-alpn-01 validation (RFC 8737)"],
      ["ok", null],
      ["ok", null],
      ["ok", null],
    ],
  );
});
