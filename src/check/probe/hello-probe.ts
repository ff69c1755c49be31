/**
 * One probe: its own connection (connectTarget), one hand-built hello, and the server's first
 * answer — a ServerHello or HelloRetryRequest (RFC 8446 §4.1.3–4.1.4, RFC 5246 §7.4.1.3), an
 * alert (RFC 8446 §6), an SSLv2 SERVER-HELLO or ERROR (draft-hickman-netscape-ssl-00 §2.6), a
 * close, or silence. Only the ServerHello is read; the connection is then closed (TCP FIN, or RST
 * when the rest of the server's flight is still unread) without completing the handshake.
 */
import {
  parseServerHello,
  parseSslv2ServerHello,
  suiteName,
  versionLabel,
  versionName,
  type ServerHello,
} from "../../tls/index.ts";
import type { CheckOptions, Target } from "../types.ts";
import { connectTarget } from "./connect.ts";
import { CheckError } from "./errors.ts";
import { describeNoAnswer, SocketReader } from "./reader.ts";

/** Cap on the bytes read for the first answer (a ServerHello ≤ 64 KiB, or an SSLv2 record ≤ 32 KiB). */
const MAX_ANSWER_BYTES = 70 * 1024;

export type HelloOutcome =
  | { kind: "server-hello"; hello: ServerHello }
  | { kind: "sslv2-server-hello"; specs: number[] }
  | { kind: "sslv2-error"; code: number }
  | { kind: "alert"; name: string }
  | { kind: "closed"; error: string | null }
  | { kind: "timeout"; ms: number }
  | { kind: "invalid"; reason: string }
  /** The probe never got to send its hello (connect or STARTTLS failed). */
  | { kind: "unreachable"; error: CheckError };

function fromTls(buf: Buffer): HelloOutcome | undefined {
  const p = parseServerHello(buf);
  switch (p.kind) {
    case "incomplete":
      return undefined;
    case "server-hello":
      return { kind: "server-hello", hello: p.hello };
    case "alert":
      // A warning (e.g. unrecognized_name, RFC 6066 §3) may come before the ServerHello: read on.
      if (p.level === 1 && p.description !== 0 && p.consumed < buf.length) return fromTls(buf.subarray(p.consumed));
      if (p.level === 1 && p.description !== 0) return undefined;
      return { kind: "alert", name: p.name };
    default:
      return { kind: "invalid", reason: p.reason };
  }
}

function fromSslv2(buf: Buffer): HelloOutcome | undefined {
  const p = parseSslv2ServerHello(buf);
  switch (p.kind) {
    case "incomplete":
      return undefined;
    case "server-hello":
      return { kind: "sslv2-server-hello", specs: p.cipherSpecs };
    case "error":
      return { kind: "sslv2-error", code: p.errorCode };
    case "not-sslv2":
      return fromTls(buf); // a TLS alert or ServerHello answering the SSLv2 hello
    default:
      return { kind: "invalid", reason: p.reason };
  }
}

/** Sends `hello` on a fresh connection and reads the server's first answer. Rejects only on abort. */
export async function probeHello(target: Target, opts: CheckOptions, hello: Buffer, format: "tls" | "sslv2"): Promise<HelloOutcome> {
  let connected;
  try {
    connected = await connectTarget(target, opts);
  } catch (e) {
    if (e instanceof CheckError) return { kind: "unreachable", error: e };
    throw e;
  }
  const { socket, leftover } = connected;
  try {
    const reader = new SocketReader(socket, MAX_ANSWER_BYTES, leftover);
    socket.write(hello);
    return await reader.answer(format === "tls" ? fromTls : fromSslv2, "a complete answer", opts.timeoutMs, opts.signal);
  } finally {
    socket.destroy();
  }
}

function versionText(code: number): string {
  const name = versionName(code);
  return name !== undefined ? versionLabel(name) : `version 0x${code.toString(16).padStart(4, "0")}`;
}

/** The outcome in words, for VersionResult.evidence. */
export function describeOutcome(o: HelloOutcome): string {
  switch (o.kind) {
    case "server-hello":
      return `${o.hello.isHelloRetryRequest ? "HelloRetryRequest" : "ServerHello"} ${versionText(o.hello.version)} with ${suiteName(o.hello.cipherSuite)}`;
    case "sslv2-server-hello":
      return `SSLv2 SERVER-HELLO with ${o.specs.length} cipher spec${o.specs.length === 1 ? "" : "s"}`;
    case "sslv2-error":
      return `SSLv2 ERROR (code ${o.code})`;
    case "alert":
      return `${o.name} alert`;
    case "closed":
    case "timeout":
    case "invalid":
      return describeNoAnswer(o);
    case "unreachable":
      return `not tested: ${o.error.message}`;
  }
}
