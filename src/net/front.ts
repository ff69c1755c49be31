/**
 * The primary process's side of a listener when worker processes serve the connections
 * (`[process] workers`, src/workers): it owns the listening socket, holds the per-address count
 * for every worker at once — one process, one event loop, so the check and the count cannot be
 * raced — and hands each connection, unread, to a worker (`dispatch`). A connection over the
 * per-address limit, or one that arrives while draining, goes to a worker too, marked refused,
 * so that the protocol's own words turn it away (Listener.adopt). The worker tells when the
 * connection has ended (`release`, given to `dispatch`).
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Refusal } from "./listener.ts";
import { AddressCounts, boundPort, listenOn } from "./tcp-server.ts";

interface FrontOptions {
  name: string;
  address: string;
  port: number;
  maxConnectionsPerIp: () => number;
  /** Hands the connection on; `release` must be called once when it has ended (or could not be handed on). */
  dispatch: (socket: Socket, refusal: Refusal | null, release: () => void) => void;
}

export class FrontListener {
  readonly #opts: FrontOptions;
  readonly #server: Server;
  readonly #perIp = new AddressCounts();
  #open = 0;
  #draining = false;
  #closed: Promise<void> | null = null;

  constructor(opts: FrontOptions) {
    this.#opts = opts;
    // Paused: the first bytes (the TLS ClientHello) are read by the worker that serves it.
    this.#server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.#onConnection(socket));
  }

  get name(): string {
    return this.#opts.name;
  }

  get port(): number {
    return boundPort(this.#server, this.#opts.port);
  }

  get listening(): boolean {
    return this.#server.listening && !this.#draining;
  }

  /** Connections handed to workers that have not ended yet. */
  get activeSessions(): number {
    return this.#open;
  }

  listen(): Promise<void> {
    return listenOn(this.#server, this.#opts.address, this.#opts.port);
  }

  #onConnection(socket: Socket): void {
    socket.on("error", () => undefined);
    const noop = (): void => undefined;
    if (this.#draining) return this.#opts.dispatch(socket, "shutting-down", noop);
    const release = this.#perIp.take(socket.remoteAddress, this.#opts.maxConnectionsPerIp());
    if (release === null) return this.#opts.dispatch(socket, "too-many-from-address", noop);
    this.#open++;
    let released = false;
    this.#opts.dispatch(socket, null, () => {
      if (released) return;
      released = true;
      this.#open--;
      release();
    });
  }

  /** Stops accepting (once; a second call waits for the first); the workers drain their own sessions. */
  close(): Promise<void> {
    this.#draining = true;
    this.#closed ??= new Promise((resolve) => this.#server.close(() => resolve()));
    return this.#closed;
  }
}
