import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { appendMessage, expunge, holdSweep, listMessages, storeFlags, sweepBlobs, sweepHeld } from "./index.ts";
import { HOLD_DIR, HOLD_TTL_MS } from "./sweep-hold.ts";
import { withTestAccount } from "../../test/support/store.ts";

test("while a backup holds the sweep, an expunged message's file stays; after release it goes", async () => {
  await withTestAccount(async (store, ids) => {
    const { uid } = await appendMessage(store, ids.inbox, Buffer.from("Subject: x\r\n\r\nx\r\n"), "", 1);
    const blob = (await listMessages(store.db, ids.account))[0]?.blob;
    assert.ok(blob !== undefined);
    assert.equal(await sweepHeld(store.dataDir), false);

    const hold = await holdSweep(store.dataDir, "test backup");
    assert.equal(await sweepHeld(store.dataDir), true);
    // The snapshot named the file; now the message is deleted and the sweep runs.
    await storeFlags(store, ids.inbox, [uid], "add", ["\\Deleted"]);
    await expunge(store, ids.inbox);
    const held = await sweepBlobs(store, { graceMs: 0 });
    assert.equal(held.removed, 0);
    assert.equal(held.held, 1);
    assert.ok(existsSync(store.blobs.path(blob)));

    // A delivered queue entry's own file is left to the sweep too.
    await store.blobs.remove(blob);
    assert.ok(existsSync(store.blobs.path(blob)));

    await hold.release();
    assert.deepEqual(readdirSync(join(store.dataDir, HOLD_DIR)), []);
    const swept = await sweepBlobs(store, { graceMs: 0 });
    assert.equal(swept.removed, 1);
    assert.ok(!existsSync(store.blobs.path(blob)));
  });
});

test("a hold left by a crashed backup stops holding once it is older than the TTL", async () => {
  await withTestAccount(async (store) => {
    await holdSweep(store.dataDir, "crashed");
    const [name] = readdirSync(join(store.dataDir, HOLD_DIR));
    assert.ok(name !== undefined);
    const old = new Date(Date.now() - HOLD_TTL_MS - 60_000);
    utimesSync(join(store.dataDir, HOLD_DIR, name), old, old);
    assert.equal(await sweepHeld(store.dataDir), false);
  });
});
