/**
 * For the checker's tests: reports built from parts (a modern, clean server by default, each part
 * overridable), and loopback servers — node:tls, `openssl s_server`, and a small plain-TCP SMTP
 * server with STARTTLS that is safe, injection-vulnerable (answers a pipelined command inside
 * TLS at once, or only when more input arrives), or offers no STARTTLS.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { allSuites, ALL_VERSIONS, suiteWeaknesses, type PemPair, type TlsVersionName } from "../../src/tls/index.ts";
import {
  buildFindings,
  buildVerdicts,
  type CertificateInfo,
  type CheckOptions,
  type CheckReport,
  type CipherList,
  type FindingNotes,
  type ReportFacts,
  type SuiteResult,
  type Target,
  type TlsFeatures,
} from "../../src/check/index.ts";

export const NOW = new Date("2026-03-01T12:00:00.000Z");
const DAY = 86_400_000;

export function suite(iana: string): SuiteResult {
  const info = allSuites().find((s) => s.iana === iana);
  if (info === undefined) throw new Error(`no such suite ${iana}`);
  return { code: info.code, name: info.iana, openssl: info.openssl ?? null, weaknesses: suiteWeaknesses(info.code) };
}

export function versions(offered: readonly TlsVersionName[]): ReportFacts["protocols"] {
  return ALL_VERSIONS.map((v) => ({ version: v, offered: offered.includes(v), evidence: offered.includes(v) ? `ServerHello ${v}` : "handshake_failure alert" }));
}

export function cipherList(version: TlsVersionName, names: readonly string[], serverOrder: boolean | null = true): CipherList {
  return { version, suites: names.map(suite), serverOrder };
}

export const MODERN_CIPHERS: CipherList[] = [
  cipherList("TLSv1.2", ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]),
  cipherList("TLSv1.3", ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"], null),
];

export function certInfo(over: Partial<CertificateInfo> = {}): CertificateInfo {
  const notAfter = over.notAfter ?? new Date(NOW.getTime() + 200 * DAY).toISOString();
  return {
    subject: "CN=mx.example.net",
    issuer: "C=US, O=Let's Encrypt, CN=R11",
    names: ["mx.example.net"],
    notBefore: new Date(NOW.getTime() - 30 * DAY).toISOString(),
    notAfter,
    daysLeft: Math.floor((Date.parse(notAfter) - NOW.getTime()) / DAY),
    selfSigned: false,
    keyType: "EC",
    keyBits: 256,
    signatureAlgorithm: "sha256WithRSAEncryption",
    chain: [
      { subject: "CN=mx.example.net", issuer: "C=US, O=Let's Encrypt, CN=R11" },
      { subject: "C=US, O=Let's Encrypt, CN=R11", issuer: "C=US, O=Internet Security Research Group, CN=ISRG Root X1" },
    ],
    trusted: true,
    verifyError: null,
    nameChecks: [{ name: "mx.example.net", matches: true }],
    crlUrls: ["http://r11.c.lencr.org/12.crl"],
    ocspUrls: [],
    ...over,
  };
}

/** A modern server's features: renegotiation refused, nothing compressed, no heartbeat, TLS 1.2+ only. */
export function features(over: Partial<TlsFeatures> = {}): TlsFeatures {
  return {
    renegotiation: { secure: true, clientInitiated: "refused", accepted: 0, detail: "Secure renegotiation (RFC 5746) is signalled for TLS 1.2. Client-initiated renegotiation is refused." },
    compression: { offered: false, detail: "The server chose no compression, though DEFLATE was offered." },
    heartbeat: { extension: false, heartbleed: "not-vulnerable", detail: "The server does not offer the heartbeat extension." },
    fallbackScsv: { status: "not-applicable", detail: "No version below TLS 1.2 is offered, so there is nothing to fall back to." },
    resumption: { ids: false, tickets: true, detail: "By session ID: no. By ticket: yes." },
    keyExchange: { dhBits: null, dhGroup: null, weakCurves: [], detail: "No DHE suite accepted. No curve of 224 bits or less is accepted for ECDHE." },
    ocspStapling: { stapled: false, responseStatus: null, certStatus: null, detail: "The server staples no OCSP response; the certificate names no OCSP responder." },
    ...over,
  };
}

export function facts(over: Partial<ReportFacts> = {}): ReportFacts {
  return {
    schema: "sealpost-check/1",
    target: { host: "mx.example.net", port: 25, address: "192.0.2.25", servername: "mx.example.net", access: "smtp" },
    startedAt: NOW.toISOString(),
    durationMs: 1234,
    error: null,
    starttls: { protocol: "smtp", offered: true, injection: "not-vulnerable", detail: "A command pipelined after STARTTLS in the same packet was discarded, as it must be." },
    protocols: versions(["TLSv1.2", "TLSv1.3"]),
    ciphers: MODERN_CIPHERS,
    certificate: certInfo(),
    probes: 40,
    gaps: [],
    otherCertificates: [],
    features: features(),
    ...over,
  };
}

/** A whole report: the facts plus the findings and verdicts the rules give them. */
export function report(over: Partial<ReportFacts> = {}, notes: FindingNotes = {}): CheckReport {
  const f = facts(over);
  return { ...f, findings: buildFindings(f, notes), verdicts: buildVerdicts(f) };
}

