/**
 * Signing off the event loop. Per message, mailauth's canonicalization and body hash of a 10 KB
 * message and the two signatures (an RSA-2048 one with a freshly parsed key costs about 0.6 ms)
 * take about a millisecond: as much as the rest of a delivery, and on the event loop every other
 * delivery and session would wait for it. So messages are signed on worker threads — one per core
 * beyond the event loop's, at least one, at most MAX_THREADS — as password hashing runs on libuv's
 * pool. A thread starts with the first message and is replaced if it dies; an idle one does not
 * keep the process alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { DkimSignError, type SigningKey } from "./sign.ts";

const MAX_THREADS = 4;
/**
 * A small young generation: V8 would grow it to tens of megabytes of garbage per thread. A message
 * itself is an ArrayBuffer outside the heap; mailauth streams the body through its hash.
 */
const HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

export interface SignRequest {
  id: number;
  message: Uint8Array;
  domain: string;
  keys: readonly SigningKey[];
}
export type SignReply = { id: number; head: Uint8Array } | { id: number; error: string };

interface Waiting {
  resolve(head: Buffer): void;
  reject(e: Error): void;
}

/** One signing thread and the messages it has been given. */
class SignThread {
  #worker: Worker | null = null;
  readonly #waiting = new Map<number, Waiting>();
  #seq = 0;

  get load(): number {
    return this.#waiting.size;
  }

  sign(message: Buffer, domain: string, keys: readonly SigningKey[]): Promise<Buffer> {
    const worker = this.#started();
    const id = ++this.#seq;
    return new Promise<Buffer>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref(); // a message in flight keeps the process alive until its answer
      const req: SignRequest = { id, message, domain, keys };
      worker.postMessage(req);
    });
  }

  #started(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL("./sign-thread.ts", import.meta.url), { resourceLimits: HEAP });
    worker.unref();
    worker.on("message", (r: SignReply) => {
      const w = this.#waiting.get(r.id);
      this.#waiting.delete(r.id);
      if (this.#waiting.size === 0) worker.unref();
      if ("error" in r) w?.reject(new DkimSignError(r.error));
      else w?.resolve(Buffer.from(r.head.buffer, r.head.byteOffset, r.head.byteLength));
    });
    const gone = (why: string): void => {
      if (this.#worker === worker) this.#worker = null;
      for (const w of this.#waiting.values()) w.reject(new DkimSignError(`the signing thread ${why}`));
      this.#waiting.clear();
    };
    worker.on("error", (e: unknown) => gone(`failed: ${e instanceof Error ? e.message : String(e)}`));
    worker.on("exit", (code) => gone(`exited (${code})`));
    this.#worker = worker;
    return worker;
  }
}

const threads = Array.from({ length: Math.max(1, Math.min(MAX_THREADS, availableParallelism() - 1)) }, () => new SignThread());

/** signatures() (sign.ts) on the least busy signing thread. */
export function signOffLoop(message: Buffer, domain: string, keys: readonly SigningKey[]): Promise<Buffer> {
  const t = threads.reduce((a, b) => (b.load < a.load ? b : a));
  return t.sign(message, domain, keys);
}
