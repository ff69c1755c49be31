/**
 * Test helpers (not used by the scan): scripted servers that answer hand-built hellos the way old
 * or odd servers do — an SSLv3 ServerHello to anything, an SSLv2 SERVER-HELLO, silence, and what
 * no TLS library offers any more: TLS compression (RFC 3749), the heartbeat extension with or
 * without Heartbleed (RFC 6520), a missing renegotiation_info (RFC 5746), no TLS_FALLBACK_SCSV
 * check (RFC 7507) — and builders for those answers (RFC 6101 §5.6.1.3 / RFC 5246 §7.4.1.3
 * ServerHello, RFC 8446 §4.2.1 supported_versions, draft-hickman-netscape-ssl-00 SERVER-HELLO).
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { buildAlert, parseClientHello, parseRecord, PROBE_EXT, type ClientHello } from "../../src/tls/index.ts";

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

export interface ServerHelloExtras {
  /** compression_method; default 0 (null). */
  compression?: number;
  /** Extensions after supported_versions, e.g. an empty renegotiation_info (RFC 5746 §3.6). */
  extensions?: Array<{ type: number; data: Buffer }>;
}

/** A ServerHello record selecting `version` and `suite` (TLS 1.3: legacy 0x0303 + supported_versions). */
export function buildServerHello(version: number, suite: number, extras: ServerHelloExtras = {}): Buffer {
  const tls13 = version >= 0x0304;
  const exts = Buffer.concat([
    ...(tls13 ? [u16(43), u16(2), u16(version)] : []),
    ...(extras.extensions ?? []).flatMap((e) => [u16(e.type), u16(e.data.length), e.data]),
  ]);
  const body = Buffer.concat([
    u16(tls13 ? 0x0303 : version),
    randomBytes(32),
    Buffer.from([0]), // empty session id
    u16(suite),
    Buffer.from([extras.compression ?? 0]),
    ...(exts.length > 0 ? [u16(exts.length), exts] : []),
  ]);
  const msg = Buffer.concat([Buffer.from([2]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([22]), u16(Math.min(version, 0x0303)), u16(msg.length), msg]);
}

/** An SSLv2 SERVER-HELLO (msg type 4) with a fake certificate and the given cipher specs. */
export function buildSslv2ServerHello(specs: readonly number[]): Buffer {
  const cert = Buffer.from("not-a-real-certificate");
  const connId = randomBytes(16);
  const specBytes = Buffer.concat(specs.map(u24));
  const msg = Buffer.concat([
    Buffer.from([4, 0, 1]), // SERVER-HELLO, no session-id hit, X.509 certificate
    u16(0x0002),
    u16(cert.length),
    u16(specBytes.length),
    u16(connId.length),
    cert,
    specBytes,
    connId,
  ]);
  return Buffer.concat([u16(0x8000 | msg.length), msg]);
}

export interface FakeTlsOptions {
  /** The version every ServerHello names (e.g. 0x0300 for SSL 3.0). */
  version: number;
  /**
   * Versions it speaks instead (e.g. [0x0301, 0x0302, 0x0303]): it answers with the highest one
   * not above the client's, or a protocol_version alert.
   */
  versions?: readonly number[];
  /** Answer renegotiation_info or its SCSV with its own (RFC 5746 §3.6); default true. */
  secureRenegotiation?: boolean;
  /** Choose DEFLATE when the client offers it (RFC 3749). */
  compression?: boolean;
  /**
   * Echo the heartbeat extension (RFC 6520); "heartbleed" also answers a heartbeat request with
   * as many bytes as it claims (CVE-2014-0160), where a correct server discards it (RFC 6520 §4).
   */
  heartbeat?: "extension" | "heartbleed";
  /**
   * TLS_FALLBACK_SCSV below its highest version (RFC 7507 §3): "supported" (default) answers
   * inappropriate_fallback, "handshake-failure" the wrong alert, "ignored" a ServerHello.
   */
  fallbackScsv?: "supported" | "handshake-failure" | "ignored";
  /**
   * Close the connection after the ServerHello (a fake sends no certificate, so a client waiting
   * for one would otherwise wait for its timeout); not when it goes on with a heartbeat.
   */
  hangUp?: boolean;
  /** Suites it accepts, in its preference order; default: any (the client's first). */
  accept?: readonly number[];
  /** Pick by its own order (default) or by the client's. */
  serverOrder?: boolean;
  /** Answer SSLv2-format hellos with a SERVER-HELLO listing these specs (default: a ServerHello like any other hello). */
  sslv2Specs?: readonly number[];
  /** Read the hello and never answer. */
  silent?: boolean;
  /** Answer only this many hellos, then stay silent (a server whose connection limit ran out). */
  answerFirst?: number;
  /** Send a warning alert (unrecognized_name, RFC 6066 §3) before each ServerHello, as some servers do on an SNI miss. */
  warnFirst?: boolean;
}

export interface FakeServer {
  port: number;
  /** Every hello received, in order. */
  hellos: ClientHello[];
  close: () => Promise<void>;
}

function choose(opts: FakeTlsOptions, offered: readonly number[]): number | undefined {
  if (!opts.accept) return offered[0];
  const accept = opts.accept;
  return opts.serverOrder === false ? offered.find((c) => accept.includes(c)) : accept.find((c) => offered.includes(c));
}

/** The version a fake answers `hello` with, or undefined (none in common). */
function negotiate(opts: FakeTlsOptions, hello: ClientHello): number | undefined {
  if (opts.versions === undefined) return opts.version;
  const clientMax = hello.supportedVersions.length > 0 ? Math.max(...hello.supportedVersions) : hello.legacyVersion;
  return [...opts.versions].sort((a, b) => b - a).find((v) => v <= clientMax);
}

/**
 * The records a heartbeat-speaking fake reads after its ServerHello: a heartbeat request gets
 * (in "heartbleed" mode) a response as long as it claims, a close_notify the close. Returns the
 * unread rest.
 */
function answerRecords(socket: net.Socket, buf: Buffer, opts: FakeTlsOptions, version: number): Buffer {
  for (;;) {
    const r = parseRecord(buf);
    if (r.kind !== "record") return r.kind === "invalid" ? Buffer.alloc(0) : buf;
    buf = buf.subarray(r.consumed);
    if (r.type === 24 && r.payload[0] === 1 && opts.heartbeat === "heartbleed") {
      const claimed = r.payload.readUInt16BE(1);
      const leak = Buffer.concat([Buffer.from([2]), u16(claimed), Buffer.alloc(claimed + 16, 0x41)]);
      socket.write(Buffer.concat([Buffer.from([24]), u16(version), u16(leak.length), leak]));
    }
    if (r.type === 21) {
      socket.end();
      return Buffer.alloc(0);
    }
  }
}

/** A TCP server that answers the first hello on each connection as `opts` says, then waits for the close. */
export async function startFakeTlsServer(opts: FakeTlsOptions): Promise<FakeServer> {
  const hellos: ClientHello[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buf: Buffer = Buffer.alloc(0);
    let answered = false;
    let heartbeatVersion: number | null = null;
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (heartbeatVersion !== null) {
        buf = answerRecords(socket, buf, opts, heartbeatVersion);
        return;
      }
      if (answered) return;
      const p = parseClientHello(buf);
      if (p.kind === "incomplete") return;
      answered = true;
      if (p.kind !== "hello") {
        socket.destroy();
        return;
      }
      hellos.push(p.hello);
      if (opts.silent === true || (opts.answerFirst !== undefined && hellos.length > opts.answerFirst)) return;
      if (p.hello.sslv2 && opts.sslv2Specs) {
        const specs = opts.sslv2Specs.filter((s) => p.hello.sslv2CipherSpecs.includes(s));
        socket.write(specs.length > 0 ? buildSslv2ServerHello(specs) : Buffer.from([0x80, 0x03, 0x00, 0x00, 0x01]));
        return;
      }
      const version = negotiate(opts, p.hello);
      if (version === undefined) {
        socket.write(buildAlert(2, 70, 0x0301)); // protocol_version
        return;
      }
      const max = Math.max(...(opts.versions ?? [opts.version]));
      // RFC 7507 §3: a fallback SCSV from a client below the server's highest version.
      if (p.hello.hasFallbackScsv && version < max && opts.fallbackScsv !== "ignored") {
        socket.write(buildAlert(2, opts.fallbackScsv === "handshake-failure" ? 40 : 86, 0x0301));
        return;
      }
      const offered = p.hello.sslv2 ? p.hello.sslv2CipherSpecs.filter((s) => s <= 0xffff) : p.hello.cipherSuites;
      // "Any hello": an SSLv2-format hello without TLS suites still gets a ServerHello.
      const suite = choose(opts, offered) ?? (p.hello.sslv2 ? (opts.accept?.[0] ?? 0x000a) : undefined);
      if (suite === undefined) {
        socket.write(buildAlert(2, 40, 0x0300));
        return;
      }
      const extensions: Array<{ type: number; data: Buffer }> = [];
      if (p.hello.hasRenegotiationInfo && opts.secureRenegotiation !== false) extensions.push({ type: PROBE_EXT.renegotiationInfo, data: Buffer.from([0]) });
      const heartbeat = opts.heartbeat !== undefined && p.hello.extensions.includes(PROBE_EXT.heartbeat);
      if (heartbeat) extensions.push({ type: PROBE_EXT.heartbeat, data: Buffer.from([1]) });
      const compression = opts.compression === true && p.hello.compressionMethods.includes(1) ? 1 : 0;
      const hello = buildServerHello(version, suite, { compression, extensions });
      socket.write(opts.warnFirst === true ? Buffer.concat([buildAlert(1, 112, 0x0303), hello]) : hello);
      if (heartbeat) {
        heartbeatVersion = version;
        buf = answerRecords(socket, buf.subarray(p.consumed), opts, version);
      } else if (opts.hangUp === true) socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    hellos,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP server whose connections `handler` scripts by hand (STARTTLS dialogues in tests). */
export async function startScriptedServer(handler: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
