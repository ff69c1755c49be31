/**
 * For the MTA-STS tests: a test CA, and an HTTPS server on 127.0.0.1 serving a policy at
 * /.well-known/mta-sts.txt with a certificate for the names asked, counting requests.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { generateCa, generateSelfSigned, type PemPair } from "../../src/tls/index.ts";

export interface PolicyReply {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Accept the request and never answer. */
  hang?: boolean;
}

export interface PolicyServer {
  port: number;
  /** Requests seen, as "HOST PATH". */
  requests: string[];
  reply: PolicyReply;
  close(): Promise<void>;
}

export const POLICY =
  "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmx: *.mx.example.test\r\nmax_age: 86400\r\n";

let sharedCa: Promise<PemPair> | undefined;

/** One CA per test process (key generation is the slow part). */
export function testCa(): Promise<PemPair> {
  sharedCa ??= generateCa({ name: "Sealpost MTA-STS test CA" });
  return sharedCa;
}

/** Starts the server with a certificate for `hostnames`, issued by `issuer` (default: testCa()). */
export async function startPolicyServer(hostnames: string[], issuer?: PemPair): Promise<PolicyServer> {
  const leaf = await generateSelfSigned({ hostnames, issuer: issuer ?? (await testCa()) });
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const handle: PolicyServer = { port: 0, requests, reply: { body: POLICY }, close };
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.headers.host ?? ""} ${req.url ?? ""}`);
    const r = handle.reply;
    if (r.hang === true) return;
    res.writeHead(r.status ?? 200, { "content-type": r.contentType ?? "text/plain; charset=utf-8", ...r.headers });
    res.end(r.body ?? "");
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  handle.port = (server.address() as AddressInfo).port;
  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return handle;
}
