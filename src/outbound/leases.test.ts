/**
 * Leases on queued recipients (issue 16), on both engines: two nodes' runners on one database
 * deliver each recipient once; a claim is taken over only when it lapsed or its node is stopped or
 * gone; a node's outcome never overwrites a claim another node took; claims are renewed while a
 * delivery runs and given back at stop and at the next start.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../config/index.ts";
import { enqueue } from "../queue/index.ts";
import type { DeliveryRequest, DeliveryResult } from "../smtp-client/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { Leases } from "./leases.ts";
import { QueueRunner } from "./runner.ts";
import { testStoreOptions } from "../../test/support/postgres.ts";
import { testRunner } from "../../test/support/queue-runner.ts";

type Send = (req: DeliveryRequest) => Promise<DeliveryResult>;

/** `count` stores on one fresh database (a node each), closed and removed after `body`. */
async function withStores(count: number, body: (stores: Store[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-leases-"));
  const database = testStoreOptions();
  const stores: Store[] = [];
  try {
    for (let i = 0; i < count; i++) stores.push(await openStore(dir, database));
    await body(stores);
  } finally {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A runner for node `owner` on `store` (not started); its warnings go to `warnings`. */
function runner(store: Store, owner: string, send: Send, opts: { leaseMs?: number; warnings?: string[] } = {}): QueueRunner {
  const config = validateConfig({ hostname: "out.test", delivery: { mta_sts: false }, queue: { concurrency: 8, per_destination: 4 } });
  return testRunner(store, config, {
    owner,
    send,
    onLog: (r) => {
      if (r.level === "warn") opts.warnings?.push(r.msg);
    },
    ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
  });
}

/** The remote server took every recipient, after `delayMs`. */
function accepting(delayMs: () => number, each?: (req: DeliveryRequest) => void): Send {
  return async (req) => {
    each?.(req);
    await new Promise((r) => setTimeout(r, delayMs()));
    return {
      host: req.host,
      address: req.address,
      port: req.port,
      starttlsOffered: true,
      tls: null,
      problem: null,
      permanent: false,
      mailStarted: true,
      recipients: req.recipients.map((address) => ({ address, code: 250, reply: "250 2.0.0 Ok", accepted: true, delivered: true, permanent: false })),
    };
  };
}

/** Queues `n` messages Q0…, each to `perMessage` recipients at example.net. */
async function queue(store: Store, n: number, perMessage = 1): Promise<void> {
  const blob = await store.blobs.write([Buffer.from("Subject: t\r\n\r\nhello\r\n")]);
  await store.committer.submit(async (trx) => {
    for (let i = 0; i < n; i++) {
      const recipients = Array.from({ length: perMessage }, (_, j) => `r${i}-${j}@example.net`);
      await enqueue(trx, { id: `Q${i}`, from: "a@local.test", recipients, blob: blob.name, size: blob.size, source: "test", ownsBlob: false });
    }
  }, [blob.dir]);
}

const pending = (store: Store) => store.db.selectFrom("queue_recipients").selectAll().where("status", "=", "pending").execute();
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(20);
  }
}

test("two nodes' runners on one database deliver each of 240 recipients exactly once, and both take a share", async () => {
  await withStores(2, async ([a, b]) => {
    assert.ok(a !== undefined && b !== undefined);
    await queue(a, 120, 2);
    const seen = new Map<string, string[]>();
    const note = (node: string) => (req: DeliveryRequest) => {
      for (const r of req.recipients) seen.set(r, [...(seen.get(r) ?? []), node]);
    };
    const runners = [runner(a, "node-a", accepting(() => 2 + Math.random() * 8, note("a"))), runner(b, "node-b", accepting(() => 2 + Math.random() * 8, note("b")))];
    for (const r of runners) r.start();
    try {
      await until("every recipient delivered", async () => (await a.db.selectFrom("queue").select("id").execute()).length === 0);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    const twice = [...seen].filter(([, nodes]) => nodes.length > 1);
    assert.deepEqual(twice, [], "a recipient was sent twice");
    assert.equal(seen.size, 240);
    const byNode = (n: string) => [...seen.values()].filter((v) => v[0] === n).length;
    assert.ok(byNode("a") > 0 && byNode("b") > 0, `both nodes delivered (a ${byNode("a")}, b ${byNode("b")})`);
  });
});

test("a claim is taken over only when it lapsed or its node stopped or is gone; a live node's claim is left alone", async () => {
  await withStores(1, async ([store]) => {
    assert.ok(store !== undefined);
    await queue(store, 1);
    const now = Date.now();
    const mine = new Leases(store.db, "node-a");
    const theirs = new Leases(store.db, "node-b");
    assert.deepEqual((await theirs.claim("example.net", 4, [], now)).map((r) => r.recipient), ["r0-0@example.net"]);
    const nodeRow = { hostname: "b", data_dir: "/b", pid: 1, roles: "queue", version: "t", started_at: now, last_seen: now, stopped_at: null };
    await store.db.insertInto("nodes").values({ id: "node-b", ...nodeRow }).execute();
    assert.deepEqual(await mine.claim("example.net", 4, [], now), [], "node b is live and its claim holds");
    assert.deepEqual(await mine.domains([], now, 10), []);
    // Its heartbeat is gone (older than LIVE_MS): its claims are free at once, before they lapse.
    await store.db.updateTable("nodes").set({ last_seen: now - 31_000 }).execute();
    assert.equal((await mine.claim("example.net", 4, [], now)).length, 1, "a gone node's claim is taken");
    // Node a's claim, lapsed: node b (live again) takes it.
    await store.db.updateTable("nodes").set({ last_seen: now }).execute();
    assert.deepEqual(await theirs.claim("example.net", 4, [], now + 59_000), [], "node a's claim holds a minute");
    assert.equal((await theirs.claim("example.net", 4, [], now + 60_000)).length, 1, "a lapsed claim is taken");
    // Node b stopped cleanly (its claims were released; one left behind is free too).
    await store.db.updateTable("nodes").set({ stopped_at: now }).execute();
    assert.equal((await mine.claim("example.net", 4, [], now)).length, 1, "a stopped node's claim is taken");
    assert.deepEqual(await theirs.claim("example.net", 4, [], now), [], "node a's fresh claim holds");
    assert.equal((await mine.claim("example.net", 4, ["Q0"], now + 61_000)).length, 0, "a message in flight here is not claimed again");
  });
});

test("a node's outcome is not written over a claim another node took when its own lapsed; the other node delivers it", async () => {
  await withStores(1, async ([store]) => {
    assert.ok(store !== undefined);
    await queue(store, 1);
    const warnings: string[] = [];
    // The remote server's answer waits for the test; a stop (the runner's abort) ends it as well.
    const sending: Array<() => void> = [];
    const slow = runner(
      store,
      "node-a",
      async (req) => {
        await new Promise<void>((resolve, reject) => {
          sending.push(resolve);
          req.signal?.addEventListener("abort", () => reject(new Error("aborted")));
        });
        return accepting(() => 0)(req);
      },
      { warnings },
    );
    const release = (): void => sending.forEach((r) => r());
    slow.start();
    try {
      // Node a has claimed the recipient and is in the middle of sending it.
      await until("node a to send", async () => sending.length > 0);
      assert.equal((await pending(store))[0]?.lease_owner, "node-a");
      // Node a's claim lapsed (no renewal reached the database) and node b took the recipient.
      await store.db.updateTable("queue_recipients").set({ lease_owner: "node-b", lease_until: Date.now() + 60_000 }).execute();
      release();
      await until("node a's warning", async () => warnings.some((w) => w.includes("had lapsed")));
      const [row] = await pending(store);
      assert.equal(row?.status, "pending", "still node b's to deliver");
      assert.equal(row?.lease_owner, "node-b");
      assert.equal(row?.attempts, 0, "node a's attempt is not counted on node b's claim");
    } finally {
      await slow.stop();
    }
  });
});

test("a long delivery's claim is renewed: no other node takes the recipient while it runs", async () => {
  await withStores(2, async ([a, b]) => {
    assert.ok(a !== undefined && b !== undefined);
    await queue(a, 1);
    let sends = 0;
    const slow = runner(a, "node-a", accepting(() => 1200, () => sends++), { leaseMs: 300 });
    slow.start();
    try {
      await until("node a to claim", async () => (await pending(a))[0]?.lease_owner === "node-a");
      const other = new Leases(b.db, "node-b", 300);
      const taken: number[] = [];
      // For over three lease lengths, node b keeps trying to claim what node a is delivering.
      for (let i = 0; i < 25; i++) {
        taken.push(...(await other.claim("example.net", 4, [], Date.now())).map((r) => r.id));
        await wait(40);
      }
      assert.deepEqual(taken, [], "node b claimed a recipient node a was delivering");
      await until("the delivery", async () => (await pending(a)).length === 0);
      assert.equal(sends, 1);
    } finally {
      await slow.stop();
    }
  });
});

test("stop gives a node's claims back; a start gives back what a SIGKILL left behind", async () => {
  await withStores(1, async ([store]) => {
    assert.ok(store !== undefined);
    await queue(store, 2);
    const hanging = runner(store, "node-a", (req) => new Promise((_, reject) => req.signal?.addEventListener("abort", () => reject(new Error("aborted")))));
    hanging.start();
    await until("both claimed", async () => (await pending(store)).every((r) => r.lease_owner === "node-a"));
    await hanging.stop();
    assert.deepEqual((await pending(store)).map((r) => [r.lease_owner, r.lease_until]), [[null, null], [null, null]]);
    // As a SIGKILL leaves them: due, and claimed by node a for the next minute.
    await store.db.updateTable("queue_recipients").set({ lease_owner: "node-a", lease_until: Date.now() + 60_000, next_attempt_at: Date.now() }).execute();
    const again = runner(store, "node-a", accepting(() => 0));
    again.start();
    try {
      await until("both delivered after the restart", async () => (await pending(store)).length === 0, 5_000);
    } finally {
      await again.stop();
    }
  });
});
