/**
 * A client connection as every protocol session sees it: bytes in, bytes out, and an upgrade to
 * TLS in place. The session never touches the socket; STARTTLS swaps the stream underneath, and
 * COMPRESS (RFC 4978) puts a deflate layer between it and the session (compression.ts).
 */
import type { Socket } from "node:net";
import type { Writable } from "node:stream";
import { Compression } from "./compression.ts";
import type { TLSSocket } from "node:tls";
import { normalizeIp, type TlsEndpoint, type TlsInfo, type TlsTransport } from "./transport.ts";

interface ConnectionHandlers {
  data: (chunk: Buffer) => void;
  /** The peer closed or the socket failed; called once. */
  close: (hadError: boolean) => void;
}

export class Connection {
  /** The connection's id (src/log): its log lines, TLS events and login rows carry it. */
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  #stream: Socket | TLSSocket;
  #tls: TlsInfo | null = null;
  #handlers: ConnectionHandlers | null = null;
  #closed = false;
  #paused = false;
  #compression: Compression | null = null;
  readonly #transport: TlsTransport;

  constructor(socket: Socket, transport: TlsTransport, id: string, tls?: { socket: TLSSocket; info: TlsInfo }) {
    this.id = id;
    this.remoteAddress = normalizeIp(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    this.#transport = transport;
    this.#stream = tls?.socket ?? socket;
    this.#tls = tls?.info ?? null;
    socket.setNoDelay(true);
  }

  /** Came in through a legacy endpoint (issue 12): its sign-ins need a legacy grant and are flagged in the history. */
  get legacy(): boolean {
    return this.#transport.legacy;
  }

  get tls(): TlsInfo | null {
    return this.#tls;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts delivering input to `handlers`. */
  start(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
    this.#attach();
  }

  #onData = (chunk: Buffer): void => {
    if (this.#compression !== null) this.#compression.input(chunk);
    else this.#handlers?.data(chunk);
  };
  #onClose = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#compression?.destroy();
    this.#handlers?.close(false);
  };
  #onError = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.destroy();
    this.#compression?.destroy();
    this.#handlers?.close(true);
  };

  #attach(): void {
    this.#stream.on("data", this.#onData);
    this.#stream.on("close", this.#onClose);
    this.#stream.on("error", this.#onError);
  }

  #detach(): void {
    this.#stream.off("data", this.#onData);
    this.#stream.off("close", this.#onClose);
    this.#stream.off("error", this.#onError);
  }

  /**
   * For a protocol another library speaks over the stream (HTTP, through node:http): the stream
   * itself, handed over whole. The connection delivers no data from here on; `onClose` is called
   * once when the stream closes or fails, and `destroy` still works.
   */
  handOver(onClose: () => void): Socket | TLSSocket {
    this.#handlers = { data: () => undefined, close: () => onClose() };
    this.#stream.on("close", this.#onClose);
    this.#stream.on("error", this.#onError);
    return this.#stream;
  }

  write(data: string | Buffer): void {
    if (this.#closed) return;
    if (this.#compression !== null) this.#compression.write(data);
    else {
      if (this.#batching && this.#corked === null) this.#cork();
      this.#stream.write(data);
    }
  }

  // ---- issue 13: one command's responses in one write ----
  #batching = false;
  /** The stream corked for the batch, and the turn of the event loop that uncorks it at the latest. */
  #corked: { stream: Writable; timer: NodeJS.Immediate } | null = null;

  /**
   * Until `endBatch`, writes are held and leave together — one TLS record, one segment (Nagle is
   * off), one wake-up of the client — instead of one per response line. Held at most until the
   * event loop's next turn, so a command that waits (for the disk, for `drained`) never waits on
   * its own output.
   */
  startBatch(): void {
    this.#batching = true;
  }

  endBatch(): void {
    this.#batching = false;
    this.#uncork();
  }

  #cork(): void {
    const stream = this.#stream;
    stream.cork();
    this.#corked = { stream, timer: setImmediate(() => this.#uncork()) };
  }

  #uncork(): void {
    const c = this.#corked;
    if (c === null) return;
    this.#corked = null;
    clearImmediate(c.timer);
    c.stream.uncork();
  }

  get compressed(): boolean {
    return this.#compression !== null;
  }

  /**
   * COMPRESS DEFLATE (RFC 4978 §3): from now on input is inflated and output deflated. The caller
   * has written its tagged OK (uncompressed) in the same tick; the client sends compressed data only
   * after it has read that OK.
   */
  compress(): void {
    if (this.#compression !== null) throw new Error("connection is already compressed");
    // The OK before it goes out uncompressed, now.
    this.endBatch();
    this.#compression = new Compression(
      this.#stream,
      (chunk) => this.#handlers?.data(chunk),
      () => this.#onError(),
    );
    if (this.#paused) this.#compression.pause();
  }

  /** What output goes into first: the deflater, or the socket. */
  #sink(): Writable {
    return this.#compression?.sink ?? this.#stream;
  }

  /** Resolves once the socket can take more output (write back-pressure), or at once if it can. */
  drained(): Promise<void> {
    this.#uncork();
    const stream = this.#sink();
    if (this.#closed || !stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        stream.off("drain", done);
        stream.off("close", done);
        resolve();
      };
      stream.on("drain", done);
      stream.on("close", done);
    });
  }

  /** Stops reading from the peer (back-pressure while input is queued). */
  pause(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.#stream.pause();
      this.#compression?.pause();
    }
  }

  resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#stream.resume();
      this.#compression?.resume();
    }
  }

  /**
   * STARTTLS: the caller has sent its "go ahead" reply and discarded whatever it had buffered.
   * Runs the handshake on the raw socket; on failure the connection is closed.
   */
  async upgrade(endpoint: Omit<TlsEndpoint, "port" | "mode" | "session">): Promise<TlsInfo | null> {
    if (this.#tls !== null) throw new Error("connection is already using TLS");
    // The "go ahead" reply goes out in plaintext before the handshake takes the socket.
    this.endBatch();
    const raw = this.#stream;
    this.#detach();
    raw.pause();
    // RFC 3207 §4.2: anything still in the socket's read buffer was sent before our "go ahead"
    // reply — plaintext pipelined after STARTTLS — and is discarded, never taken as TLS input.
    // The caller sends that reply and calls upgrade() in the same tick, so a compliant client's
    // ClientHello cannot be among it.
    while (raw.read() !== null) {
      /* discard */
    }
    const result = await this.#transport.accept(raw, { ...endpoint, port: this.localPort, mode: "starttls", session: this.id });
    if (!result.ok) {
      this.#onClose();
      return null;
    }
    this.#stream = result.socket;
    this.#tls = result.info;
    this.#attach();
    if (this.#paused) this.#stream.pause();
    return result.info;
  }

  /** Writes `data` (if any), then closes once it is flushed. */
  end(data?: string | Buffer): void {
    if (this.#closed) return;
    // Compressed: the deflater ends the socket once its last block is through.
    if (this.#compression !== null) this.#compression.end(data);
    else if (data !== undefined) this.#stream.end(data);
    else this.#stream.end();
    const stream = this.#stream;
    setTimeout(() => stream.destroy(), 2000).unref();
  }

  destroy(): void {
    this.#stream.destroy();
  }
}
