import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSelfSigned } from "../tls/index.ts";
import { accountKey, dropCertificates, issuedCertificate, keepCertificate, managedCertificates } from "./files.ts";
import { freshState, readState, writeState } from "./state.ts";

const dir = mkdtempSync(join(tmpdir(), "sealpost-acme-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the account key is made once, mode 0600 in a 0700 directory", async () => {
  const key = await accountKey(dir);
  assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(statSync(join(dir, "acme/account.key")).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, "acme")).mode & 0o777, 0o700);
  assert.equal(await accountKey(dir), key);
});

test("kept certificates: listed for the TLS store with their keys, read back, dropped when no longer wanted", async () => {
  assert.deepEqual(await managedCertificates(join(dir, "none")), []);
  await keepCertificate(dir, "mx.example.org", await generateSelfSigned({ hostnames: ["mx.example.org"] }));
  await keepCertificate(dir, "mta-sts.example.org", await generateSelfSigned({ hostnames: ["mta-sts.example.org", "Autoconfig.example.org"] }));
  // A chain without its key is not served.
  writeFileSync(join(dir, "acme/certs/lonely.example.org.pem"), "x");
  const certs = join(dir, "acme/certs");
  assert.deepEqual(await managedCertificates(dir), [
    { cert: join(certs, "mta-sts.example.org.pem"), key: join(certs, "mta-sts.example.org.key") },
    { cert: join(certs, "mx.example.org.pem"), key: join(certs, "mx.example.org.key") },
  ]);
  assert.equal(statSync(join(certs, "mx.example.org.key")).mode & 0o777, 0o600);
  const issued = await issuedCertificate(dir, "mta-sts.example.org");
  assert.deepEqual(issued?.names, ["mta-sts.example.org", "autoconfig.example.org"]);
  assert.ok(issued !== null && issued.notAfter > issued.notBefore);
  assert.equal(await issuedCertificate(dir, "lonely.example.org"), null);
  assert.deepEqual(await dropCertificates(dir, new Set(["mx.example.org"])), ["mta-sts.example.org"]);
  assert.deepEqual((await managedCertificates(dir)).map((s) => s.cert), [join(certs, "mx.example.org.pem")]);
});

test("the state survives a round trip; a damaged state file reads as empty", async () => {
  const state = { "mx.example.org": { ...freshState(["mx.example.org"]), failures: 2, lastError: "connection refused", nextAttemptAt: 1234 } };
  await writeState(dir, state);
  assert.equal(statSync(join(dir, "acme/state.json")).mode & 0o777, 0o600);
  assert.deepEqual(await readState(dir), state);
  writeFileSync(join(dir, "acme/state.json"), "{not json");
  assert.deepEqual(await readState(dir), {});
  writeFileSync(join(dir, "acme/state.json"), JSON.stringify({ a: { names: "x", failures: "many", unpublished: 1 }, b: 7 }));
  assert.deepEqual(await readState(dir), { a: { ...freshState([]) } });
});
