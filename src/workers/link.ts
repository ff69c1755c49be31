/**
 * A worker process's side of the IPC channel to the primary (pool.ts): the connections it is
 * handed, the primary's sign-in gate, mailbox changes both ways, the outbound runner's wake-up,
 * metrics on request, reload and drain.
 */
import type { Socket } from "node:net";
import type { LoginRow } from "../audit/index.ts";
import type { GateAdmission, LimiterSettings, SignInGate } from "../auth/index.ts";
import type { Refusal } from "../net/index.ts";
import type { Store } from "../store/index.ts";
import type { GateReply, ToPrimary, ToWorker } from "./messages.ts";

interface LinkHandlers {
  connection: (listener: string, socket: Socket, refusal: Refusal | null, release: () => void) => void;
  metrics: () => Promise<unknown>;
  reload: () => Promise<void>;
  /** Loads the certificates the server keeps (ACME) again. */
  certificates: () => Promise<void>;
  drain: (timeoutMs: number) => Promise<void>;
}

export class PrimaryLink implements SignInGate {
  readonly ports: ReadonlyMap<string, number>;
  /** How many workers share the total of connections. */
  readonly workers: number;
  #nextRequest = 1;
  readonly #gateWaiters = new Map<number, (reply: GateReply) => void>();
  #handlers: LinkHandlers | null = null;
  #store: Store | null = null;

  private constructor(start: Extract<ToWorker, { t: "start" }>) {
    this.ports = new Map(start.ports);
    this.workers = start.workers;
    process.on("message", (m: ToWorker, handle: unknown) => this.#onMessage(m, handle));
    // The primary is gone: nobody hands out connections or slots any more.
    process.once("disconnect", () => process.exit(1));
  }

  /** Waits for the primary's first message. */
  static connect(): Promise<PrimaryLink> {
    if (process.send === undefined) return Promise.reject(new Error("not started by a Sealpost primary (no IPC channel)"));
    return new Promise((resolve) => {
      const first = (m: ToWorker): void => {
        if (m.t !== "start") return;
        process.off("message", first);
        resolve(new PrimaryLink(m));
      };
      process.on("message", first);
    });
  }

  /** Serves from now on, and tells the primary so. */
  ready(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    this.#send({ t: "ready" });
  }

  /** This process's mailbox changes go to the others; theirs arrive as `relayed` changes. */
  relayChanges(store: Store): void {
    store.events.on("changed", (mailboxId, relayed) => {
      if (relayed !== true) this.#send({ t: "changed", mailboxId });
    });
    this.#store = store;
  }

  wake(): void {
    this.#send({ t: "wake" });
  }

  // ---- SignInGate: the primary's -------------------------------------------------------------
  enter(user: string, ip: string, settings: LimiterSettings, row: LoginRow, signal?: AbortSignal): Promise<GateAdmission | null> {
    if (signal?.aborted === true) return Promise.resolve(null);
    const id = this.#nextRequest++;
    return new Promise((resolve) => {
      const abort = (): void => this.#send({ t: "gate-abort", id });
      signal?.addEventListener("abort", abort, { once: true });
      this.#gateWaiters.set(id, (reply) => {
        signal?.removeEventListener("abort", abort);
        if (reply === null || reply.kind === "refused") return resolve(reply);
        const end = (op: "fail" | "succeed" | "release"): void => {
          if (ended) return;
          ended = true;
          this.#send({ t: "slot", id, op });
        };
        let ended = false;
        resolve({ kind: "admitted", slot: { fail: () => end("fail"), succeed: () => end("succeed"), release: () => end("release") } });
      });
      this.#send({ t: "gate-enter", id, user, ip, settings, row });
    });
  }

  #onMessage(m: ToWorker, handle: unknown): void {
    const h = this.#handlers;
    switch (m.t) {
      case "start":
        return;
      case "conn": {
        const socket = handle as Socket | undefined;
        if (socket === undefined) return this.#send({ t: "released", id: m.id });
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          this.#send({ t: "released", id: m.id });
        };
        if (h === null) {
          socket.destroy();
          return release();
        }
        h.connection(m.listener, socket, m.refusal, release);
        return;
      }
      case "changed":
        this.#store?.events.emit("changed", m.mailboxId, true);
        return;
      case "gate": {
        const waiter = this.#gateWaiters.get(m.id);
        this.#gateWaiters.delete(m.id);
        waiter?.(m.reply);
        return;
      }
      case "metrics":
        h?.metrics()
          .then((json) => this.#send({ t: "metrics", id: m.id, json }))
          .catch(() => this.#send({ t: "metrics", id: m.id, json: null }));
        return;
      case "reload":
        h?.reload()
          .then(() => this.#send({ t: "reloaded", error: null }))
          .catch((e: unknown) => this.#send({ t: "reloaded", error: e instanceof Error ? e.message : String(e) }));
        return;
      case "certificates":
        h?.certificates().catch(() => undefined);
        return;
      case "drain":
        if (h === null) process.exit(0);
        h.drain(m.timeoutMs).then(
          () => process.exit(0),
          () => process.exit(1),
        );
        return;
    }
  }

  #send(m: ToPrimary): void {
    if (process.connected) process.send?.(m);
  }
}
