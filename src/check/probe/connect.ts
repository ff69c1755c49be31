/**
 * connectTarget: a TCP connection to the target, and for the mail ports the STARTTLS dialogue
 * (starttls.ts), leaving the socket right after the server's go-ahead, ready for a ClientHello.
 */
import type net from "node:net";
import type { CheckOptions, Target } from "../types.ts";
import { CheckError } from "./errors.ts";
import { openSocket, SocketReader } from "./reader.ts";
import { imapDialogue, pop3Dialogue, smtpDialogue, type DialogueContext } from "./starttls.ts";

/** Bytes a server may send before its go-ahead (greeting, EHLO/CAPABILITY/CAPA lists). */
const MAX_DIALOGUE_BYTES = 64 * 1024;
const DEFAULT_HELO_NAME = "sealpost-check.invalid";

interface ConnectExtra {
  /**
   * Command line(s) written in the same write as the STARTTLS command (CVE-2011-0411 test);
   * a missing final CRLF is added.
   */
  pipeline?: string;
  /** EHLO name; default "sealpost-check.invalid" (RFC 2606: never resolves). */
  heloName?: string;
}

interface Connected {
  socket: net.Socket;
  /** Whether the server listed STARTTLS/STLS (null for implicit TLS). The go-ahead came either way. */
  starttlsOffered: boolean | null;
  /** Bytes the server sent after its go-ahead line, already read off the socket. */
  leftover: Buffer;
}

/**
 * TCP connect to target.address:port, then for access smtp/imap/pop3 the STARTTLS dialogue.
 * Resolves with the raw socket (paused, no data listener; a no-op "error" listener keeps a late
 * error from going unhandled) positioned right after the server's go-ahead. Throws CheckError;
 * an abort rejects with the signal's reason. The caller owns (and must destroy) the socket.
 */
export async function connectTarget(target: Target, opts: CheckOptions, extra: ConnectExtra = {}): Promise<Connected> {
  const socket = await openSocket(target.address, target.port, opts.timeoutMs, opts.signal);
  socket.on("error", () => {});
  if (target.access === "tls") {
    socket.pause();
    return { socket, starttlsOffered: null, leftover: Buffer.alloc(0) };
  }
  const reader = new SocketReader(socket, MAX_DIALOGUE_BYTES);
  let pipeline = extra.pipeline ?? "";
  if (pipeline !== "" && !pipeline.endsWith("\r\n")) pipeline += "\r\n";
  const ctx: DialogueContext = {
    reader,
    socket,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    pipeline,
    heloName: extra.heloName ?? DEFAULT_HELO_NAME,
  };
  // Each read has its own timeout; the whole dialogue gets twice that, so a server that drips a
  // line now and then cannot hold a probe for (lines × timeout).
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CheckError("timeout", `the ${target.access.toUpperCase()} STARTTLS dialogue took longer than ${(2 * opts.timeoutMs) / 1000} s`));
      socket.destroy();
    }, 2 * opts.timeoutMs);
  });
  try {
    const dialogue = { smtp: smtpDialogue, imap: imapDialogue, pop3: pop3Dialogue }[target.access];
    const starttlsOffered = await Promise.race([dialogue(ctx), deadline]);
    return { socket, starttlsOffered, leftover: reader.detach() };
  } catch (e) {
    reader.detach();
    socket.destroy();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
