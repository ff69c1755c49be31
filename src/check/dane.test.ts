import { test, before } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { generateCa, generateSelfSigned, type PemPair } from "../tls/index.ts";
import { fetchSmtpChain } from "./dane.ts";
import { startTinySmtp } from "../../test/support/check-mx-servers.ts";

let ca: PemPair;
let leaf: PemPair;

before(async () => {
  ca = await generateCa({ name: "DANE test CA" });
  leaf = await generateSelfSigned({ hostnames: ["mx.dane.test"], issuer: ca });
});

test("fetchSmtpChain gets the certificate presented after STARTTLS, leaf first", async () => {
  const smtp = await startTinySmtp(leaf.certPem + ca.certPem, leaf.keyPem);
  try {
    const chain = await fetchSmtpChain({ address: "127.0.0.1", port: smtp.port, servername: "mx.dane.test", timeoutMs: 3000 });
    assert.ok(chain[0]?.equals(new X509Certificate(leaf.certPem).raw));
    assert.ok(chain[1]?.equals(new X509Certificate(ca.certPem).raw));
    await assert.rejects(fetchSmtpChain({ address: "127.0.0.1", port: 9, servername: "x", timeoutMs: 1000 }), /ECONNREFUSED|closed/);
  } finally {
    await smtp.close();
  }
});
