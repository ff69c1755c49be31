import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import tls from "node:tls";
import net, { type AddressInfo } from "node:net";
import {
  CertificateStore,
  certificateSummary,
  checkPolicy,
  generateCa,
  generateSelfSigned,
  writeCertificateFiles,
  type CertificateSpec,
  type PemPair,
  type TlsContextPolicy,
} from "./certificates.ts";

const run = promisify(execFile);
const POLICY: TlsContextPolicy = {
  minVersion: "TLSv1.2",
  ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
  ciphersuites: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
};
const fp = (pem: string): string => new X509Certificate(pem).fingerprint256;

let dir = "";
const servers: net.Server[] = [];
/** Every socket opened on either side, destroyed at the end so a failing assertion cannot hang the run. */
const sockets = new Set<net.Socket>();
const track = (server: net.Server): void => {
  servers.push(server);
  server.on("connection", (s: net.Socket) => sockets.add(s));
};
const T = { timeout: 15_000 };

async function startServer(store: CertificateStore): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer({ ...store.defaultContextOptions(), SNICallback: store.sniCallback }, (s) => s.pipe(s));
  server.on("tlsClientError", () => undefined);
  track(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects and resolves once the handshake is done (rejects on any TLS/verification error). */
function connect(port: number, opts: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: "127.0.0.1", port, ...opts }, () => resolve(sock));
    sockets.add(sock);
    sock.once("error", reject);
  });
}

async function servedFingerprint(port: number, opts: tls.ConnectionOptions): Promise<string> {
  const sock = await connect(port, opts);
  const result = sock.getPeerCertificate().fingerprint256;
  sock.destroy();
  return result;
}

