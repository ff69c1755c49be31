// buildClientHello against a real OpenSSL server (Node's tls.Server), parsing its answers and
// its whole first flight; alerts; SSLv2 server messages; ServerKeyExchange parameters.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import {
  AlertDescription,
  AlertLevel,
  alertName,
  buildAlert,
  parseAlert,
  parseServerHello,
  parseSslv2ServerHello,
  type ServerHelloParse,
} from "./client-hello.ts";
import { buildClientHello, buildSslv2ClientHello } from "./hello-builder.ts";
import { parseKeyExchangeParams, parseRecord, parseServerFlight, SERVER_HANDSHAKE_TYPE, type ServerFlightParse } from "./server-hello.ts";
import { versionName } from "./versions.ts";
import { u16, u24 } from "./wire.ts";

let dir = "";
let server: tls.Server;
let port = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-tls-"));
  const key = (name: string, args: string[]): void => {
    execFileSync("/usr/bin/openssl", ["req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.crt`), ...args], { stdio: "ignore" });
  };
  key("rsa", ["-newkey", "rsa:2048"]);
  key("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  server = tls.createServer(
    { key: [read("rsa.key"), read("ec.key")], cert: [read("rsa.crt"), read("ec.crt")], ALPNProtocols: ["smtp"], minVersion: "TLSv1.2" },
    (s) => s.end("hello\r\n"),
  );
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes to the TLS server and parses what it sends back until `parse` has its answer. */
async function answerTo<T extends { kind: string }>(hello: Buffer, parse: (buf: Buffer) => T, complete: (p: T) => boolean): Promise<T> {
  const socket = net.connect(port, "127.0.0.1");
  try {
    return await new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      socket.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const p = parse(buf);
        if (complete(p)) {
          clearTimeout(timer);
          resolve(p);
        }
      });
      socket.on("close", () => reject(new Error(`closed after ${buf.length} bytes`)));
      socket.on("error", reject);
      socket.write(hello);
    });
  } finally {
    socket.destroy();
  }
}

/** The server's first answer: a ServerHello, an alert or what it is not. */
const probe = (hello: Buffer): Promise<ServerHelloParse> => answerTo(hello, parseServerHello, (p) => p.kind !== "incomplete");

function serverHello(p: ServerHelloParse) {
  assert.equal(p.kind, "server-hello", JSON.stringify(p));
  if (p.kind !== "server-hello") throw new Error("unreachable");
  return p.hello;
}

test("TLS 1.3 hello: ServerHello with supported_versions and an x25519 key share", async () => {
  const h = serverHello(await probe(buildClientHello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1302, 0xc02f], sni: "localhost" })));
  assert.equal(h.legacyVersion, 0x0303);
  assert.equal(h.version, 0x0304);
  assert.equal(h.versionName, "TLSv1.3");
  assert.equal(h.cipherSuite, 0x1302);
  assert.equal(h.keyShareGroup, 0x001d);
  assert.equal(h.isHelloRetryRequest, false);
  assert.equal(h.sessionId.length, 32); // echoes the middlebox-compatibility session id
});

test("TLS 1.3 hello without a usable key share: HelloRetryRequest naming the group", async () => {
  const h = serverHello(await probe(buildClientHello({ versions: ["TLSv1.3"], cipherSuites: [0x1301], groups: [0x0017] })));
  assert.equal(h.isHelloRetryRequest, true);
  assert.equal(h.keyShareGroup, 0x0017);
  assert.equal(h.versionName, "TLSv1.3");
});

test("TLS 1.2 hellos (RSA and ECDSA suites, ALPN) are answered", async () => {
  const rsa = serverHello(await probe(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f], alpn: ["smtp"], sni: "localhost" })));
  assert.equal(rsa.versionName, "TLSv1.2");
  assert.equal(rsa.cipherSuite, 0xc02f);
  assert.equal(rsa.alpn, "smtp");
  assert.ok(rsa.extensions.includes(0xff01), "secure renegotiation");
  const ec = serverHello(await probe(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02b] })));
  assert.equal(ec.cipherSuite, 0xc02b);
});

