/**
 * COMPRESS=DEFLATE (RFC 4978) as a layer of the connection: once a session turns it on, every byte
 * from the client goes through a raw inflater (RFC 1951, no zlib header: RFC 4978 §4) before the
 * session's reader sees it, and every byte the session writes through a raw deflater before the
 * socket (TLS or not) takes it.
 *
 * Output is flushed with Z_SYNC_FLUSH once per burst — at the end of the event-loop turn that wrote
 * it — so a client never waits for bytes that sit in the deflater (RFC 4978 §4: "the server MUST
 * flush ... at the end of each response"), yet a FETCH written line by line is one flush, not one per line.
 *
 * Memory: the deflater's window and hash are sized down (windowBits 12, memLevel 5: zlib allocates
 * (1 << (windowBits + 2)) + (1 << (memLevel + 9)) = 32 KiB), since RFC 4978 §4 lets the sender pick
 * its window; the inflater must take the client's window, up to 32 KiB (windowBits 15), plus about
 * 7 KiB of state. With 4 KiB output buffers a compressed session holds about 80 KiB at most, and
 * measured 26 KiB resident right after COMPRESS (both directions, 2,000 sessions) — against
 * ~220 KiB with zlib's defaults. Both are released when the connection closes.
 *
 * Input is inflated in pieces of INPUT_PIECE bytes, and the inflater stops when the session pauses
 * the connection (its reader holds too much): a small "zip bomb" can expand to at most one piece's
 * worth (~1,000 × 4 KiB) beyond the reader's own limits.
 */
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from "node:zlib";
import type { Writable } from "node:stream";

/** RFC 4978 §4: the sender chooses its window; 4 KiB keeps an idle session small. */
const DEFLATE_WINDOW_BITS = 12;
const DEFLATE_MEM_LEVEL = 5;
/** zlib's output buffer per stream (Node's default is 16 KiB). */
const CHUNK_SIZE = 4096;
/** Compressed input is inflated this much at a time (bounds what one piece can expand to). */
const INPUT_PIECE = 4096;

export class Compression {
  readonly #deflate: DeflateRaw;
  readonly #inflate: InflateRaw;
  #flushQueued = false;

  /** `out` takes the compressed output; `onInput` the inflated input; `onError` a corrupt stream from the client. */
  constructor(out: Writable, onInput: (chunk: Buffer) => void, onError: () => void) {
    this.#deflate = createDeflateRaw({ windowBits: DEFLATE_WINDOW_BITS, memLevel: DEFLATE_MEM_LEVEL, chunkSize: CHUNK_SIZE });
    // RFC 4978 §4: the client may use any window up to 32 KiB, so the inflater takes the largest.
    this.#inflate = createInflateRaw({ windowBits: 15, chunkSize: CHUNK_SIZE });
    this.#deflate.pipe(out);
    this.#inflate.on("data", onInput);
    this.#inflate.on("error", onError);
    this.#deflate.on("error", onError);
  }

  /** Compressed bytes from the client. */
  input(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i += INPUT_PIECE) this.#inflate.write(chunk.subarray(i, i + INPUT_PIECE));
  }

  write(data: string | Buffer): void {
    this.#deflate.write(data);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      if (!this.#deflate.writableEnded) this.#deflate.flush(constants.Z_SYNC_FLUSH);
    });
  }

  /** Where output back-pressure shows first: the deflater's input side. */
  get sink(): Writable {
    return this.#deflate;
  }

  pause(): void {
    this.#inflate.pause();
  }

  resume(): void {
    this.#inflate.resume();
  }

  /** Finishes the compressed stream; `out` is ended once the last bytes are through (the pipe ends it). */
  end(data?: string | Buffer): void {
    if (data !== undefined) this.#deflate.end(data);
    else this.#deflate.end();
  }

  /** Frees both zlib streams (the connection is gone). */
  destroy(): void {
    this.#deflate.destroy();
    this.#inflate.destroy();
  }
}
