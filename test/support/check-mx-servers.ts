/**
 * For the `check --mx` tests: a minimal SMTP server offering STARTTLS (RFC 3207) with a given
 * certificate. (A validating resolver is test/dns-server.ts with `secure: true` on a name.)
 */
import { createServer, type AddressInfo, type Socket } from "node:net";
import { TLSSocket, createSecureContext } from "node:tls";

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
