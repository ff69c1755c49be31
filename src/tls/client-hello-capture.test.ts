// Real ClientHellos: a plain TCP server captures the first bytes that Node's TLS
// client and `openssl s_client` send, and parseClientHello must read them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import tls from "node:tls";
import { offeredVersions, parseClientHello, summarizeHello, type ClientHello } from "./client-hello.ts";

/** Starts a client against a capturing server; resolves with the parsed hello. `start` returns a stopper. */
async function capture(start: (port: number) => () => void): Promise<{ hello: ClientHello; consumed: number; bytes: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  let stop = (): void => {};
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no ClientHello within 10 s")), 10_000);
      server.on("connection", (socket) => {
        let buf = Buffer.alloc(0);
        socket.on("error", () => {});
        socket.on("data", (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          const p = parseClientHello(buf);
          if (p.kind === "incomplete") return;
          clearTimeout(timer);
          socket.destroy();
          if (p.kind === "hello") resolve({ hello: p.hello, consumed: p.consumed, bytes: buf.length });
          else reject(new Error(`${p.kind}: ${p.reason}`));
        });
      });
      stop = start(port);
    });
  } finally {
    stop();
    server.close();
  }
}

function nodeClient(opts: tls.ConnectionOptions): (port: number) => () => void {
  return (port) => {
    const socket = tls.connect({ ...opts, host: "127.0.0.1", port });
    socket.on("error", () => {});
    return () => socket.destroy();
  };
}

function opensslClient(args: string[]): (port: number) => () => void {
  return (port) => {
    const child = spawn("/usr/bin/openssl", ["s_client", "-connect", `127.0.0.1:${port}`, ...args], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.on("error", () => {});
    return () => child.kill();
  };
}

test("Node client, TLS 1.2 only", async () => {
  const ciphers = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";
  const c = await capture(nodeClient({ minVersion: "TLSv1.2", maxVersion: "TLSv1.2", ciphers, servername: "mx.example.org", ALPNProtocols: ["smtp"] }));
  assert.equal(c.consumed, c.bytes);
  assert.equal(c.hello.legacyVersion, 0x0303);
  assert.deepEqual(c.hello.supportedVersions, []); // OpenSSL sends it only when TLS 1.3 is enabled
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  assert.deepEqual(c.hello.cipherSuites.filter((s) => s !== 0x00ff), [0xc02f, 0xc030]);
  assert.equal(c.hello.sni, "mx.example.org");
  assert.deepEqual(c.hello.alpn, ["smtp"]);
  assert.equal(c.hello.hasRenegotiationInfo, true);
});

test("Node client, TLS 1.3 only", async () => {
  const c = await capture(nodeClient({ minVersion: "TLSv1.3", maxVersion: "TLSv1.3", servername: "imap.example.org", ALPNProtocols: ["imap"] }));
  assert.deepEqual(c.hello.supportedVersions, [0x0304]);
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1.3"]);
  assert.deepEqual([...c.hello.cipherSuites].sort(), [0x1301, 0x1302, 0x1303]);
  assert.ok(c.hello.extensions.includes(51), "key_share");
  assert.equal(c.hello.sni, "imap.example.org");
  assert.deepEqual(c.hello.alpn, ["imap"]);
  assert.equal(summarizeHello(c.hello).maxVersion, "TLSv1.3");
});

test("Node client, TLS 1.0 to 1.3", async () => {
  const c = await capture(nodeClient({ minVersion: "TLSv1", maxVersion: "TLSv1.3", ciphers: "DEFAULT@SECLEVEL=0", servername: "mx.example.org" }));
  assert.deepEqual(c.hello.supportedVersions, [0x0304, 0x0303, 0x0302, 0x0301]);
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
  assert.ok(c.hello.cipherSuites.includes(0x1301) && c.hello.cipherSuites.includes(0xc02f) && c.hello.cipherSuites.includes(0x002f));
  assert.deepEqual(summarizeHello(c.hello).weakSuites, []);
});

test("Node client, TLS 1.0 only", async () => {
  const c = await capture(nodeClient({ minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0", servername: "old.example.org" }));
  assert.equal(c.hello.legacyVersion, 0x0301);
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1"]);
  assert.ok(!c.hello.cipherSuites.includes(0x1301));
  assert.equal(c.hello.sni, "old.example.org");
});

test("openssl s_client -tls1", async () => {
  const c = await capture(opensslClient(["-tls1", "-cipher", "DEFAULT@SECLEVEL=0", "-noservername"]));
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1"]);
  assert.equal(c.hello.sni, undefined);
  assert.ok(c.hello.cipherSuites.includes(0xc014) && c.hello.cipherSuites.includes(0x002f));
  assert.ok(c.hello.cipherSuites.includes(0x00ff), "OpenSSL signals renegotiation by SCSV");
});

test("openssl s_client -tls1_1", async () => {
  const c = await capture(opensslClient(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]));
  assert.equal(c.hello.legacyVersion, 0x0302);
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1", "TLSv1.1"]);
});

test("openssl s_client -tls1_3 -servername -alpn", async () => {
  const c = await capture(opensslClient(["-tls1_3", "-servername", "mail.example.net", "-alpn", "smtp,imap"]));
  assert.deepEqual(offeredVersions(c.hello), ["TLSv1.3"]);
  assert.deepEqual(c.hello.cipherSuites.filter((s) => s !== 0x00ff).sort(), [0x1301, 0x1302, 0x1303]);
  assert.equal(c.hello.sni, "mail.example.net");
  assert.deepEqual(c.hello.alpn, ["smtp", "imap"]);
  assert.ok(c.hello.supportedGroups.includes(0x001d));
  assert.ok(c.hello.signatureAlgorithms.includes(0x0804));
});

test("openssl s_client default (TLS 1.0-1.3 range depends on config, 1.3 is always offered)", async () => {
  const c = await capture(opensslClient(["-servername", "x.example"]));
  assert.equal(c.hello.supportedVersions[0], 0x0304);
  assert.equal(offeredVersions(c.hello).at(-1), "TLSv1.3");
  assert.ok(offeredVersions(c.hello).includes("TLSv1.2"));
  assert.equal(c.hello.sni, "x.example");
});
