/**
 * Socket plumbing for the probes: a TCP connect with a deadline, and a reader that collects the
 * peer's bytes and waits — each wait bounded by a timeout, the byte total by a cap, both by the
 * abort signal — until a parser finds what it needs.
 */
import net from "node:net";
import { CheckError } from "./errors.ts";

/** What a bounded read ended with. */
type ReadResult<T> =
  | { kind: "value"; value: T }
  | { kind: "closed"; error: string | null }
  | { kind: "timeout" }
  | { kind: "overflow" };

/** A probe's answer that did not come: the peer closed, the deadline passed, or too many bytes came without it. */
type NoAnswer = { kind: "closed"; error: string | null } | { kind: "timeout"; ms: number } | { kind: "invalid"; reason: string };

/** A NoAnswer in words, for a report's detail. */
export function describeNoAnswer(o: NoAnswer): string {
  switch (o.kind) {
    case "closed":
      return o.error === null ? "connection closed" : `connection reset (${o.error})`;
    case "timeout":
      return `no answer within ${o.ms} ms (timeout)`;
    case "invalid":
      return `not a valid answer: ${o.reason}`;
  }
}

/** The signal's reason (an AbortError DOMException unless the caller gave an Error of its own). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === "string" ? reason : "The operation was aborted", "AbortError");
}

/** TCP connect within timeoutMs (CheckError "timeout"), or CheckError "connect". */
export async function openSocket(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  signal?.throwIfAborted();
  const socket = net.connect({ host: address, port, noDelay: true });
  return new Promise<net.Socket>((resolve, reject) => {
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.removeListener("connect", onConnect);
      socket.removeListener("error", onError);
      if (err === null) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onConnect = (): void => done(null);
    const onError = (e: NodeJS.ErrnoException): void => done(new CheckError("connect", `cannot connect to ${address} port ${port}: ${e.code ?? e.message}`));
    const onAbort = (): void => done(signal ? abortReason(signal) : new Error("aborted"));
    const timer = setTimeout(() => done(new CheckError("timeout", `no TCP connection to ${address} port ${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Collects what the peer sends. `read(parse)` waits until `parse(buffer)` returns a value (the
 * parser consumes with `consume(n)` itself), the peer closes, the deadline passes, or the buffer
 * would exceed `maxBytes`.
 */
export class SocketReader {
  readonly socket: net.Socket;
  readonly maxBytes: number;
  buffer: Buffer;
  #closed = false;
  #closeError: string | null = null;
  #wake: (() => void) | null = null;
  #overflow = false;

  readonly #onData = (chunk: Buffer): void => {
    if (this.buffer.length + chunk.length > this.maxBytes) {
      this.#overflow = true;
      this.socket.pause();
    } else {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    }
    this.#notify();
  };
  readonly #onEnd = (): void => {
    this.#closed = true;
    this.#notify();
  };
  readonly #onError = (e: NodeJS.ErrnoException): void => {
    this.#closed = true;
    this.#closeError = e.code ?? e.message;
    this.#notify();
  };

  constructor(socket: net.Socket, maxBytes: number, initial: Buffer = Buffer.alloc(0)) {
    this.socket = socket;
    this.maxBytes = maxBytes;
    this.buffer = initial;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
    socket.on("error", this.#onError);
    socket.resume();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
  }

  async read<T>(parse: (buf: Buffer) => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<ReadResult<T>> {
    signal?.throwIfAborted();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = parse(this.buffer);
      if (value !== undefined) return { kind: "value", value };
      if (this.#overflow) return { kind: "overflow" };
      if (this.#closed) return { kind: "closed", error: this.#closeError };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout" };
      const woke = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => finish(false), left);
        const onAbort = (): void => {
          clearTimeout(timer);
          this.#wake = null;
          reject(signal ? abortReason(signal) : new Error("aborted"));
        };
        const finish = (v: boolean): void => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.#wake = null;
          resolve(v);
        };
        this.#wake = () => finish(true);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      if (!woke) {
        // One last look: data may have arrived with the deadline.
        const late = parse(this.buffer);
        return late !== undefined ? { kind: "value", value: late } : { kind: "timeout" };
      }
    }
  }

  /** `read`, with what ended it without a value said as a probe outcome; `what` names the answer awaited. */
  async answer<T>(parse: (buf: Buffer) => T | undefined, what: string, timeoutMs: number, signal?: AbortSignal): Promise<T | NoAnswer> {
    const r = await this.read(parse, timeoutMs, signal);
    switch (r.kind) {
      case "value":
        return r.value;
      case "closed":
        return r;
      case "timeout":
        return { kind: "timeout", ms: timeoutMs };
      case "overflow":
        return { kind: "invalid", reason: `more than ${this.maxBytes} bytes without ${what}` };
    }
  }

  /** Stops reading: removes the listeners, pauses the socket, returns the unread bytes. */
  detach(): Buffer {
    this.socket.removeListener("data", this.#onData);
    this.socket.removeListener("end", this.#onEnd);
    this.socket.removeListener("close", this.#onEnd);
    this.socket.removeListener("error", this.#onError);
    this.socket.pause();
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }
}