test("fragmented and GREASEd hellos are accepted by OpenSSL", async () => {
  const h = serverHello(await probe(buildClientHello({ versions: ["TLSv1.2", "TLSv1.3"], cipherSuites: [0x1303], fragmentRecords: 4, grease: true })));
  assert.equal(h.cipherSuite, 0x1303);
});

test("refusals arrive as alerts: old version → protocol_version, weak suites → handshake_failure", async () => {
  const old = await probe(buildClientHello({ versions: ["TLSv1"], cipherSuites: [0xc013, 0x002f] }));
  assert.deepEqual(old, { kind: "alert", level: 2, description: 70, name: "protocol_version", consumed: 7 });
  const weak = await probe(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0x0005, 0x000a] }));
  assert.equal(weak.kind === "alert" && weak.name, "handshake_failure");
});

test("an SSLv2-format hello is parsed by OpenSSL (it picks a suite, then lacks signature algorithms)", async () => {
  const p = await probe(buildSslv2ClientHello({ version: 0x0303, cipherSpecs: [0x00c02f, 0x00009c] }));
  assert.equal(p.kind === "alert" && p.name, "handshake_failure"); // a malformed hello would be decode_error
  const v2 = await probe(buildSslv2ClientHello({ version: 0x0002, cipherSpecs: [0x010080] }));
  assert.equal(v2.kind === "alert" && v2.name, "protocol_version");
});

test("versionName agrees with Node's getProtocol()", async () => {
  for (const [max, code] of [["TLSv1.2", 0x0303], ["TLSv1.3", 0x0304]] as const) {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, maxVersion: max });
    const protocol = await new Promise<string | null>((resolve, reject) => {
      socket.on("secureConnect", () => resolve(socket.getProtocol()));
      socket.on("error", reject);
    });
    socket.destroy();
    assert.equal(protocol, versionName(code));
  }
});

test("buildAlert / parseAlert round trip", () => {
  const alert = buildAlert(AlertLevel.fatal, AlertDescription.protocolVersion, 0x0301);
  assert.deepEqual([...alert], [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70]);
  assert.deepEqual(parseAlert(alert), { kind: "alert", level: 2, description: 70, name: "protocol_version", recordVersion: 0x0301, consumed: 7 });
  assert.equal(parseAlert(alert.subarray(0, 6)).kind, "incomplete");
  assert.equal(parseAlert(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x1a])).kind, "invalid"); // encrypted alert
  assert.equal(parseAlert(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x02])).kind, "invalid");
  assert.deepEqual([...buildAlert(2, AlertDescription.insufficientSecurity)], [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 71]);
  assert.equal(alertName(40), "handshake_failure");
  assert.equal(alertName(200), "alert_200");
});

test("parseServerHello: incomplete, plaintext and wrong message type", () => {
  assert.equal(parseServerHello(Buffer.alloc(0)).kind, "incomplete");
  const plain = parseServerHello(Buffer.from("220 mx.example.org ESMTP\r\n"));
  assert.equal(plain.kind === "not-tls" && plain.reason, 'plaintext data ("220 mx.example.org E") where a TLS ServerHello was expected');
  const body = Buffer.alloc(10);
  const wrong = Buffer.concat([Buffer.from([0x16, 0x03, 0x03]), u16(14), Buffer.from([11]), u24(10), body]);
  const wrongP = parseServerHello(wrong);
  assert.match(wrongP.kind === "invalid" ? wrongP.reason : wrongP.kind, /type 11 where a ServerHello/);
  assert.equal(parseServerHello(Buffer.from([0x80, 0x10, 0x04])).kind, "not-tls");
});

function sslv2Record(msg: Buffer): Buffer {
  return Buffer.concat([u16(0x8000 | msg.length), msg]);
}

