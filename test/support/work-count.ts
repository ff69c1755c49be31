/**
 * Counts of the work a piece of code does, for the tests that guard linear-time paths: a timing is
 * never asserted in a test (a busy machine stretches any clock), but how many bytes the searches went
 * over, or how many elements were moved, is the same on every machine. Each counter wraps a built-in
 * method only while `fn` runs, and puts it back.
 */

/**
 * The bytes Buffer#indexOf searches went over while `fn` ran: from each search's start to its match,
 * or to the end of the buffer searched. The byte scans of mime's header scanner and multipart
 * splitter are such searches.
 */
export function bytesSearched(fn: () => void): number {
  // Node's typings give Buffer.prototype no type: it is the prototype of every Buffer.
  const proto = Buffer.prototype as Buffer;
  const original = Reflect.get(proto, "indexOf") as (this: Buffer, value: string | number | Uint8Array, byteOffset: number, encoding?: BufferEncoding) => number;
  let bytes = 0;
  // indexOf(value, encoding) searches from 0, as indexOf(value, 0, encoding) does.
  const counting = function (this: Buffer, value: string | number | Uint8Array, byteOffset?: number | BufferEncoding, encoding?: BufferEncoding): number {
    const offset = typeof byteOffset === "number" ? byteOffset : 0;
    const found = original.call(this, value, offset, typeof byteOffset === "string" ? byteOffset : encoding);
    const from = offset < 0 ? Math.max(0, this.length + offset) : Math.min(offset, this.length);
    bytes += (found < 0 ? this.length : found) - from;
    return found;
  };
  proto.indexOf = counting;
  try {
    fn();
  } finally {
    Reflect.set(proto, "indexOf", original);
  }
  return bytes;
}

/** The elements Array#push added while `fn` ran. */
export function elementsPushed(fn: () => void): number {
  const original = Array.prototype.push;
  let n = 0;
  Array.prototype.push = function (this: unknown[], ...items: unknown[]): number {
    n += items.length;
    return original.apply(this, items);
  };
  try {
    fn();
  } finally {
    Array.prototype.push = original;
  }
  return n;
}
