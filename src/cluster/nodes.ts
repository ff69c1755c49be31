/**
 * The nodes on one database (issue 16): each `sealpost serve` announces itself in the `nodes` table
 * at start, renews `last_seen` every HEARTBEAT_MS while it runs, and marks itself stopped when it
 * shuts down cleanly. A node whose heartbeat is older than LIVE_MS is gone (killed, or cut off from
 * the database). `sealpost nodes` reads the table; on SQLite it holds the one node of the data
 * directory.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../store/index.ts";

export const HEARTBEAT_MS = 10_000;
/** Three heartbeats missed: the node is gone. */
export const LIVE_MS = 3 * HEARTBEAT_MS;

/** The data directory's node id: made at its first start, kept in `node-id`. */
export function nodeId(dataDir: string): string {
  const file = join(dataDir, "node-id");
  try {
    const id = readFileSync(file, "utf8").trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const id = randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o644 });
  return id;
}

interface NodeInfo {
  id: string;
  hostname: string;
  dataDir: string;
  roles: readonly string[];
  version: string;
}

type NodeState = "live" | "stopped" | "gone";

interface NodeRow {
  id: string;
  hostname: string;
  dataDir: string;
  pid: number;
  roles: string[];
  version: string;
  startedAt: number;
  lastSeen: number;
  stoppedAt: number | null;
  state: NodeState;
}

/** Every node that ever ran on the database, live ones first, then by host name. */
export async function listNodes(db: Kysely<Database>, now = Date.now()): Promise<NodeRow[]> {
  const rows = await db.selectFrom("nodes").selectAll().orderBy("hostname").orderBy("data_dir").execute();
  const order: Record<NodeState, number> = { live: 0, gone: 1, stopped: 2 };
  return rows
    .map((r): NodeRow => ({
      id: r.id,
      hostname: r.hostname,
      dataDir: r.data_dir,
      pid: r.pid,
      roles: r.roles === "" ? [] : r.roles.split(","),
      version: r.version,
      startedAt: r.started_at,
      lastSeen: r.last_seen,
      stoppedAt: r.stopped_at,
      state: r.stopped_at !== null ? "stopped" : now - r.last_seen <= LIVE_MS ? "live" : "gone",
    }))
    .sort((a, b) => order[a.state] - order[b.state]);
}

/**
 * This node's row: written at `start`, renewed every HEARTBEAT_MS, marked stopped at `stop`. A
 * heartbeat that fails (the database briefly unreachable) is reported and tried again at the next.
 */
export class NodeHeartbeat {
  readonly #db: Kysely<Database>;
  readonly #info: NodeInfo;
  readonly #onError: (e: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #beat: Promise<void> = Promise.resolve();

  constructor(db: Kysely<Database>, info: NodeInfo, onError: (e: unknown) => void) {
    this.#db = db;
    this.#info = info;
    this.#onError = onError;
  }

  async start(now = Date.now()): Promise<void> {
    const i = this.#info;
    const row = { hostname: i.hostname, data_dir: i.dataDir, pid: process.pid, roles: i.roles.join(","), version: i.version, started_at: now, last_seen: now, stopped_at: null };
    await this.#db
      .insertInto("nodes")
      .values({ id: i.id, ...row })
      .onConflict((oc) => oc.column("id").doUpdateSet(row))
      .execute();
    this.#timer = setInterval(() => {
      this.#beat = this.#touch({ last_seen: Date.now() });
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  async #touch(set: { last_seen: number; stopped_at?: number }): Promise<void> {
    try {
      await this.#db.updateTable("nodes").set(set).where("id", "=", this.#info.id).execute();
    } catch (e) {
      this.#onError(e);
    }
  }

  async stop(now = Date.now()): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#beat;
    await this.#touch({ last_seen: now, stopped_at: now });
  }
}