test("parseSslv2ServerHello: SERVER-HELLO and ERROR", () => {
  const cert = Buffer.from("fake-der");
  const conn = Buffer.alloc(16, 9);
  const msg = Buffer.concat([Buffer.from([4, 0, 1]), u16(0x0002), u16(cert.length), u16(6), u16(conn.length), cert, u24(0x010080), u24(0x0700c0), conn]);
  const p = parseSslv2ServerHello(sslv2Record(msg));
  assert.equal(p.kind, "server-hello");
  if (p.kind !== "server-hello") return;
  assert.deepEqual(p.cipherSpecs, [0x010080, 0x0700c0]);
  assert.equal(p.version, 0x0002);
  assert.equal(p.certificate.toString(), "fake-der");
  assert.equal(p.sessionIdHit, false);
  assert.equal(p.consumed, msg.length + 2);
  assert.equal(parseSslv2ServerHello(sslv2Record(msg).subarray(0, 20)).kind, "incomplete");
  assert.deepEqual(parseSslv2ServerHello(sslv2Record(Buffer.from([0, 0, 1]))), { kind: "error", errorCode: 1, consumed: 5 });
  assert.equal(parseSslv2ServerHello(sslv2Record(Buffer.from([4, 0, 1, 0, 2]))).kind, "invalid");
  const tlsAlert = parseSslv2ServerHello(buildAlert(2, 70, 0x0301));
  assert.equal(tlsAlert.kind === "not-sslv2" && tlsAlert.reason, "TLS alert protocol_version");
});

/** The server's first flight, until it ends. */
const probeFlight = (hello: Buffer): Promise<ServerFlightParse> =>
  answerTo(hello, parseServerFlight, (p) => p.kind !== "incomplete" && (p.kind !== "flight" || p.end !== null));

test("parseServerFlight on a real TLS 1.2 server: Certificate, ServerKeyExchange (its ECDHE curve), ServerHelloDone", async () => {
  const p = await probeFlight(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0xc02f], groups: [0x0017] }));
  assert.equal(p.kind, "flight", JSON.stringify(p));
  if (p.kind !== "flight") return;
  assert.equal(p.hello.cipherSuite, 0xc02f);
  assert.deepEqual(p.messages.map((m) => m.type), [SERVER_HANDSHAKE_TYPE.certificate, SERVER_HANDSHAKE_TYPE.serverKeyExchange, SERVER_HANDSHAKE_TYPE.serverHelloDone]);
  assert.equal(p.end, "server-hello-done");
  const ske = p.messages[1];
  assert.deepEqual(ske && parseKeyExchangeParams(ske.body, "ECDHE"), { kind: "ecdhe", curveType: 3, namedCurve: 0x0017 });
  // TLS 1.3: the flight after the ServerHello is encrypted, which ends what can be read.
  const t13 = await probeFlight(buildClientHello({ versions: ["TLSv1.3"], cipherSuites: [0x1301] }));
  assert.equal(t13.kind === "flight" && t13.end, "other-record");
  // Node's server has no DH parameters: a DHE-only hello is refused.
  const dhe = await probeFlight(buildClientHello({ versions: ["TLSv1.2"], cipherSuites: [0x009e, 0x0033] }));
  assert.deepEqual(dhe, { kind: "alert", alert: { level: 2, description: 40, name: "handshake_failure" } });
});

function hs(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

function record(type: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, 0x03, 0x03]), u16(payload.length), payload]);
}

const HELLO_BODY = Buffer.concat([u16(0x0303), Buffer.alloc(32, 1), Buffer.from([0]), u16(0x0033), Buffer.from([0])]);

