/**
 * The primary's worker processes (`[process] workers` = N > 1). The primary owns the listening
 * sockets (net's FrontListener) and what must be global; the workers serve the connections:
 *
 * - connections: each goes, unread, to the worker with the fewest open ones; the per-address
 *   count is the primary's, each worker holds its share of the total (ceil(total / N));
 * - sign-in limits: one gate (auth's LocalSignInGate) in the primary; a worker's sign-in asks it
 *   for a slot and reports how the check ended;
 * - mailbox changes: a worker's commit is announced to every other process, so IDLE and the
 *   untagged updates of IMAP sessions reach every worker;
 * - the outbound runner, sweeps, schedules and the web console run in the primary only; a worker
 *   that queues a message wakes the runner.
 *
 * Every worker writes to the one SQLite database (WAL, one writer at a time; src/store) and makes
 * its own commits durable before it acknowledges, so the group commit's promise holds per process.
 * A worker that dies is replaced; its connections' slots are given back.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import type { SignInGate, SignInSlot } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import { FrontListener, type Refusal } from "../net/index.ts";
import type { Store } from "../store/index.ts";
import type { ToPrimary, ToWorker } from "./messages.ts";

interface PoolOptions {
  /** The worker program and its arguments (the data directory). */
  entry: string;
  args: readonly string[];
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
  workers: number;
  store: Store;
  gate: SignInGate;
  log: Logger;
  wake: () => void;
}

interface Worker {
  readonly index: number;
  readonly child: ChildProcess;
  ready: boolean;
  open: number;
  /** Connections handed to it: their release. */
  readonly conns: Map<number, () => void>;
  /** Gate requests in line (their abort) and slots held (a password check in flight). */
  readonly waiting: Map<number, AbortController>;
  readonly slots: Map<number, SignInSlot>;
}

const RESTART_DELAY_MS = 1000;
const METRICS_TIMEOUT_MS = 2000;

