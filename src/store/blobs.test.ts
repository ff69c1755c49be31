import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobStore } from "./blobs.ts";
import { DiskSpace, StorageFullError } from "./space.ts";

const MB = 1024 * 1024;
let mnt: string;

// A real full disk: a 1 MB tmpfs (the tests run as root, here and in CI).
before(() => {
  mnt = mkdtempSync(join(tmpdir(), "sealpost-blobs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
});
after(() => {
  execFileSync("umount", [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const blobFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);

test("ENOSPC in the middle of a write: the partial file is removed and the error is StorageFullError", async () => {
  // No floor, and a reading that says there is room: the file system has the last word.
  let asked = 0;
  const space = new DiskSpace([mnt], {
    minFree: () => 0,
    cacheMs: () => 60_000,
    statfs: async () => {
      asked++;
      return { bavail: 1024, bsize: MB };
    },
  });
  const blobs = new BlobStore(join(mnt, "blobs"), space);
  const small = await blobs.write([Buffer.alloc(100 * 1024, 1)]);
  await assert.rejects(blobs.write([Buffer.alloc(2 * MB, 2)]), StorageFullError);
  assert.deepEqual(blobFiles(blobs.dir), [small.name.split("/")[1]], "only the complete file is there");
  assert.equal(asked, 1);
  await space.check(0);
  assert.equal(asked, 2, "the reading was dropped: the next check asks the file system again");
});

test("below the floor nothing is written at all", async () => {
  const space = new DiskSpace([mnt], { minFree: () => 10 * MB, cacheMs: () => 0 });
  const blobs = new BlobStore(join(mnt, "floor"), space);
  await assert.rejects(blobs.write([Buffer.from("x")]), StorageFullError);
  assert.deepEqual(readdirSync(mnt).filter((n) => n === "floor"), [], "not even the directory");
});