test("parseServerFlight: messages sharing a record or split over several, a warning alert first, an alert or another record ending it", () => {
  const messages = Buffer.concat([hs(2, HELLO_BODY), hs(11, Buffer.alloc(40, 2)), hs(12, Buffer.alloc(9, 3)), hs(14, Buffer.alloc(0))]);
  const together = parseServerFlight(record(22, messages));
  assert.equal(together.kind === "flight" && together.end, "server-hello-done");
  assert.deepEqual(together.kind === "flight" && together.messages.map((m) => [m.type, m.body.length]), [[11, 40], [12, 9], [14, 0]]);
  // The same bytes in records of 7 bytes each, after an unrecognized_name warning (RFC 6066 §3).
  const split: Buffer[] = [Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 112])];
  for (let i = 0; i < messages.length; i += 7) split.push(record(22, messages.subarray(i, i + 7)));
  const all = Buffer.concat(split);
  const spread = parseServerFlight(all);
  assert.deepEqual(spread.kind === "flight" && [spread.hello.cipherSuite, spread.messages.length, spread.end, spread.consumed], [0x0033, 3, "server-hello-done", all.length]);
  // Cut short: the ServerHello alone (42 bytes: the alert, then 6 records of 7) is a flight that
  // may go on; less than that is incomplete.
  const partial = parseServerFlight(all.subarray(0, 7 + 6 * 12));
  assert.deepEqual(partial.kind === "flight" && [partial.messages.length, partial.end], [0, null]);
  assert.equal(parseServerFlight(all.subarray(0, 7 + 6 * 12 - 1)).kind, "incomplete");
  const alerted = parseServerFlight(Buffer.concat([record(22, hs(2, HELLO_BODY)), record(21, Buffer.from([2, 40]))]));
  assert.deepEqual(alerted.kind === "flight" && [alerted.end, alerted.alert?.name], ["alert", "handshake_failure"]);
  const ccs = parseServerFlight(Buffer.concat([record(22, hs(2, HELLO_BODY)), record(20, Buffer.from([1]))]));
  assert.equal(ccs.kind === "flight" && ccs.end, "other-record");
  assert.deepEqual(parseServerFlight(record(21, Buffer.from([2, 70]))), { kind: "alert", alert: { level: 2, description: 70, name: "protocol_version" } });
  assert.match(JSON.stringify(parseServerFlight(record(22, hs(11, Buffer.alloc(3))))), /type 11 where a ServerHello \(2\) was expected/);
  assert.equal(parseServerFlight(Buffer.from("220 mx ESMTP\r\n")).kind, "not-tls");
});

test("parseKeyExchangeParams: the DH prime's bits, the named curve; truncated parameters throw", () => {
  const prime = Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(127, 0xff)]); // a leading zero byte, then 1 + 127 bytes: 1017 bits
  const dhe = Buffer.concat([u16(prime.length), prime, u16(1), Buffer.from([2]), u16(2), Buffer.from([9, 9]), Buffer.alloc(20)]);
  const p = parseKeyExchangeParams(dhe, "DHE");
  assert.deepEqual(p.kind === "dhe" && [p.primeBits, [...p.generator]], [1017, [2]]);
  assert.deepEqual(parseKeyExchangeParams(Buffer.from([3, 0x00, 0x13, 1, 4]), "ECDHE"), { kind: "ecdhe", curveType: 3, namedCurve: 0x0013 });
  assert.deepEqual(parseKeyExchangeParams(Buffer.from([1, 5]), "ECDHE"), { kind: "ecdhe", curveType: 1, namedCurve: null });
  assert.throws(() => parseKeyExchangeParams(Buffer.from([0x01, 0x00, 0xff]), "DHE"), /dh_p is truncated/);
});

test("parseRecord: one record, incomplete, or not a record", () => {
  assert.deepEqual(parseRecord(Buffer.from([24, 3, 3, 0, 3, 1, 0x40, 0, 9])), { kind: "record", type: 24, version: 0x0303, payload: Buffer.from([1, 0x40, 0]), consumed: 8 });
  assert.equal(parseRecord(Buffer.from([24, 3, 3, 0, 3, 1])).kind, "incomplete");
  assert.equal(parseRecord(Buffer.from([24, 2, 0])).kind, "invalid");
});
