/**
 * What a port says before the client does. Mail servers greet in plaintext — SMTP "220"
 * (RFC 5321 §3.1, §4.2), IMAP "* OK" or "* PREAUTH" (RFC 9051 §7.1), POP3 "+OK" (RFC 1939 §4) —
 * while a TLS server waits for the ClientHello. When implicit TLS found no TLS on a port, its
 * greeting tells which STARTTLS to check it with (testssl.sh says "doesn't seem to be a TLS/SSL
 * enabled server" and leaves the user to guess --starttls).
 */
import type { CheckOptions, StartTlsProtocol, Target } from "../types.ts";
import { openSocket, SocketReader } from "./reader.ts";

/** A greeting line is short; more than this without a line end is not one. */
const MAX_GREETING = 4096;

export interface Greeting {
  protocol: StartTlsProtocol;
  /** The greeting line, printable ASCII, at most 120 characters. */
  line: string;
}

/** The protocol a first line from the server belongs to, or null. */
export function greetingProtocol(line: string): StartTlsProtocol | null {
  if (/^220[ -]/.test(line)) return "smtp";
  if (/^\* (OK|PREAUTH)\b/i.test(line)) return "imap";
  if (/^\+OK\b/i.test(line)) return "pop3";
  return null;
}

/** Connects, reads the first line (within opts.timeoutMs) and closes; null when it is no mail greeting. Throws CheckError when the connect fails. */
export async function readGreeting(target: Target, opts: CheckOptions): Promise<Greeting | null> {
  const socket = await openSocket(target.address, target.port, opts.timeoutMs, opts.signal);
  socket.on("error", () => {});
  const reader = new SocketReader(socket, MAX_GREETING);
  try {
    const r = await reader.read((buf) => {
      const nl = buf.indexOf(0x0a);
      return nl < 0 ? undefined : buf.subarray(0, nl).toString("latin1").replace(/\r$/, "");
    }, opts.timeoutMs, opts.signal);
    if (r.kind !== "value") return null;
    const protocol = greetingProtocol(r.value);
    const printable = r.value.replace(/[^\x20-\x7e]/g, ".");
    return protocol === null ? null : { protocol, line: printable.length > 120 ? `${printable.slice(0, 117)}...` : printable };
  } finally {
    reader.detach();
    socket.destroy();
  }
}