export function options(over: Partial<CheckOptions> = {}): CheckOptions {
  return { timeoutMs: 5000, concurrency: 8, ca: [], ...over };
}

export function loopbackTarget(port: number, over: Partial<Target> = {}): Target {
  return { host: "mx.test", port, address: "127.0.0.1", servername: "mx.test", access: "tls", ...over };
}

export interface TestServer {
  port: number;
  /** The SNI names received, as the server read each ClientHello (a hello without SNI adds nothing). */
  servernames: string[];
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** A node:tls server (implicit TLS) that completes the handshake and waits for the client to leave (or an error). */
export async function startTlsServer(opts: tls.TlsOptions): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const handle: TestServer = { port: 0, servernames: [], connections: 0, close: () => Promise.resolve() };
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    handle.servernames.push(name);
    cb(null);
  };
  // As a Node.js application usually does, an error (e.g. ERR_TLS_SESSION_ATTACK after its 3
  // renegotiations) ends the connection; an ignored one would let renegotiation go on unlimited.
  const server = tls.createServer({ ...opts, SNICallback }, (s) => s.on("error", () => s.destroy()));
  server.on("connection", (s: net.Socket) => {
    handle.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  handle.port = await listen(server);
  handle.close = closer(server, sockets);
  return handle;
}

/** `openssl s_server` on 127.0.0.1 with the given certificate (and chain), until closed. */
export async function startOpensslServer(pem: PemPair, extraArgs: readonly string[] = [], chainPem?: string): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-check-openssl-"));
  writeFileSync(join(dir, "cert.pem"), pem.certPem);
  writeFileSync(join(dir, "key.pem"), pem.keyPem);
  const args = ["s_server", "-accept", "127.0.0.1:0", "-cert", join(dir, "cert.pem"), "-key", join(dir, "key.pem"), ...extraArgs];
  if (chainPem !== undefined) {
    writeFileSync(join(dir, "chain.pem"), chainPem);
    args.push("-cert_chain", join(dir, "chain.pem"));
  }
  const proc = spawn("openssl", args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b.toString("utf8");
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m?.[1] !== undefined) resolve(Number(m[1]));
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`openssl s_server exited (${code}): ${out}`)));
    proc.once("error", reject);
  });
  return {
    port,
    servernames: [],
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        proc.once("exit", () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}

export type FakeSmtpMode = "safe" | "vulnerable" | "lazy-vulnerable" | "no-starttls";

/**
 * A plain-TCP SMTP server. On STARTTLS it answers 220 and upgrades with
 * `new tls.TLSSocket(socket, { isServer: true })`. "safe" drops what followed STARTTLS in the
 * same buffer; "vulnerable" answers it with 250 inside TLS at once; "lazy-vulnerable" answers it
 * only when the next input arrives (a server that runs buffered commands on its next read);
 * "no-starttls" does not announce STARTTLS and answers it 502.
 */
export async function startFakeSmtp(mode: FakeSmtpMode, pem: PemPair): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const handle: TestServer = { port: 0, servernames: [], connections: 0, close: () => Promise.resolve() };
  const context = tls.createSecureContext({ cert: pem.certPem, key: pem.keyPem });
  const server = net.createServer((socket) => {
    handle.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.write("220 fake.test ESMTP\r\n");
    let buf = "";
    const onData = (b: Buffer): void => {
      buf += b.toString("latin1");
      for (let nl = buf.indexOf("\r\n"); nl >= 0; nl = buf.indexOf("\r\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.split(" ")[0]?.toUpperCase() ?? "";
        if (verb === "EHLO") socket.write(mode === "no-starttls" ? "250-fake.test\r\n250 PIPELINING\r\n" : "250-fake.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
        else if (verb === "STARTTLS" && mode === "no-starttls") socket.write("502 5.5.2 Error: command not recognized\r\n");
        else if (verb === "STARTTLS") {
          socket.off("data", onData);
          socket.write("220 2.0.0 go ahead\r\n");
          upgrade(socket, mode, buf);
          return;
        } else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 2.0.0 Ok\r\n");
      }
    };
    socket.on("data", onData);
  });
  const upgrade = (socket: net.Socket, m: FakeSmtpMode, buffered: string): void => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    secure.on("error", () => undefined);
    let pending = m === "safe" ? "" : buffered;
    const answerPending = (): void => {
      for (let i = 0; i < pending.split("\r\n").length - 1; i++) secure.write("250 2.0.0 Ok\r\n");
      pending = "";
    };
    secure.once("secure", () => {
      if (m === "vulnerable") answerPending();
    });
    secure.on("data", (b: Buffer) => {
      if (pending !== "") answerPending();
      for (const line of b.toString("latin1").split("\r\n").filter((l) => l !== "")) {
        if (/^QUIT/i.test(line)) secure.end("221 bye\r\n");
        else secure.write("250 2.0.0 Ok\r\n");
      }
    });
  };
  handle.port = await listen(server);
  handle.close = closer(server, sockets);
  return handle;
}

export { opensslLeaf } from "../openssl-pki.ts";
