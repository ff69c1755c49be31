/** The CLI as an administrator uses it: one-line errors with status 2, --json records, passwords shown once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { CLI, NODE, prepareDataDir, runCli } from "./harness.ts";
import { openDataDir } from "./support/postgres.ts";

function oneLineError(r: { status: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.status, 2, `exit status 2, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0] ?? "", pattern);
}

test("init writes a config and certificate, and refuses to overwrite", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-cli-"));
  try {
    const r = runCli(dir, ["init", "--hostname", "mx.cli.test", "--port-base", "10000"]);
    assert.equal(r.status, 0, r.stderr);
    const toml = readFileSync(join(dir, "sealpost.toml"), "utf8");
    assert.match(toml, /^port = 10025$/m);
    assert.match(toml, /^hostname = "mx\.cli\.test"$/m);
    assert.match(readFileSync(join(dir, "certs/mx.cli.test.pem"), "utf8"), /BEGIN CERTIFICATE/);
    oneLineError(runCli(dir, ["init"]), /sealpost\.toml exists already; refusing to overwrite it/);
    assert.equal(readFileSync(join(dir, "sealpost.toml"), "utf8"), toml);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad flags and values: one line, status 2", () => {
  const dir = prepareDataDir();
  try {
    oneLineError(runCli(dir, ["domain", "add", "x.test", "--bogus"]), /unknown option '--bogus'/);
    oneLineError(runCli(dir, ["domain", "add", "x.test", "--mandatory-tls", "maybe"]), /--mandatory-tls: expected on or off, got "maybe"/);
    oneLineError(runCli(dir, ["domain", "add", "not a domain"]), /invalid domain name/);
    oneLineError(runCli(dir, ["tls-report", "--days", "soon"]), /--days: expected an integer/);
    // Every integer flag names its range, whatever is wrong with the value.
    oneLineError(runCli(dir, ["tls-report", "--days", "-1"]), /^sealpost: --days: expected an integer from 1 to 3650, got "-1"$/);
    oneLineError(runCli(dir, ["history", "a@x.test", "--days", "0"]), /^sealpost: --days: expected an integer from 1 to 3650, got "0"$/);
    oneLineError(runCli(dir, ["queue", "log", "--days", "9999"]), /^sealpost: --days: expected an integer from 1 to 3650, got "9999"$/);
    oneLineError(runCli(dir, ["init", "--port-base", "-5"]), /^sealpost: --port-base: expected an integer from 0 to 65000, got "-5"$/);
    oneLineError(runCli(dir, ["store", "sweep", "--grace", "x"]), /^sealpost: --grace: expected an integer from \d+ to 604800, got "x"$/);
    oneLineError(runCli(dir, ["check", "127.0.0.1:1", "--timeout", "-1"]), /^sealpost: --timeout: expected an integer from 1 to 600000, got "-1"$/);
    oneLineError(runCli(dir, ["user", "add", "a@unhosted.test"]), /domain unhosted\.test is neither hosted nor a relay domain/);
    oneLineError(runCli(dir, ["frobnicate"]), /unknown command 'frobnicate'/);
    const empty = mkdtempSync(join(tmpdir(), "sealpost-cli-empty-"));
    oneLineError(runCli(empty, ["domain", "list"]), /sealpost\.toml: not found \(run "sealpost init" first\)/);
    rmSync(empty, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bad config stops serve with one line naming the key", () => {
  const dir = prepareDataDir();
  try {
    const path = join(dir, "sealpost.toml");
    writeFileSync(path, readFileSync(path, "utf8").replace(/^max_recipients = \d+$/m, 'max_recipients = "many"'));
    const r = spawnSync(NODE, [CLI, "serve", "--data", dir], { encoding: "utf8", timeout: 20_000 });
    oneLineError({ status: r.status ?? -1, stderr: r.stderr }, /smtp\.max_recipients: expected an integer from 1 to 100000, got "many"/);
    writeFileSync(path, readFileSync(path, "utf8").replace(/^max_recipients = .*$/m, "max_recipients = 100").replace(/^ciphers = .*$/m, 'ciphers = "DES-CBC3-SHA"'));
    const r2 = spawnSync(NODE, [CLI, "serve", "--data", dir], { encoding: "utf8", timeout: 20_000 });
    oneLineError({ status: r2.status ?? -1, stderr: r2.stderr }, /tls\.ciphers: "DES-CBC3-SHA" is a forbidden suite/);
    // A TOML syntax error: file, line and column, and what is wrong.
    const lines = readFileSync(path, "utf8").split("\n");
    const at = lines.findIndex((l) => /^max_recipients = /.test(l));
    lines[at] = "max_recipients = = 100";
    writeFileSync(path, lines.join("\n"));
    const r3 = spawnSync(NODE, [CLI, "serve", "--data", dir], { encoding: "utf8", timeout: 20_000 });
    const expected = `sealpost: ${path}:${at + 1}:18: invalid TOML: invalid value`;
    oneLineError({ status: r3.status ?? -1, stderr: r3.stderr }, /invalid TOML/);
    assert.equal(r3.stderr.trimEnd(), expected);
    const list = runCli(dir, ["domain", "list"]);
    oneLineError(list, /invalid TOML/);
    assert.equal(list.stderr.trimEnd(), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("domains and users: add, set, list, --json; generated passwords are printed once", () => {
  const dir = prepareDataDir();
  try {
    assert.equal(runCli(dir, ["domain", "add", "Example.TEST"]).status, 0);
    const set = runCli(dir, ["domain", "set", "example.test", "--mandatory-tls", "on", "--json"]);
    assert.equal(set.status, 0, set.stderr);
    assert.equal((JSON.parse(set.stdout) as { mandatoryTls: boolean }).mandatoryTls, true);
    const domains = JSON.parse(runCli(dir, ["domain", "list", "--json"]).stdout) as Array<{ name: string; mandatoryTls: boolean }>;
    assert.deepEqual(domains.map((d) => [d.name, d.mandatoryTls]), [["example.test", true]]);

    const gen = runCli(dir, ["user", "add", "gen@example.test"]);
    assert.equal(gen.status, 0, gen.stderr);
    const password = /^password: (\S+)$/m.exec(gen.stdout)?.[1];
    assert.ok(password !== undefined && password.length === 20, gen.stdout);
    const piped = runCli(dir, ["user", "add", "piped@example.test"], "my secret pass\n");
    assert.equal(piped.status, 0, piped.stderr);
    assert.doesNotMatch(piped.stdout, /password/);
    oneLineError(runCli(dir, ["user", "add", "short@example.test"], "abc\n"), /password: at least 8 characters/);
    oneLineError(runCli(dir, ["user", "add", "gen@example.test"], "another pass\n"), /account gen@example\.test exists already/);

    const users = JSON.parse(runCli(dir, ["user", "list", "--json"]).stdout) as Array<{ address: string; password?: string }>;
    assert.deepEqual(users.map((u) => u.address), ["gen@example.test", "piped@example.test"]);
    assert.ok(users.every((u) => u.password === undefined), "list never shows passwords");
    const passwd = runCli(dir, ["user", "passwd", "piped@example.test"], "changed pass 2\n");
    assert.equal(passwd.status, 0, passwd.stderr);
    assert.doesNotMatch(passwd.stdout, /changed pass 2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("queue list shows what waits for delivery, as a table and as JSON", async () => {
  const dir = prepareDataDir();
  try {
    const { enqueue } = await import("../src/queue/index.ts");
    const store = await openDataDir(dir);
    const blob = await store.blobs.write([Buffer.from("Subject: q\r\n\r\nqueued\r\n")]);
    await store.committer.submit((trx) => enqueue(trx, { id: "ABC123", from: "a@example.test", recipients: ["x@remote.test"], blob: blob.name, size: blob.size, source: "test" }), [blob.dir]);
    await store.close();
    const json = runCli(dir, ["queue", "list", "--json"]);
    assert.equal(json.status, 0, json.stderr);
    const items = JSON.parse(json.stdout) as Array<{ id: string; recipients: string[]; status: string }>;
    assert.deepEqual(items.map((q) => [q.id, q.recipients, q.status]), [["ABC123", ["x@remote.test"], "queued"]]);
    const table = runCli(dir, ["queue", "list"]);
    assert.match(table.stdout, /^ABC123 +\S+ +a@example\.test +x@remote\.test +\d+ +queued/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
