/**
 * Short messages between processes and nodes on one PostgreSQL database (issue 16): what a process
 * publishes goes out by NOTIFY, and what the others published it hears on one LISTEN connection of
 * its own. The items of one turn of the event loop go out together (one NOTIFY per 7,900 bytes).
 * NOTIFY is delivered after the sender's commit, in commit order, to every listening session —
 * across machines, which the workers' IPC relay (src/workers) is not. Topics:
 *
 *  - "mailbox": a mailbox's id when a commit changed it, passed to this process's sessions as a
 *    `relayed` change (IDLE's EXISTS, EXPUNGE and FETCH; a selected mailbox's next updates);
 *  - the sign-in limits' outcomes (src/auth), so that every node counts every node's failures.
 *
 * A lost LISTEN connection is opened again (after 1 s, then up to 30 s apart); items published
 * meanwhile are missed: a session's next command or poll finds the change, and a missed sign-in
 * failure is one the limits there do not count.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

const CHANNEL = "sealpost";
/** NOTIFY's payload limit is 8000 bytes. */
const MAX_PAYLOAD = 7900;
const RECONNECT_MS = [1000, 2000, 5000, 10_000, 30_000] as const;

/** Items for every other process on the database (null on SQLite: one machine, the workers' IPC). */
export interface ClusterBus {
  /**
   * Sends `item` (one line; at most a few hundred bytes) under `topic` (a word) to every other
   * process. `once`: the same item twice in one turn goes once.
   */
  publish(topic: string, item: string, once?: boolean): void;
  /** Hears what the other processes publish under `topic`. */
  subscribe(topic: string, fn: (item: string) => void): void;
}

export class PgBus implements ClusterBus {
  /** This process's mark on its own notices, so it does not hear its own items. */
  readonly #token = randomBytes(6).toString("hex");
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #subscribers = new Map<string, Array<(item: string) => void>>();
  #listener: pg.Client | null = null;
  /** "topic item" lines of this turn, in order; `#once` those that go once. */
  #pending: string[] = [];
  #once = new Set<string>();
  #flushing: Promise<void> | null = null;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | null = null;

  constructor(url: string, pool: pg.Pool) {
    this.#url = url;
    this.#pool = pool;
  }

  /** Starts listening; resolves once the LISTEN is in place (an item published after it is heard). */
  async start(): Promise<void> {
    await this.#listen();
  }

  publish(topic: string, item: string, once = false): void {
    if (this.#closed) return;
    const line = `${topic} ${item}`;
    if (once) {
      if (this.#once.has(line)) return;
      this.#once.add(line);
    }
    this.#pending.push(line);
    this.#flushing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.#flush());
  }

  subscribe(topic: string, fn: (item: string) => void): void {
    this.#subscribers.set(topic, [...(this.#subscribers.get(topic) ?? []), fn]);
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on("notification", (n) => this.#heard(n.payload ?? ""));
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.#listener = client;
    this.#failures = 0;
  }

  #lost(client: pg.Client): void {
    if (this.#listener !== client || this.#closed) return;
    this.#listener = null;
    client.removeAllListeners("end");
    void client.end().catch(() => undefined);
    this.#reconnect();
  }

  #reconnect(): void {
    const delay = RECONNECT_MS[Math.min(this.#failures, RECONNECT_MS.length - 1)] ?? 30_000;
    this.#failures += 1;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#closed) this.#listen().catch(() => this.#reconnect());
    }, delay);
    this.#retry.unref();
  }

  /** "TOKEN\ntopic item\n…" from another process: each item to the topic's subscribers. */
  #heard(payload: string): void {
    const lines = payload.split("\n");
    if (lines[0] === this.#token) return;
    for (const line of lines.slice(1)) {
      const space = line.indexOf(" ");
      if (space < 0) continue;
      for (const fn of this.#subscribers.get(line.slice(0, space)) ?? []) fn(line.slice(space + 1));
    }
  }

  async #flush(): Promise<void> {
    const lines = this.#pending;
    this.#pending = [];
    this.#once = new Set();
    this.#flushing = null;
    const payloads: string[] = [];
    let current = this.#token;
    for (const line of lines) {
      if (current.length + 1 + line.length > MAX_PAYLOAD && current !== this.#token) {
        payloads.push(current);
        current = this.#token;
      }
      current += `\n${line}`;
    }
    if (current !== this.#token) payloads.push(current);
    // A failed NOTIFY (the database briefly unreachable) loses only what it told, not a change.
    await Promise.all(payloads.map((p) => this.#pool.query("select pg_notify($1, $2)", [CHANNEL, p]).catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    await this.#flushing;
    const client = this.#listener;
    this.#listener = null;
    if (client !== null) await client.end().catch(() => undefined);
  }
}