export class WorkerPool {
  readonly #opts: PoolOptions;
  readonly #workers: Array<Worker | null>;
  readonly #fronts = new Map<string, FrontListener>();
  #ports: Array<[string, number]> = [];
  #nextConn = 1;
  #nextRequest = 1;
  #stopping = false;
  readonly #metricsWaiters = new Map<number, (json: unknown) => void>();
  readonly #onLocalChange = (mailboxId: number, relayed?: boolean): void => {
    if (relayed !== true) this.#broadcast({ t: "changed", mailboxId }, null);
  };

  constructor(opts: PoolOptions) {
    this.#opts = opts;
    this.#workers = Array.from({ length: opts.workers }, () => null);
    // With a bus (PostgreSQL) every process hears every other's changes already (src/store/pg-notify.ts).
    if (opts.store.bus === null) opts.store.events.on("changed", this.#onLocalChange);
  }

  /** The listening side of a mail listener, whose connections go to the workers. */
  front(name: string, address: string, port: number, maxConnectionsPerIp: () => number): FrontListener {
    const front = new FrontListener({ name, address, port, maxConnectionsPerIp, dispatch: (socket, refusal, release) => this.#dispatch(name, socket, refusal, release) });
    this.#fronts.set(name, front);
    return front;
  }

  /** Starts the workers once the fronts are bound (they learn the ports); resolves when all are ready. */
  async start(): Promise<void> {
    this.#ports = [...this.#fronts].map(([name, f]) => [name, f.port]);
    await Promise.all(this.#workers.map((_, i) => this.#spawn(i)));
  }

  /** Every worker's metrics registry as JSON (prom-client's getMetricsAsJSON), for the primary to aggregate. */
  async metrics(): Promise<unknown[]> {
    const asks = this.#live().map(
      (w) =>
        new Promise<unknown>((resolve) => {
          const id = this.#nextRequest++;
          const timer = setTimeout(() => {
            this.#metricsWaiters.delete(id);
            resolve(null);
          }, METRICS_TIMEOUT_MS);
          this.#metricsWaiters.set(id, (json) => {
            clearTimeout(timer);
            this.#metricsWaiters.delete(id);
            resolve(json);
          });
          this.#send(w, { t: "metrics", id });
        }),
    );
    return (await Promise.all(asks)).filter((j) => j !== null);
  }

  /** Tells every worker to read the configuration and certificates again. */
  reload(): void {
    for (const w of this.#live()) this.#send(w, { t: "reload" });
  }

  /** Tells every worker to load the certificates the server keeps (ACME) again; a failure is logged by the worker. */
  reloadCertificates(): void {
    for (const w of this.#live()) this.#send(w, { t: "certificates" });
  }

  /** Stops accepting, lets every worker drain its sessions (within `timeoutMs`) and exit. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#fronts.values()].map((f) => f.close()));
    const exits = this.#workers.map((w) =>
      w === null || w.child.exitCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            w.child.once("exit", () => resolve());
            this.#send(w, { t: "drain", timeoutMs });
            setTimeout(() => w.child.kill("SIGKILL"), timeoutMs + 5000).unref();
          }),
    );
    await Promise.all(exits);
    this.#opts.store.events.off("changed", this.#onLocalChange);
  }

  #live(): Worker[] {
    return this.#workers.filter((w): w is Worker => w !== null && w.ready);
  }

  #spawn(index: number): Promise<void> {
    const child = fork(this.#opts.entry, [...this.#opts.args], {
      execArgv: [...this.#opts.execArgv],
      env: { ...this.#opts.env, SEALPOST_WORKER: String(index + 1) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const w: Worker = { index, child, ready: false, open: 0, conns: new Map(), waiting: new Map(), slots: new Map() };
    this.#workers[index] = w;
    return new Promise((resolve, reject) => {
      child.on("message", (m: ToPrimary) => {
        if (m.t === "ready" && !w.ready) {
          w.ready = true;
          resolve();
        }
        this.#onMessage(w, m);
      });
      child.once("exit", (code, signal) => {
        this.#gone(w);
        if (!w.ready) reject(new Error(`worker ${index + 1} exited while starting (${signal ?? `code ${code}`})`));
        else if (!this.#stopping) {
          this.#opts.log.error(`worker ${index + 1} exited (${signal ?? `code ${code}`}); starting a new one`);
          setTimeout(() => {
            if (!this.#stopping) this.#spawn(index).catch((e: unknown) => this.#opts.log.error(`worker ${index + 1} could not start again`, e));
          }, RESTART_DELAY_MS).unref();
        }
      });
      this.#send(w, { t: "start", ports: this.#ports, workers: this.#workers.length });
    });
  }

  /** A worker has exited: its connections' slots and its sign-in slots are given back. */
  #gone(w: Worker): void {
    if (this.#workers[w.index] === w) this.#workers[w.index] = null;
    for (const release of w.conns.values()) release();
    w.conns.clear();
    for (const a of w.waiting.values()) a.abort();
    for (const slot of w.slots.values()) slot.release();
    w.slots.clear();
  }

  #onMessage(w: Worker, m: ToPrimary): void {
    switch (m.t) {
      case "ready":
      case "reloaded":
        if (m.t === "reloaded" && m.error !== null) this.#opts.log.error(`worker ${w.index + 1}: reload failed; it keeps the running configuration: ${m.error}`);
        return;
      case "released": {
        const release = w.conns.get(m.id);
        w.conns.delete(m.id);
        if (release !== undefined) {
          w.open--;
          release();
        }
        return;
      }
      case "changed":
        this.#opts.store.events.emit("changed", m.mailboxId, true);
        this.#broadcast({ t: "changed", mailboxId: m.mailboxId }, w);
        return;
      case "wake":
        this.#opts.wake();
        return;
      case "gate-enter":
        this.#gateEnter(w, m.id, m);
        return;
      case "gate-abort":
        w.waiting.get(m.id)?.abort();
        return;
      case "slot": {
        const slot = w.slots.get(m.id);
        w.slots.delete(m.id);
        slot?.[m.op]();
        return;
      }
      case "metrics":
        this.#metricsWaiters.get(m.id)?.(m.json);
        return;
    }
  }

  #gateEnter(w: Worker, id: number, m: Extract<ToPrimary, { t: "gate-enter" }>): void {
    const abort = new AbortController();
    w.waiting.set(id, abort);
    this.#opts.gate
      .enter(m.user, m.ip, m.settings, m.row, abort.signal)
      .then((a) => {
        w.waiting.delete(id);
        if (a === null) return this.#send(w, { t: "gate", id, reply: null });
        if (a.kind === "refused") return this.#send(w, { t: "gate", id, reply: a });
        // The worker has gone meanwhile: the check will not happen.
        if (this.#workers[w.index] !== w) return a.slot.release();
        w.slots.set(id, a.slot);
        this.#send(w, { t: "gate", id, reply: { kind: "admitted" } });
      })
      .catch((e: unknown) => {
        w.waiting.delete(id);
        this.#opts.log.error("sign-in gate failed", e);
        this.#send(w, { t: "gate", id, reply: null });
      });
  }

  #dispatch(listener: string, socket: Socket, refusal: Refusal | null, release: () => void): void {
    let best: Worker | null = null;
    for (const w of this.#live()) if (best === null || w.open < best.open) best = w;
    if (best === null) {
      socket.destroy();
      release();
      return;
    }
    const w = best;
    const id = this.#nextConn++;
    w.open++;
    w.conns.set(id, release);
    w.child.send({ t: "conn", id, listener, refusal } satisfies ToWorker, socket, { keepOpen: false }, (e) => {
      if (e === null) return;
      // Not handed over (the worker is gone): the connection ends here.
      socket.destroy();
      if (w.conns.delete(id)) {
        w.open--;
        release();
      }
    });
  }

  #broadcast(m: ToWorker, except: Worker | null): void {
    for (const w of this.#live()) if (w !== except) this.#send(w, m);
  }

  #send(w: Worker, m: ToWorker): void {
    if (!w.child.connected) return;
    w.child.send(m, (e) => {
      if (e !== null && !this.#stopping) this.#opts.log.debug(`worker ${w.index + 1}: message not delivered: ${e.message}`);
    });
  }
}
