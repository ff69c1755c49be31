import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import type { SecureContextOptions } from "node:tls";
import { deliver, type DeliveryRequest, type DeliveryResult, type TlsRequirement } from "./index.ts";
import { startScriptedServer, testRequest, withScriptedServer, type ScriptedServerOptions } from "../../test/support/smtp-scripted-server.ts";
import { makeTestPki, type TestPki } from "../../test/support/smtp-pki.ts";

const HOST = "mx.example.net";
let pki: TestPki;

before(async () => {
  pki = await makeTestPki(HOST);
});

function context(pair: { certPem: string; keyPem: string }, extra: SecureContextOptions = {}): SecureContextOptions {
  return { cert: pair.certPem, key: pair.keyPem, ...extra };
}

function verifying(names: string[] = []): TlsRequirement {
  return { starttls: "required", verify: { ca: [pki.ca.certPem], names } };
}

/** Delivers once to a fresh scripted server; returns the result and the commands it received. */
async function attempt(server: ScriptedServerOptions, over: Partial<DeliveryRequest>): Promise<{ res: DeliveryResult; commands: string[] }> {
  let out!: { res: DeliveryResult; commands: string[] };
  await withScriptedServer(server, async (s) => {
    const res = await deliver(testRequest(HOST, s.port, { tls: { starttls: "opportunistic", verify: null }, ...over }));
    out = { res, commands: s.sessions.flatMap((x) => x.commands.map((c) => c.split(/[ :]/)[0] ?? "")) };
  });
  return out;
}

