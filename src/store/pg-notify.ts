/**
 * Mailbox changes between processes and nodes on one PostgreSQL database (issue 16): what a
 * process commits it announces with NOTIFY, and what the others announced it hears on one LISTEN
 * connection of its own and passes to its sessions as a `relayed` change (IDLE's EXISTS, EXPUNGE
 * and FETCH; a selected mailbox's next untagged updates). The changes of one turn of the event
 * loop go out in one NOTIFY. NOTIFY is delivered after the sender's commit, in commit order, to
 * every listening session — across machines, which the workers' IPC relay (src/workers) is not.
 *
 * A lost LISTEN connection is opened again (after 1 s, then up to 30 s apart); changes announced
 * meanwhile are missed, as a session's next command or poll finds them.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { MailboxEvents } from "./database.ts";

const CHANNEL = "sealpost_mailbox";
/** NOTIFY's payload limit is 8000 bytes; mailbox ids are short. */
const MAX_PAYLOAD = 7900;
const RECONNECT_MS = [1000, 2000, 5000, 10_000, 30_000] as const;

export class ChangeChannel {
  /** This process's mark on its own notices, so it does not hear its own changes twice. */
  readonly #token = randomBytes(6).toString("hex");
  readonly #url: string;
  readonly #events: MailboxEvents;
  readonly #pool: pg.Pool;
  #listener: pg.Client | null = null;
  #pending = new Set<number>();
  #flushing: Promise<void> | null = null;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | null = null;
  readonly #onChange = (mailboxId: number, relayed?: boolean): void => {
    if (relayed === true || this.#closed) return;
    this.#pending.add(mailboxId);
    this.#flushing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.#flush());
  };

  constructor(url: string, pool: pg.Pool, events: MailboxEvents) {
    this.#url = url;
    this.#pool = pool;
    this.#events = events;
  }

  /** Starts listening; resolves once the LISTEN is in place (a change committed after it is heard). */
  async start(): Promise<void> {
    this.#events.on("changed", this.#onChange);
    await this.#listen();
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

  /** "TOKEN:ID,ID,…" from another process: its changes, to this process's watchers. */
  #heard(payload: string): void {
    const colon = payload.indexOf(":");
    if (colon < 0 || payload.slice(0, colon) === this.#token) return;
    for (const id of payload.slice(colon + 1).split(",")) {
      const n = Number(id);
      if (Number.isSafeInteger(n) && n > 0) this.#events.emit("changed", n, true);
    }
  }

  async #flush(): Promise<void> {
    const ids = [...this.#pending];
    this.#pending = new Set();
    this.#flushing = null;
    const payloads: string[] = [];
    let current = "";
    for (const id of ids) {
      const next = current === "" ? String(id) : `${current},${id}`;
      if (next.length > MAX_PAYLOAD - this.#token.length - 1) {
        payloads.push(current);
        current = String(id);
      } else current = next;
    }
    if (current !== "") payloads.push(current);
    // A failed NOTIFY (the database briefly unreachable) loses only the wake-up, not the change.
    await Promise.all(payloads.map((p) => this.#pool.query("select pg_notify($1, $2)", [CHANNEL, `${this.#token}:${p}`]).catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#events.off("changed", this.#onChange);
    if (this.#retry !== null) clearTimeout(this.#retry);
    await this.#flushing;
    const client = this.#listener;
    this.#listener = null;
    if (client !== null) await client.end().catch(() => undefined);
  }
}
