import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { editConfig } from "./edit.ts";
import { loadConfig } from "./load.ts";

const OLD = `# An operator's own comment.
hostname = "mx.example.test"

[store]
# kept
backend = "sqlite"
min_free_space = 50

[smtp]
max_message_size = 1000000
`;

test("editConfig replaces a key in its table, adds a missing key under the header and a missing table at the end, and keeps every comment", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-edit-"));
  try {
    writeFileSync(join(dir, "sealpost.toml"), OLD);
    editConfig(dir, { store: { backend: "postgres", sweep_grace: 120 }, "store.postgres": { url: "postgres://sealpost@db.example.test/mail" } });
    const text = readFileSync(join(dir, "sealpost.toml"), "utf8");
    assert.match(text, /^# An operator's own comment\.$/m);
    assert.match(text, /^\[store\]\nsweep_grace = 120\n# kept\nbackend = "postgres"\nmin_free_space = 50\n\n\[smtp\]/m);
    assert.match(text, /\n\[store\.postgres\]\nurl = "postgres:\/\/sealpost@db\.example\.test\/mail"\n/);
    const c = loadConfig(dir);
    assert.deepEqual([c.store.backend, c.store.postgres.url, c.store.min_free_space, c.smtp.max_message_size], ["postgres", "postgres://sealpost@db.example.test/mail", 50, 1000000]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("editConfig checks the result first: a value the schema refuses leaves the file as it was", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-edit-"));
  try {
    writeFileSync(join(dir, "sealpost.toml"), OLD);
    assert.throws(() => editConfig(dir, { store: { backend: "oracle" } }), /store\.backend/);
    assert.equal(readFileSync(join(dir, "sealpost.toml"), "utf8"), OLD);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
