/**
 * The message as it goes on the wire after DATA (RFC 5321 §4.1.1.4, §4.5.2): every line ends
 * with CRLF (a bare LF or bare CR becomes CRLF: §2.3.8 forbids them, and normalising them is what
 * keeps a message from smuggling a second one past a lenient receiver), a line starting with "."
 * gets one more "." (transparency, §4.5.2), and CRLF "." CRLF ends the data. Produced in chunks,
 * so a large message is never copied whole; a message already in wire form (CRLF only, no line
 * starting with ".") is sent as it is, without a copy.
 */
import { isAscii } from "node:buffer";

const CR = 13;
const LF = 10;
const DOT = 46;

const DATA_CHUNK_OCTETS = 64 * 1024;

/**
 * Already in wire form: not empty, every line ends with CRLF (no bare CR or LF, CRLF at the end)
 * and none starts with "." — then the data is the message itself plus ".\r\n". Found with
 * indexOf (memchr), so a clean message costs a fraction of the octet-by-octet pass.
 */
export function isWireReady(message: Buffer): boolean {
  const n = message.length;
  if (n < 2 || message[0] === DOT || message[n - 2] !== CR || message[n - 1] !== LF) return false;
  for (let i = message.indexOf(LF); i !== -1; i = message.indexOf(LF, i + 1)) {
    if (message[i - 1] !== CR || message[i + 1] === DOT) return false;
  }
  for (let i = message.indexOf(CR); i !== -1; i = message.indexOf(CR, i + 1)) {
    if (message[i + 1] !== LF) return false;
  }
  return true;
}

/** The wire form of `message` after DATA, ending with ".\r\n", in chunks of at most ~2×chunkSize. */
export function* dataChunks(message: Buffer, chunkSize: number = DATA_CHUNK_OCTETS): Generator<Buffer> {
  if (isWireReady(message)) {
    for (let off = 0; off < message.length; off += chunkSize) yield message.subarray(off, off + chunkSize);
    yield Buffer.from(".\r\n", "latin1");
    return;
  }
  yield* stuffedChunks(message, chunkSize);
}

/** The general case of `dataChunks`: line ends normalised and dots stuffed, octet by octet. */
export function* stuffedChunks(message: Buffer, chunkSize: number = DATA_CHUNK_OCTETS): Generator<Buffer> {
  let lineStart = true;
  let pendingCR = false;
  for (let off = 0; off < message.length; off += chunkSize) {
    const end = Math.min(off + chunkSize, message.length);
    // Worst case every input octet becomes two (LF → CRLF, "." → ".."), plus a CRLF held over.
    const out = Buffer.allocUnsafe((end - off) * 2 + 2);
    let o = 0;
    for (let i = off; i < end; i++) {
      const b = message[i] as number;
      if (pendingCR) {
        pendingCR = false;
        out[o++] = CR;
        out[o++] = LF;
        lineStart = true;
        if (b === LF) continue;
      }
      if (b === CR) {
        pendingCR = true;
      } else if (b === LF) {
        out[o++] = CR;
        out[o++] = LF;
        lineStart = true;
      } else {
        if (lineStart && b === DOT) out[o++] = DOT;
        out[o++] = b;
        lineStart = false;
      }
    }
    if (o > 0) yield out.subarray(0, o);
  }
  // The last line gets its CRLF; then the terminating "." line.
  yield Buffer.from(pendingCR || !lineStart ? "\r\n.\r\n" : ".\r\n", "latin1");
}

/**
 * The message size for the SIZE parameter (RFC 1870 §3): octets including CRLF line ends (after
 * normalisation), excluding dot-stuffing and the terminating ".".
 */
export function messageSize(message: Buffer): number {
  if (isWireReady(message)) return message.length;
  let size = message.length;
  let prev = -1;
  for (let i = 0; i < message.length; i++) {
    const b = message[i] as number;
    if (b === LF && prev !== CR) size++; // bare LF → CRLF
    if (prev === CR && b !== LF) size++; // bare CR → CRLF
    prev = b;
  }
  if (prev === CR) size++;
  else if (message.length > 0 && prev !== LF) size += 2;
  return size;
}

/** Whether any octet has the high bit set (then BODY=8BITMIME is declared, RFC 6152 §3). */
export function has8bit(message: Buffer): boolean {
  return !isAscii(message);
}