test("opportunistic STARTTLS: TLS 1.3 with SNI, EHLO again, certificate described but not checked", async () => {
  const s = await startScriptedServer({ tls: context(pki.selfSigned) });
  try {
    const base = { address: "127.0.0.1", port: s.port, heloName: "c.example.org", from: "a@b.test", recipients: ["r@x.test"], message: Buffer.from("x\r\n") };
    const res = await deliver({ ...base, host: HOST, tls: { starttls: "opportunistic", verify: null } });
    assert.equal(res.problem, null);
    assert.equal(res.starttlsOffered, true);
    assert.equal(res.tls?.version, "TLSv1.3");
    assert.match(res.tls?.cipher ?? "", /^TLS_(AES|CHACHA20)/);
    assert.deepEqual(res.tls?.certificate, {
      checked: false,
      subject: `CN=${HOST}`,
      issuer: `CN=${HOST}`,
      notAfter: res.tls?.certificate.notAfter,
    });
    assert.equal(res.recipients[0]?.delivered, true);
    const session = s.sessions[0]!;
    assert.deepEqual(session.commands.map((c) => c.split(/[ :]/)[0]), ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"]);
    assert.equal(session.tlsVersion, "TLSv1.3");
    assert.equal(session.servername, HOST);
    // An IP literal as host: no SNI (RFC 6066 §3).
    const byIp = await deliver({ ...base, host: "127.0.0.1", tls: { starttls: "opportunistic", verify: null } });
    assert.equal(byIp.problem, null);
    assert.equal(s.sessions[1]?.servername, null);
  } finally {
    await s.close();
  }
});

test("verify: a certificate from the given CA naming the host is ok; an MTA-STS pattern matches too", async () => {
  const { res } = await attempt({ tls: context(pki.good) }, { tls: verifying() });
  assert.equal(res.problem, null);
  const cert = res.tls?.certificate;
  assert.equal(cert?.checked === true && cert.ok ? cert.matched : null, HOST);
  assert.equal(cert?.checked === true && cert.ok ? cert.issuer : null, "CN=Sealpost Test CA");
  const { res: pattern } = await attempt({ tls: context(pki.good) }, { tls: verifying(["*.example.net"]) });
  assert.equal(pattern.problem, null);
  assert.equal(pattern.recipients[0]?.delivered, true);
});

const failures: Array<[name: string, leaf: keyof TestPki, problem: string, detail: RegExp, names?: string[], ciphers?: string]> = [
  ["expired", "expired", "expired", /^expired on 2021-01-05$/],
  ["not yet valid", "notYetValid", "not-yet-valid", /^not valid before \d{4}-\d\d-\d\d$/],
  ["wrong name", "wrongName", "hostname", /^names mail\.other\.test, not mx\.example\.net$/],
  ["wrong MTA-STS pattern", "good", "hostname", /^names mx\.example\.net, not \*\.example\.org or mail\.example\.net$/, ["*.example.org", "mail.example.net"]],
  ["untrusted issuer", "rogue", "untrusted", /^issued by Rogue Test CA, which is not a trusted authority$/],
  ["self-signed", "selfSigned", "untrusted", /^self-signed \(mx\.example\.net\), not issued by a trusted authority$/],
  ["1024-bit RSA key", "weakKey", "weak-key", /^has a 1024-bit RSA key$/, [], "DEFAULT:@SECLEVEL=0"],
  ["SHA-1 signature", "sha1", "weak-signature", /^is signed with ecdsa-with-SHA1$/, [], "DEFAULT:@SECLEVEL=0"],
];

for (const [name, leaf, problem, detail, names, ciphers] of failures) {
  test(`verify: ${name} → certificate problem, QUIT without MAIL`, async () => {
    const extra = ciphers === undefined ? {} : { ciphers };
    const { res, commands } = await attempt({ tls: context(pki[leaf], extra) }, { tls: verifying(names) });
    assert.equal(res.problem?.kind, "certificate");
    assert.equal(res.problem?.kind === "certificate" ? res.problem.problem : null, problem);
    assert.match(res.problem?.kind === "certificate" ? res.problem.detail : "", detail);
    assert.equal(res.permanent, true);
    const cert = res.tls?.certificate;
    assert.equal(cert?.checked === true && !cert.ok ? cert.problem : null, problem);
    assert.deepEqual(commands, ["EHLO", "STARTTLS", "QUIT"]);
    assert.equal(res.recipients[0]?.delivered, false);
  });
}

test("a TLS 1.0-only server is named by its version and gets no mail", async () => {
  const legacy = context(pki.good, { minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT:@SECLEVEL=0" });
  const { res, commands } = await attempt({ tls: legacy }, {});
  assert.deepEqual(res.problem, { kind: "tls-version", host: HOST, offered: "TLS 1.0" });
  assert.equal(res.permanent, true);
  assert.equal(res.tls?.version, "TLSv1");
  assert.deepEqual(commands, ["EHLO", "STARTTLS", "QUIT"]);
});

test("a suite without forward secrecy is a weak-cipher problem", async () => {
  const rsaKx = context(pki.goodRsa, { maxVersion: "TLSv1.2", ciphers: "AES128-GCM-SHA256" });
  const { res, commands } = await attempt({ tls: rsaKx }, {});
  assert.deepEqual(res.problem, { kind: "weak-cipher", host: HOST, cipher: "AES128-GCM-SHA256", weakness: "no forward secrecy" });
  assert.equal(res.tls?.version, "TLSv1.2");
  assert.deepEqual(commands, ["EHLO", "STARTTLS", "QUIT"]);
});

test("a failed handshake is tls-handshake (not permanent), with OpenSSL's reason", async () => {
  // An ECDSA certificate but only RSA-authenticated TLS 1.2 suites: no suite in common.
  const mismatch = context(pki.good, { maxVersion: "TLSv1.2", ciphers: "ECDHE-RSA-AES128-GCM-SHA256" });
  const { res, commands } = await attempt({ tls: mismatch }, {});
  assert.equal(res.problem?.kind, "tls-handshake");
  assert.match(res.problem?.kind === "tls-handshake" ? res.problem.detail : "", /handshake failure/);
  assert.equal(res.permanent, false);
  assert.deepEqual(commands, ["EHLO", "STARTTLS"]);
});

test("STARTTLS refused: required → tls-handshake; opportunistic → plaintext on the same session", async () => {
  const reply = (line: string): string | undefined => (line === "STARTTLS" ? "454 4.7.0 TLS not available" : undefined);
  const server = { tls: context(pki.good), reply };
  const required = await attempt(server, { tls: { starttls: "required", verify: null } });
  assert.deepEqual(required.res.problem, { kind: "tls-handshake", host: HOST, detail: "the server refused STARTTLS: 454 4.7.0 TLS not available" });
  assert.deepEqual(required.commands, ["EHLO", "STARTTLS", "QUIT"]);
  const may = await attempt(server, {});
  assert.equal(may.res.problem, null);
  assert.equal(may.res.tls, null);
  assert.equal(may.res.recipients[0]?.delivered, true);
});

test("STARTTLS never: the offer is seen but not taken", async () => {
  const { res, commands } = await attempt({ tls: context(pki.good) }, { tls: { starttls: "never", verify: null } });
  assert.equal(res.problem, null);
  assert.equal(res.starttlsOffered, true);
  assert.equal(res.tls, null);
  assert.deepEqual(commands, ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]);
});

test("RFC 3207 §4.2: plaintext injected after the 220 to STARTTLS is discarded", async () => {
  // If the client took this fake EHLO reply for the real one, SIZE 10 would stop the message.
  const reply = (line: string): string | undefined => (line === "STARTTLS" ? "220 2.0.0 go ahead\r\n250-fake\r\n250 SIZE 10" : undefined);
  const { res, commands } = await attempt({ tls: context(pki.good), reply }, { tls: verifying() });
  assert.equal(res.problem, null);
  assert.equal(res.recipients[0]?.delivered, true);
  assert.deepEqual(commands, ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"]);
});

test("a protocol_version alert to a hello offering TLS 1.0–1.3: tls-version below TLS 1.0", async () => {
  // TLS alert record (RFC 5246 §7.2): fatal (2), protocol_version (70).
  const alert = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70]);
  const onStarttls = (socket: Socket): void => {
    socket.once("data", () => socket.end(alert));
  };
  const { res, commands } = await attempt({ onStarttls }, {});
  assert.deepEqual(res.problem, { kind: "tls-version", host: HOST, offered: "below TLS 1.0 or unknown" });
  assert.equal(res.tls, null);
  assert.deepEqual(commands, ["EHLO", "STARTTLS"]);
});

test("a 1024-bit Diffie-Hellman group is refused as weak even with a strong suite (OpenSSL runs at SECLEVEL=0 here)", async () => {
  const { execFileSync } = await import("node:child_process");
  const dhparam = execFileSync("openssl", ["dhparam", "1024"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
  const rsa = pki.goodRsa;
  const { res, commands } = await attempt(
    { tls: context(rsa, { dhparam, ciphers: "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", maxVersion: "TLSv1.2", minVersion: "TLSv1.2" }) },
    { tls: { starttls: "required", verify: null } },
  );
  assert.deepEqual([res.problem?.kind, res.tls?.keyExchange?.type, res.tls?.keyExchange?.bits], ["weak-cipher", "DH", 1024]);
  assert.match(res.problem?.kind === "weak-cipher" ? res.problem.weakness : "", /1024-bit Diffie-Hellman/);
  assert.equal(commands.includes("MAIL"), false);
});

test("MTA-STS (sanOnly): a certificate that names the host only in its CN is refused; with a SAN it is accepted", async () => {
  const cnOnly = pki.cnOnly;
  const { res } = await attempt({ tls: context(cnOnly) }, { tls: { starttls: "required", verify: { ca: [pki.ca.certPem], names: [HOST], sanOnly: true } } });
  assert.deepEqual([res.problem?.kind, res.problem?.kind === "certificate" ? res.problem.problem : null], ["certificate", "hostname"]);
  const plainVerify = await attempt({ tls: context(cnOnly) }, { tls: { starttls: "required", verify: { ca: [pki.ca.certPem], names: [HOST] } } });
  assert.equal(plainVerify.res.problem, null, "RFC 6125 still allows the CN when there is no SAN");
});

/** The TLSA record of a certificate: DANE-EE SPKI SHA-256 (3 1 1) or DANE-TA full certificate SHA-256 (2 0 1). */
async function tlsa(usage: 2 | 3, pem: string): Promise<{ usage: number; selector: number; matchingType: number; data: string }> {
  const { X509Certificate, createHash } = await import("node:crypto");
  const cert = new X509Certificate(pem);
  const data = usage === 3 ? cert.publicKey.export({ type: "spki", format: "der" }) : cert.raw;
  return { usage, selector: usage === 3 ? 1 : 0, matchingType: 1, data: createHash("sha256").update(data).digest("hex") };
}

test("DANE-EE: the key named by the TLSA record authenticates even an expired, self-signed certificate for another name (RFC 7672 §3.1.1)", async () => {
  for (const leaf of ["selfSigned", "expired", "wrongName"] as const) {
    const records = [await tlsa(3, pki[leaf].certPem)];
    const { res } = await attempt({ tls: context(pki[leaf]) }, { tls: { starttls: "required", verify: null, dane: { records } } });
    assert.equal(res.problem, null, leaf);
    const cert = res.tls?.certificate;
    assert.deepEqual(cert?.checked === true && cert.ok ? [cert.by, cert.matched] : cert, ["dane-ee", "TLSA 3 1 1"], leaf);
  }
});

test("DANE-TA: the chain up to the anchor and the MX host name; a mismatch stops the attempt before MAIL", async () => {
  const chained = context({ certPem: pki.good.certPem + pki.ca.certPem, keyPem: pki.good.keyPem });
  const records = [await tlsa(2, pki.ca.certPem)];
  const ok = await attempt({ tls: chained }, { tls: { starttls: "required", verify: null, dane: { records } } });
  const cert = ok.res.tls?.certificate;
  assert.equal(cert?.checked === true && cert.ok ? cert.by : null, "dane-ta");
  // The rogue CA's leaf does not chain to the published anchor; a record for another key does not match.
  const rogue = context({ certPem: pki.rogue.certPem + pki.ca.certPem, keyPem: pki.rogue.keyPem });
  for (const [server, recs] of [[rogue, records], [context(pki.good), [await tlsa(3, pki.selfSigned.certPem)]]] as const) {
    const { res, commands } = await attempt({ tls: server }, { tls: { starttls: "required", verify: null, dane: { records: recs } } });
    assert.deepEqual([res.problem?.kind, res.problem?.kind === "certificate" ? res.problem.problem : null], ["certificate", "dane-mismatch"]);
    assert.match(res.problem?.kind === "certificate" ? res.problem.detail : "", /^no TLSA record matches \([23] [01] 1 [0-9a-f]{16}…: /);
    assert.deepEqual(commands, ["EHLO", "STARTTLS", "QUIT"]);
  }
});

test("REQUIRETLS (RFC 8689 §4.2.1): MAIL FROM carries the parameter to a verified server that offers it; one that does not gets no MAIL", async () => {
  const requireTls: TlsRequirement = { ...verifying(), requireTls: true };
  const lines = async (extensions: string[]): Promise<{ res: DeliveryResult; commands: string[] }> => {
    let out!: { res: DeliveryResult; commands: string[] };
    await withScriptedServer({ tls: context(pki.good), extensions }, async (s) => {
      const res = await deliver(testRequest(HOST, s.port, { tls: requireTls }));
      out = { res, commands: s.sessions.flatMap((x) => x.commands) };
    });
    return out;
  };
  const offered = await lines(["PIPELINING", "REQUIRETLS"]);
  assert.equal(offered.res.problem, null);
  assert.equal(offered.res.recipients[0]?.delivered, true);
  assert.match(offered.commands.find((c) => c.startsWith("MAIL")) ?? "", /^MAIL FROM:<[^>]+> REQUIRETLS$/);
  const missing = await lines(["PIPELINING"]);
  assert.deepEqual(missing.res.problem, { kind: "requiretls", host: HOST, reason: "not-offered", tls: null });
  assert.equal(missing.res.permanent, true);
  assert.equal(missing.res.mailStarted, false);
  assert.deepEqual(missing.commands.map((c) => c.split(/[ :]/)[0]), ["EHLO", "STARTTLS", "EHLO", "QUIT"]);
  // Without the requirement, the same server gets the message.
  const plain = await attempt({ tls: context(pki.good), extensions: ["PIPELINING"] }, { tls: verifying() });
  assert.equal(plain.res.problem, null);
});
