/**
 * For the client's tests: a small scripted SMTP server on 127.0.0.1. By default it accepts
 * everything (EHLO with a configurable extension list, STARTTLS when given a TLS context, MAIL,
 * RCPT, DATA, QUIT, RSET); `reply` overrides any command's reply, or withholds it; `hangUp` closes
 * the connection at a chosen command. `sessions` has one entry per connection.
 */
import type { DeliveryRequest } from "../../src/smtp-client/index.ts";
import net from "node:net";
import tls from "node:tls";

export interface ServerSession {
  /** Every command line received, in order (after STARTTLS too). */
  commands: string[];
  /** The command lines of each received chunk (pipelined commands arrive together). */
  batches: string[][];
  /** The raw data of each DATA phase, as on the wire: dot-stuffed, ending with CRLF.CRLF. */
  data: Buffer[];
  /** After STARTTLS: the negotiated version. */
  tlsVersion: string | null;
  /** The SNI the client sent, if any. */
  servername: string | null;
}

export interface ScriptedServerOptions {
  /** The greeting, raw without the final CRLF ("220 ok", "554 go away"); null: never greet. */
  greeting?: string | null;
  /** EHLO keywords after the first line; "STARTTLS" is added when `tls` is set and `starttls` is not false. */
  extensions?: string[];
  starttls?: boolean;
  tls?: tls.SecureContextOptions;
  /** Instead of a TLS handshake after "220" to STARTTLS: hand the raw socket to this. */
  onStarttls?: (socket: net.Socket) => void;
  /** A raw reply for this command line (lines joined by "\r\n"); null: no reply; undefined: the default. */
  reply?: (line: string, session: ServerSession) => string | null | undefined;
  /** Close the connection instead of replying to this line ("before") or right after the reply ("after"); "." is the end of data. */
  hangUp?: (line: string, session: ServerSession) => "before" | "after" | undefined;
}

export interface ScriptedServer {
  port: number;
  sessions: ServerSession[];
  close(): Promise<void>;
}

const DEFAULT_EXTENSIONS = ["PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES"];

export async function startScriptedServer(opts: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const sessions: ServerSession[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const session: ServerSession = { commands: [], batches: [], data: [], tlsVersion: null, servername: null };
    sessions.push(session);
    serve(socket, session, opts, sockets);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(socket: net.Socket, session: ServerSession, opts: ScriptedServerOptions, sockets: Set<net.Socket>): void {
  let current: net.Socket = socket;
  let buffer = Buffer.alloc(0);
  let inData = false;
  const write = (text: string | null | undefined): void => {
    if (text !== null && text !== undefined) current.write(`${text}\r\n`);
  };
  const offerTls = (opts.tls !== undefined || opts.onStarttls !== undefined) && opts.starttls !== false;
  const defaults = (line: string): string | null => {
    const verb = line.split(" ")[0]?.toUpperCase() ?? "";
    switch (verb) {
      case "EHLO": {
        const ext = [...(opts.extensions ?? DEFAULT_EXTENSIONS), ...(offerTls && session.tlsVersion === null ? ["STARTTLS"] : [])];
        return ["test.example", ...ext].map((l, i, all) => `250${i === all.length - 1 ? " " : "-"}${l}`).join("\r\n");
      }
      case "HELO":
        return "250 test.example";
      case "MAIL":
      case "RSET":
        return "250 2.1.0 Ok";
      case "RCPT":
        return "250 2.1.5 Ok";
      case "DATA":
        return "354 End data with <CR><LF>.<CR><LF>";
      case "QUIT":
        return "221 2.0.0 Bye";
      case "STARTTLS":
        return offerTls ? "220 2.0.0 Ready to start TLS" : "502 5.5.1 Not implemented";
      default:
        return "500 5.5.2 Unknown command";
    }
  };
  const upgrade = (): void => {
    current.off("data", onData);
    buffer = Buffer.alloc(0);
    if (opts.onStarttls !== undefined) {
      opts.onStarttls(current);
      return;
    }
    const secure = new tls.TLSSocket(current, { isServer: true, secureContext: tls.createSecureContext(opts.tls) });
    sockets.add(secure);
    secure.on("error", () => secure.destroy());
    secure.on("secure", () => {
      session.tlsVersion = secure.getProtocol();
      const sni = (secure as tls.TLSSocket & { servername?: string | false }).servername;
      session.servername = typeof sni === "string" ? sni : null;
    });
    secure.on("data", onData);
    current = secure;
  };
  const onData = (chunk: Buffer): void => {
    buffer = Buffer.concat([buffer, chunk]);
    const batch: string[] = [];
    session.batches.push(batch);
    for (;;) {
      if (inData) {
        const atStart = buffer.subarray(0, 3).equals(Buffer.from(".\r\n"));
        const end = atStart ? 0 : buffer.indexOf("\r\n.\r\n");
        if (end < 0) return;
        const len = atStart ? 3 : end + 5;
        session.data.push(Buffer.from(buffer.subarray(0, len)));
        buffer = buffer.subarray(len);
        inData = false;
        const hangAtDot = opts.hangUp?.(".", session);
        if (hangAtDot === "before") {
          current.destroy();
          return;
        }
        write(opts.reply?.(".", session) ?? "250 2.0.0 Ok: queued as TEST1");
        if (hangAtDot === "after") {
          current.end();
          return;
        }
        continue;
      }
      const lf = buffer.indexOf(10);
      if (lf < 0) return;
      const line = buffer.subarray(0, lf).toString("utf8").replace(/\r$/, "");
      buffer = buffer.subarray(lf + 1);
      session.commands.push(line);
      batch.push(line);
      const hang = opts.hangUp?.(line, session);
      if (hang === "before") {
        current.destroy();
        return;
      }
      const custom = opts.reply?.(line, session);
      const reply = custom === undefined ? defaults(line) : custom;
      write(reply);
      const verb = line.toUpperCase();
      if (verb === "DATA" && reply?.startsWith("354") === true) inData = true;
      if (verb === "QUIT" || hang === "after" || reply?.startsWith("421") === true) {
        current.end();
        return;
      }
      if (verb === "STARTTLS" && reply?.startsWith("220") === true) {
        upgrade();
        return; // RFC 3207 §4.2: anything pipelined after STARTTLS is dropped
      }
    }
  };
  socket.on("data", onData);
  if (opts.greeting !== null) write(opts.greeting ?? "220 test.example ESMTP scripted");
}

/** The message inside raw DATA: terminator removed, dots unstuffed (RFC 5321 §4.5.2). */
export function unstuff(raw: Buffer): string {
  const text = raw.toString("latin1");
  const body = text === ".\r\n" ? "" : text.slice(0, -3);
  return body
    .split("\r\n")
    .map((l) => (l.startsWith(".") ? l.slice(1) : l))
    .join("\r\n");
}

/** A delivery request to a scripted server on 127.0.0.1 (test-only), plaintext unless `over` says. */
export function testRequest(host: string, port: number, over: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    host,
    address: "127.0.0.1",
    port,
    heloName: "client.example.org",
    tls: { starttls: "never", verify: null },
    from: "sender@example.org",
    recipients: ["rcpt@example.net"],
    message: Buffer.from("Subject: hi\r\n\r\nbody\r\n"),
    timeouts: { greetingMs: 5000, commandMs: 5000 },
    ...over,
  };
}

/** Runs `fn` with a scripted server that is closed afterwards, whatever happens (test-only). */
export async function withScriptedServer(opts: ScriptedServerOptions, fn: (s: ScriptedServer) => Promise<void>): Promise<void> {
  const server = await startScriptedServer(opts);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}
