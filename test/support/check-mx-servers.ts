/**
 * For the `check --mx` tests: a validating-resolver stand-in — a UDP/TCP proxy on 127.0.0.1 in
 * front of test/dns-server.ts that sets the AD bit (RFC 4035 §3.2.3) on every answer when told to
 * (the test server itself never sets it) — and a minimal SMTP server offering STARTTLS
 * (RFC 3207) with a given certificate.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { TLSSocket, createSecureContext } from "node:tls";

const AD = 0x0020;

export interface AdProxy {
  /** "127.0.0.1:PORT" */
  address: string;
  port: number;
  /** Whether answers go out with AD set. */
  authentic: boolean;
  close(): Promise<void>;
}

function withAd(msg: Buffer, on: boolean): Buffer {
  const copy = Buffer.from(msg);
  if (copy.length >= 4) copy.writeUInt16BE(on ? copy.readUInt16BE(2) | AD : copy.readUInt16BE(2) & ~AD, 2);
  return copy;
}

/** Starts the proxy in front of `upstreamPort` (UDP and TCP on 127.0.0.1). */
export async function startAdProxy(upstreamPort: number, authentic = true): Promise<AdProxy> {
  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  const port = udp.address().port;
  const handle: AdProxy = { address: `127.0.0.1:${port}`, port, authentic, close };
  udp.on("message", (msg: Buffer, client: RemoteInfo) => {
    const up = createSocket("udp4");
    const timer = setTimeout(() => up.close(), 5000);
    up.on("message", (reply: Buffer) => {
      clearTimeout(timer);
      up.close();
      udp.send(withAd(reply, handle.authentic), client.port, client.address);
    });
    up.send(msg, upstreamPort, "127.0.0.1");
  });
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((client) => {
    const up = connect({ host: "127.0.0.1", port: upstreamPort });
    sockets.add(client).add(up);
    client.on("close", () => up.destroy());
    up.on("close", () => client.destroy());
    client.on("error", () => up.destroy());
    up.on("error", () => client.destroy());
    client.pipe(up);
    let buffered = Buffer.alloc(0);
    up.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 1035 §4.2.2: each message behind a two-byte length.
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const len = buffered.readUInt16BE(0);
        client.write(Buffer.concat([buffered.subarray(0, 2), withAd(buffered.subarray(2, 2 + len), handle.authentic)]));
        buffered = buffered.subarray(2 + len);
      }
    });
  });
  const ok = await new Promise<boolean>((resolve) => {
    tcp.once("error", () => resolve(false));
    tcp.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (!ok) {
    udp.close();
    return startAdProxy(upstreamPort, authentic);
  }
  async function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
  }
  return handle;
}

export interface TinySmtp {
  port: number;
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

/** An SMTP server that greets, answers EHLO with STARTTLS, and upgrades with `cert`/`key` (PEM). */
export async function startTinySmtp(cert: string, key: string): Promise<TinySmtp> {
  const context = createSecureContext({ cert, key, minVersion: "TLSv1.2" });
  const sockets = new Set<Socket>();
  const handle: TinySmtp = { port: 0, connections: 0, close };
  const server = createServer((socket) => {
    handle.connections++;
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.write("220 tiny.test ESMTP\r\n");
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString("latin1");
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim().toUpperCase();
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("EHLO")) socket.write("250-tiny.test\r\n250 STARTTLS\r\n");
        else if (line === "STARTTLS") {
          socket.off("data", onData);
          socket.write("220 go ahead\r\n");
          const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
          tls.on("error", () => socket.destroy());
          tls.on("data", (d: Buffer) => {
            if (d.toString("latin1").toUpperCase().startsWith("QUIT")) tls.end("221 bye\r\n");
            else tls.write("250 ok\r\n");
          });
          return;
        } else if (line === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  handle.port = (server.address() as AddressInfo).port;
  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(() => r()));
  }
  return handle;
}
