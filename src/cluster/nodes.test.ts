import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEARTBEAT_MS, LIVE_MS, listNodes, NodeHeartbeat, nodeId } from "./nodes.ts";
import { openTestStore } from "../../test/support/postgres.ts";

test("a data directory keeps its node id across starts; a damaged id file gets a new one", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-node-id-"));
  try {
    const id = nodeId(dir);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(nodeId(dir), id);
    assert.equal(readFileSync(join(dir, "node-id"), "utf8"), `${id}\n`);
    writeFileSync(join(dir, "node-id"), "not an id");
    assert.notEqual(nodeId(dir), id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nodes: a heartbeat keeps a node live, a missed one for 30 s makes it gone, a clean stop marks it stopped; a restart takes its row again", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-nodes-"));
  const store = await openTestStore(dir);
  const errors: unknown[] = [];
  try {
    const info = (id: string, hostname: string) => ({ id, hostname, dataDir: `/srv/${hostname}`, roles: ["mx", "imaps", "queue"], version: "sealpost 0.1.0" });
    const t0 = Date.now();
    const a = new NodeHeartbeat(store.db, info("a", "mx1.example.test"), (e) => errors.push(e));
    const b = new NodeHeartbeat(store.db, info("b", "mx2.example.test"), (e) => errors.push(e));
    await a.start(t0);
    await b.start(t0);
    let nodes = await listNodes(store.db, t0 + HEARTBEAT_MS);
    assert.deepEqual(
      nodes.map((n) => [n.id, n.state, n.roles, n.pid]),
      [
        ["a", "live", ["mx", "imaps", "queue"], process.pid],
        ["b", "live", ["mx", "imaps", "queue"], process.pid],
      ],
    );
    // b stops cleanly; a's last heartbeat was t0: past LIVE_MS it is gone (killed, or cut off).
    await b.stop(t0 + 1000);
    nodes = await listNodes(store.db, t0 + LIVE_MS + 1);
    assert.deepEqual(nodes.map((n) => [n.id, n.state]), [["a", "gone"], ["b", "stopped"]]);
    assert.equal(nodes.find((n) => n.id === "b")?.stoppedAt, t0 + 1000);
    // b starts again: the same row, live, no longer stopped.
    const again = new NodeHeartbeat(store.db, info("b", "mx2.example.test"), (e) => errors.push(e));
    await again.start(t0 + LIVE_MS);
    nodes = await listNodes(store.db, t0 + LIVE_MS + 1);
    assert.deepEqual(nodes.map((n) => [n.id, n.state, n.stoppedAt]), [["b", "live", null], ["a", "gone", null]]);
    await again.stop();
    await a.stop();
    assert.deepEqual(errors, []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