async function echo(sock: tls.TLSSocket, text: string): Promise<string> {
  sock.write(text);
  const [data] = (await once(sock, "data")) as [Buffer];
  return data.toString();
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-certs-"));
});
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("generation", () => {
  test("ECDSA and RSA certificates are X.509 v3 with SANs, serverAuth, keyUsage, and openssl parses them", T, async () => {
    const ec = await writeCertificateFiles(dir, "gen-ec", await generateSelfSigned({ hostnames: ["mail.example.test", "127.0.0.1", "::1"] }));
    const rsa = await writeCertificateFiles(dir, "gen-rsa", await generateSelfSigned({ hostnames: ["rsa.example.test"], keyType: "rsa" }));
    const ca = await writeCertificateFiles(dir, "gen-ca", await generateCa({ name: "Sealpost Test CA" }));
    const text = async (f: string): Promise<string> => (await run("openssl", ["x509", "-noout", "-text", "-in", f])).stdout;
    const ecText = await text(ec.cert);
    for (const s of ["Version: 3", "ecdsa-with-SHA256", "CN = mail.example.test", "DNS:mail.example.test", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1", "TLS Web Server Authentication", "Digital Signature", "CA:FALSE"]) {
      assert.ok(ecText.includes(s), `ECDSA cert text lacks ${s}`);
    }
    assert.ok(!ecText.includes("Key Encipherment"));
    const rsaText = await text(rsa.cert);
    for (const s of ["sha256WithRSAEncryption", "Public-Key: (2048 bit)", "Digital Signature, Key Encipherment"]) assert.ok(rsaText.includes(s), s);
    const caText = await text(ca.cert);
    for (const s of ["CA:TRUE", "Certificate Sign"]) assert.ok(caText.includes(s), s);

    for (const spec of [ec, rsa, ca]) {
      assert.equal(statSync(spec.key).mode & 0o777, 0o600);
      assert.match(readFileSync(spec.key, "utf8"), /^-----BEGIN PRIVATE KEY-----\n/);
      assert.doesNotThrow(() => tls.createSecureContext({ cert: readFileSync(spec.cert), key: readFileSync(spec.key) }));
    }
    const sum = certificateSummary(readFileSync(rsa.cert, "utf8"));
    assert.equal(sum.keyType, "RSA 2048");
    assert.equal(sum.selfSigned, true);
    assert.deepEqual(sum.sans, ["DNS:rsa.example.test"]);
    assert.equal(certificateSummary(readFileSync(ec.cert, "utf8")).keyType, "ECDSA P-256");
    const serials = new Set([ec, rsa, ca].map((s) => new X509Certificate(readFileSync(s.cert)).serialNumber));
    assert.equal(serials.size, 3);
  });

  test("a CA-issued leaf verifies against the CA and is served with a verifiable chain", T, async () => {
    const ca = await generateCa({ name: "Sealpost Test CA", keyType: "rsa" });
    const leaf = await generateSelfSigned({ hostnames: ["chain.example.test"], issuer: ca });
    const caCert = new X509Certificate(ca.certPem);
    const leafCert = new X509Certificate(leaf.certPem);
    assert.ok(leafCert.checkIssued(caCert));
    assert.ok(leafCert.verify(caCert.publicKey));
    assert.equal(certificateSummary(leaf.certPem).selfSigned, false);
    const spec = await writeCertificateFiles(dir, "chain", leaf);
    await run("openssl", ["verify", "-CAfile", await caFile(ca), "-purpose", "sslserver", spec.cert]);
    const { port } = await startServer(await CertificateStore.load([spec], POLICY));
    const sock = await connect(port, { servername: "chain.example.test", ca: [ca.certPem], checkServerIdentity: tls.checkServerIdentity });
    assert.equal(sock.authorized, true);
    sock.destroy();
    const stranger = await generateCa({ name: "Some Other CA" });
    await assert.rejects(connect(port, { servername: "chain.example.test", ca: [stranger.certPem] }), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
  });

  test("notBefore/notAfter make expired and not-yet-valid certificates", T, async () => {
    const day = 86_400_000;
    const expired = await generateSelfSigned({ hostnames: ["old.example.test"], notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) });
    assert.ok(certificateSummary(expired.certPem).notAfter.getTime() < Date.now());
    const future = await generateSelfSigned({ hostnames: ["new.example.test"], notBefore: new Date(Date.now() + day), days: 30 });
    const s = certificateSummary(future.certPem);
    assert.ok(s.notBefore.getTime() > Date.now());
    assert.equal(Math.round((s.notAfter.getTime() - s.notBefore.getTime()) / day), 30);
    const spec = await writeCertificateFiles(dir, "expired", expired);
    const { port } = await startServer(await CertificateStore.load([spec], POLICY));
    await assert.rejects(connect(port, { servername: "old.example.test", ca: [expired.certPem] }), { code: "CERT_HAS_EXPIRED" });
  });
});

async function caFile(ca: PemPair): Promise<string> {
  const f = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(f, ca.certPem);
  return f;
}

describe("CertificateStore", () => {
  const pems: Record<string, PemPair> = {};
  const specs: Record<string, CertificateSpec> = {};
  let store: CertificateStore;
  let port = 0;

  before(async () => {
    pems.mail = await generateSelfSigned({ hostnames: ["mail.example.test", "127.0.0.1"] });
    pems.other = await generateSelfSigned({ hostnames: ["Other.Example.Test", "*.wild.example.test"], keyType: "rsa" });
    pems.mailRsa = await generateSelfSigned({ hostnames: ["mail.example.test", "127.0.0.1"], keyType: "rsa" });
    pems.dualEc = await generateSelfSigned({ hostnames: ["dual.example.test"] });
    pems.dualRsa = await generateSelfSigned({ hostnames: ["dual.example.test"], keyType: "rsa" });
    for (const [k, v] of Object.entries(pems)) specs[k] = await writeCertificateFiles(dir, `store-${k}`, v);
    store = await CertificateStore.load(["mail", "other", "mailRsa", "dualEc", "dualRsa"].map((k) => specs[k]!), POLICY);
    ({ port } = await startServer(store));
  });

  const ca = (): string[] => Object.values(pems).map((p) => p.certPem);

  test("contextFor: case-insensitive exact names, one-label wildcards, default otherwise", () => {
    const def = store.defaultContext();
    const other = store.contextFor("other.example.test");
    assert.notEqual(other, def);
    assert.equal(store.contextFor("OTHER.example.TEST."), other);
    assert.equal(store.contextFor("x.wild.example.test"), other);
    assert.equal(store.contextFor("X.Wild.Example.Test"), other);
    for (const miss of ["wild.example.test", "a.b.wild.example.test", "unknown.example.test", "", undefined]) {
      assert.equal(store.contextFor(miss), def, String(miss));
    }
    assert.equal(store.contextFor("mail.example.test"), def);
    assert.notEqual(store.contextFor("dual.example.test"), def);
    assert.deepEqual(store.names(), ["mail.example.test", "other.example.test", "*.wild.example.test", "dual.example.test"]);
    const d = store.describe();
    assert.deepEqual(d.map((x) => x.keyType), ["ECDSA P-256", "RSA 2048", "RSA 2048", "ECDSA P-256", "RSA 2048"]);
    assert.equal(d[1]?.file, specs.other!.cert);
    assert.equal(d[0]?.fingerprint256, fp(pems.mail!.certPem));
    assert.ok(d.every((x) => x.notAfter.getTime() > Date.now()));
  });

  test("serves the certificate for each SNI name; unknown or absent SNI gets the default", T, async () => {
    const verify = { ca: ca(), checkServerIdentity: tls.checkServerIdentity };
    assert.equal(await servedFingerprint(port, { servername: "mail.example.test", ...verify }), fp(pems.mail!.certPem));
    assert.equal(await servedFingerprint(port, { servername: "other.example.test", ...verify }), fp(pems.other!.certPem));
    assert.equal(await servedFingerprint(port, { servername: "imap.wild.example.test", ...verify }), fp(pems.other!.certPem));
    const seen: string[] = [];
    const record = (host: string): undefined => void seen.push(host);
    assert.equal(await servedFingerprint(port, { servername: "unknown.example.test", ca: ca(), checkServerIdentity: record }), fp(pems.mail!.certPem));
    assert.deepEqual(seen, ["unknown.example.test"]);
    // No servername for an IP literal: no SNI is sent; the default certificate covers the IP SAN.
    assert.equal(await servedFingerprint(port, { ...verify }), fp(pems.mail!.certPem));
  });

  test("RSA + ECDSA for the default host: the client's sigalgs choose, with or without SNI", T, async () => {
    const ec = { sigalgs: "ecdsa_secp256r1_sha256", ca: ca(), checkServerIdentity: tls.checkServerIdentity };
    const rsa = { ...ec, sigalgs: "rsa_pss_rsae_sha256:rsa_pkcs1_sha256" };
    for (const maxVersion of ["TLSv1.2", "TLSv1.3"] as const) {
      for (const sni of [{ servername: "mail.example.test" }, {}]) {
        assert.equal(await servedFingerprint(port, { ...ec, ...sni, maxVersion }), fp(pems.mail!.certPem), `${maxVersion} ecdsa`);
        assert.equal(await servedFingerprint(port, { ...rsa, ...sni, maxVersion }), fp(pems.mailRsa!.certPem), `${maxVersion} rsa`);
      }
    }
    // Other hosts get one certificate (Node's SNICallback limit): the first listed for the name.
    assert.equal(await servedFingerprint(port, { servername: "dual.example.test", ca: ca() }), fp(pems.dualEc!.certPem));
  });

  test("STARTTLS-style TLSSocket wrapping uses the same default and SNI contexts", T, async () => {
    const plain = net.createServer((raw) => {
      const sock = new tls.TLSSocket(raw, { isServer: true, secureContext: store.defaultContext(), SNICallback: store.sniCallback });
      sock.on("error", () => undefined);
      sock.pipe(sock);
    });
    track(plain);
    plain.listen(0, "127.0.0.1");
    await once(plain, "listening");
    const p = (plain.address() as AddressInfo).port;
    const opts = { ca: ca(), checkServerIdentity: tls.checkServerIdentity };
    assert.equal(await servedFingerprint(p, { ...opts, servername: "other.example.test" }), fp(pems.other!.certPem));
    assert.equal(await servedFingerprint(p, { ...opts, servername: "mail.example.test", sigalgs: "rsa_pss_rsae_sha256" }), fp(pems.mailRsa!.certPem));
    assert.equal(await servedFingerprint(p, { ...opts, sigalgs: "ecdsa_secp256r1_sha256" }), fp(pems.mail!.certPem));
  });

  test("TLS 1.1 and older clients are refused by minVersion even when the ciphers would allow them", T, async () => {
    // A deliberately permissive cipher list, so that only minVersion stands between a TLS 1.1 client and the server.
    const lax = await CertificateStore.load([specs.mail!], { ...POLICY, ciphers: "DEFAULT:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0" });
    const { port: p } = await startServer(lax);
    const weak = { servername: "mail.example.test", ca: ca(), minVersion: "TLSv1" as const, ciphers: "DEFAULT@SECLEVEL=0" };
    await assert.rejects(connect(p, { ...weak, maxVersion: "TLSv1.1" }), /protocol|version/i);
    await assert.rejects(connect(p, { ...weak, maxVersion: "TLSv1" }), /protocol|version/i);
    const ok = await connect(p, { ...weak, maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0" });
    assert.equal(ok.getProtocol(), "TLSv1.2");
    ok.destroy();
    await assert.rejects(connect(port, { ...weak, maxVersion: "TLSv1.1" }), "the production policy refuses too");
  });

  test("a TLSv1.3-only policy refuses TLS 1.2; bad policies are rejected", T, async () => {
    const strict = await CertificateStore.load([specs.mail!], { ...POLICY, minVersion: "TLSv1.3" });
    const { port: p } = await startServer(strict);
    await assert.rejects(connect(p, { servername: "mail.example.test", ca: ca(), maxVersion: "TLSv1.2" }));
    const ok = await connect(p, { servername: "mail.example.test", ca: ca() });
    assert.equal(ok.getProtocol(), "TLSv1.3");
    ok.destroy();
    assert.throws(() => checkPolicy({ ...POLICY, minVersion: "TLSv1.1" }), /minVersion/);
    assert.throws(() => checkPolicy({ ...POLICY, ciphersuites: "" }), /ciphersuites/);
    await assert.rejects(CertificateStore.load([specs.mail!], { ...POLICY, minVersion: "TLSv1" }), /minVersion/);
  });

  test("a key that does not match its certificate is refused, naming the files but not the key", T, async () => {
    const err = await CertificateStore.load([{ cert: specs.mail!.cert, key: specs.other!.key }], POLICY).then(
      () => assert.fail("load succeeded"),
      (e: unknown) => e as Error,
    );
    assert.ok(err.message.includes(specs.other!.key), err.message);
    assert.ok(err.message.includes(specs.mail!.cert), err.message);
    assert.ok(!err.message.includes("PRIVATE KEY"));
    assert.ok(!err.message.includes(pems.other!.keyPem.split("\n")[1]!.slice(0, 20)));
  });
});

describe("reload and watch", () => {
  test("reload serves the new certificate to new connections; open connections keep working", T, async () => {
    const first = await generateSelfSigned({ hostnames: ["reload.example.test", "127.0.0.1"] });
    const spec = await writeCertificateFiles(dir, "reload", first);
    const store = await CertificateStore.load([spec], POLICY);
    const { server, port } = await startServer(store);
    store.attachServer(server);
    const second = await generateSelfSigned({ hostnames: ["reload.example.test", "127.0.0.1"], keyType: "rsa" });
    const opts = { servername: "reload.example.test", ca: [first.certPem, second.certPem], checkServerIdentity: tls.checkServerIdentity };
    const open = await connect(port, opts);
    assert.equal(open.getPeerCertificate().fingerprint256, fp(first.certPem));

    await writeCertificateFiles(dir, "reload", second);
    assert.equal(await servedFingerprint(port, opts), fp(first.certPem), "not before reload()");
    await store.reload();
    assert.equal(await servedFingerprint(port, opts), fp(second.certPem));
    assert.equal(store.describe()[0]?.keyType, "RSA 2048");
    assert.equal(await echo(open, "still here"), "still here");
    // Clients without SNI use the server's own context, which attachServer() refreshed on reload.
    assert.equal(await servedFingerprint(port, { ca: opts.ca }), fp(second.certPem));
    open.destroy();
  });

  test("reload with a broken key rejects and keeps serving the old certificate", T, async () => {
    const good = await generateSelfSigned({ hostnames: ["broken.example.test"] });
    const spec = await writeCertificateFiles(dir, "broken", good);
    const store = await CertificateStore.load([spec], POLICY);
    const { port } = await startServer(store);
    writeFileSync(spec.key, "-----BEGIN PRIVATE KEY-----\nMIIBnotakey\n-----END PRIVATE KEY-----\n");
    const err = await store.reload().then(
      () => assert.fail("reload succeeded"),
      (e: unknown) => e as Error,
    );
    assert.ok(err.message.includes(spec.key), err.message);
    assert.ok(!err.message.includes("PRIVATE KEY") && !err.message.includes("MIIB") && !err.message.includes("\n"), err.message);
    const opts = { servername: "broken.example.test", ca: [good.certPem], checkServerIdentity: tls.checkServerIdentity };
    assert.equal(await servedFingerprint(port, opts), fp(good.certPem));

    // A new certificate with the old (mismatched) key is refused too, naming the key file.
    const other = await generateSelfSigned({ hostnames: ["broken.example.test"] });
    writeFileSync(spec.cert, other.certPem);
    writeFileSync(spec.key, good.keyPem);
    await assert.rejects(store.reload(), (e: Error) => e.message.includes(spec.key) && !e.message.includes("PRIVATE KEY"));
    assert.equal(await servedFingerprint(port, opts), fp(good.certPem));
  });

  test("watch calls onChange once after the files change, and stops when unwatched", T, async () => {
    const pair = await generateSelfSigned({ hostnames: ["watch.example.test"] });
    const spec = await writeCertificateFiles(dir, "watch", pair);
    const store = await CertificateStore.load([spec], POLICY);
    let calls = 0;
    let notify: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (notify = resolve));
    const unwatch = store.watch(() => {
      calls++;
      notify();
    }, 20);
    await new Promise((r) => setTimeout(r, 100));
    const next = await generateSelfSigned({ hostnames: ["watch.example.test"] });
    // Key and certificate replaced 60 ms apart (several polls) still make one call.
    writeFileSync(spec.key, next.keyPem);
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(spec.cert, next.certPem);
    await changed;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(calls, 1, "key and certificate changes are debounced into one call");
    unwatch();
    await writeCertificateFiles(dir, "watch", pair);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(calls, 1, "no calls after unwatch");
  });
});

describe("managed certificates (ACME's)", () => {
  test("one for a name replaces a configured self-signed placeholder but not a configured CA-issued certificate; a damaged one is left out", T, async () => {
    const ca = await generateCa({ name: "Managed Test CA" });
    const placeholder = await generateSelfSigned({ hostnames: ["host.example.test"] });
    const bought = await generateSelfSigned({ hostnames: ["bought.example.test"], issuer: ca });
    const acmeHost = await generateSelfSigned({ hostnames: ["host.example.test"], issuer: ca });
    const acmeBought = await generateSelfSigned({ hostnames: ["bought.example.test"], issuer: ca });
    const [p, b, ah, ab] = await Promise.all(
      Object.entries({ placeholder, bought, acmeHost, acmeBought }).map(([k, v]) => writeCertificateFiles(dir, `managed-${k}`, v)),
    );
    const damaged = { cert: ah!.cert, key: ab!.key };
    const store = await CertificateStore.load([p!, b!], POLICY, [ah!, ab!, damaged]);
    const { server, port } = await startServer(store);
    store.attachServer(server);
    const opts = { ca: [ca.certPem, placeholder.certPem], checkServerIdentity: tls.checkServerIdentity };
    assert.equal(await servedFingerprint(port, { ...opts, servername: "host.example.test" }), fp(acmeHost.certPem));
    assert.equal(await servedFingerprint(port, { ...opts, servername: "bought.example.test" }), fp(bought.certPem));
    // The default (no SNI) is the first in rank: the configured CA-issued one.
    assert.equal(await servedFingerprint(port, { ca: opts.ca, checkServerIdentity: () => undefined }), fp(bought.certPem));
    assert.deepEqual(
      store.describe().map((d) => [d.file, d.managed]),
      [
        [b!.cert, false],
        [ah!.cert, true],
        [ab!.cert, true],
        [p!.cert, false],
      ],
    );
    assert.equal(store.skipped().length, 1);
    assert.ok(store.skipped()[0]?.includes(damaged.key) && !store.skipped()[0]?.includes("PRIVATE KEY"), store.skipped()[0]);

    // Without managed certificates the configured order stands; with a new set they are read anew.
    await store.reload(undefined, []);
    assert.equal(await servedFingerprint(port, { ...opts, servername: "host.example.test" }), fp(placeholder.certPem));
    assert.deepEqual(store.skipped(), []);
    await store.reload(undefined, [ah!]);
    assert.equal(await servedFingerprint(port, { ...opts, servername: "host.example.test" }), fp(acmeHost.certPem));
  });
});
