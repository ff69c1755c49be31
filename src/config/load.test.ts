import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { ConfigError, databaseOptions, loadConfig, renderConfig, validateConfig } from "./index.ts";

const minimal = { hostname: "mx.example.test" };

test("defaults fill every field", () => {
  const c = validateConfig(minimal);
  assert.equal(c.tls.min_version, "TLSv1.2");
  assert.equal(c.listeners.mx.port, 25);
  assert.equal(c.smtp.max_recipients, 100);
  assert.deepEqual(c.tls.certificates, []);
});

test("errors name the key and what is wrong", () => {
  const msg = (doc: Record<string, unknown>): string => {
    try {
      validateConfig(doc);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    assert.fail("accepted");
  };
  assert.equal(msg({ ...minimal, smtp: { max_recipients: "lots" } }), 'smtp.max_recipients: expected an integer from 1 to 100000, got "lots"');
  assert.equal(msg({ ...minimal, tls: { min_version: "TLSv1" } }), 'tls.min_version: expected one of "TLSv1.2", "TLSv1.3", got "TLSv1"');
  assert.equal(msg({ ...minimal, listners: {} }), "listners: unknown key");
  assert.equal(msg({}), "hostname: missing (This server's host name: greeting, EHLO, Received headers, certificate.)");
  assert.match(msg({ ...minimal, tls: { certificates: [{ cert: "a.pem" }] } }), /^tls\.certificates\[0\]\.key: missing/);
});

test("the rendered file parses back to the same values, with comments", () => {
  const text = renderConfig({
    hostname: "mx.example.test",
    tls: { certificates: [{ cert: "certs/a.pem", key: "certs/a.key" }] },
    listeners: { mx: { enabled: true, address: "127.0.0.1", port: 10025 } },
  });
  assert.match(text, /# Recipients per message/);
  const c = validateConfig(parse(text));
  assert.equal(c.listeners.mx.port, 10025);
  assert.equal(c.tls.certificates[0]?.cert, "certs/a.pem");
});

test("loadConfig resolves certificate paths and reports TOML errors in one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-config-"));
  try {
    assert.throws(() => loadConfig(dir), /sealpost\.toml: not found \(run "sealpost init" first\)/);
    writeFileSync(join(dir, "sealpost.toml"), 'hostname = "h.test"\n[[tls.certificates]]\ncert = "c.pem"\nkey = "/abs/k.pem"\n');
    const c = loadConfig(dir);
    assert.equal(c.tls.certificates[0]?.cert, join(dir, "c.pem"));
    assert.equal(c.tls.certificates[0]?.key, "/abs/k.pem");
    writeFileSync(join(dir, "sealpost.toml"), "hostname = \n");
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof ConfigError && !e.message.includes("\n"));
    // The line and column of the mistake, and what it is (smol-toml's TomlError knows both).
    const path = join(dir, "sealpost.toml");
    writeFileSync(path, 'hostname = "h.test"\n\n[smtp]\nmax_recipients = = 5\n');
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof ConfigError && e.message === `${path}:4:18: invalid TOML: invalid value`);
    writeFileSync(path, 'hostname = "h.test"\n[smtp\n');
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof ConfigError && e.message === `${path}:2:6: invalid TOML: illegal character in key`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("store.backend postgres needs a URL without a password, and a refused URL is not repeated", () => {
  assert.deepEqual(databaseOptions(validateConfig(minimal), "/srv/sealpost"), {});
  const url = "postgres://sealpost@127.0.0.1:5432/sealpost";
  assert.deepEqual(databaseOptions(validateConfig({ ...minimal, store: { backend: "postgres", postgres: { url } } }), "/srv/sealpost"), { postgres: url });
  assert.throws(() => databaseOptions(validateConfig({ ...minimal, store: { backend: "postgres" } }), "/srv/sealpost"), { name: "ConfigError", message: 'store.postgres.url: missing (store.backend is "postgres")' });
  for (const bad of ["postgres://sealpost:hunter2@127.0.0.1/sealpost", "postgres://127.0.0.1/sealpost?password=hunter2", "mysql://hunter2@db/sealpost", "postgres://db"]) {
    assert.throws(
      () => validateConfig({ ...minimal, store: { backend: "postgres", postgres: { url: bad } } }),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith("store.postgres.url: expected postgres://") && !e.message.includes("hunter2") && !e.message.includes(bad),
      bad,
    );
  }
  // The nodes' shared message files: an absolute path, or one in the data directory.
  const blobs = (blobDir: string) => databaseOptions(validateConfig({ ...minimal, store: { backend: "postgres", postgres: { url, blob_dir: blobDir } } }), "/srv/sealpost").blobDir;
  assert.equal(blobs("/mnt/shared/blobs"), "/mnt/shared/blobs");
  assert.equal(blobs("shared"), "/srv/sealpost/shared");
  // The URL is the database's: a password in PGPASSWORD or ~/.pgpass, parameters allowed.
  validateConfig({ ...minimal, store: { postgres: { url: "postgresql://sealpost@[::1]:5433/mail?sslmode=require" } } });
});
