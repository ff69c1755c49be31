import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSelfSigned, writeCertificateFiles } from "./certificates.ts";
import { certificateDaysLeft, readCertificateDaysLeft } from "./certificate-expiry.ts";

test("days left of the configured certificates, read from their files; an unreadable file is one line naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-expiry-"));
  try {
    const now = Date.now();
    const notAfter = new Date(now + 30 * 86_400_000);
    const spec = await writeCertificateFiles(dir, "mx", await generateSelfSigned({ hostnames: ["MX.Example.Test", "mail.example.test"], notAfter }));
    const expired = await writeCertificateFiles(dir, "old", await generateSelfSigned({ hostnames: ["old.example.test"], keyType: "rsa", notBefore: new Date(now - 10 * 86_400_000), notAfter: new Date(now - 86_400_000) }));
    const [a, b] = await readCertificateDaysLeft([spec, expired], now);
    assert.deepEqual(a?.names, ["mx.example.test", "mail.example.test"]);
    assert.equal(a?.keyType, "ECDSA P-256");
    assert.equal(a?.file, spec.cert);
    assert.ok(a !== undefined && Math.abs(a.daysLeft - 30) < 1 / 24, String(a?.daysLeft));
    assert.ok(b !== undefined && b.daysLeft < 0 && b.daysLeft > -2, String(b?.daysLeft));
    assert.match(b.keyType, /^RSA /);

    const bad = join(dir, "bad.pem");
    writeFileSync(bad, "not a certificate\n");
    await assert.rejects(readCertificateDaysLeft([{ cert: bad }], now), (e: Error) => e.message === `${bad}: unreadable certificate: no PEM certificate found`);
    await assert.rejects(readCertificateDaysLeft([{ cert: join(dir, "missing.pem") }], now), /missing\.pem: cannot read \(ENOENT\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("certificateDaysLeft turns the running store's descriptions into fractional days", () => {
  const now = Date.UTC(2026, 0, 1);
  const [c] = certificateDaysLeft([{ file: "/d/certs/mx.pem", names: ["mx.example.test"], keyType: "ECDSA P-256", notAfter: new Date(now + 36 * 3_600_000) }], now);
  assert.equal(c?.daysLeft, 1.5);
});
