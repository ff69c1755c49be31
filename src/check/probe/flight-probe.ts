/**
 * Probes that read past the ServerHello: a connection of their own (connectTarget), one
 * hand-built hello, and the server's first flight as far as the probe needs it — the ServerHello
 * and the handshake messages after it (RFC 5246 §7.3: Certificate, ServerKeyExchange …
 * ServerHelloDone) — with the connection left open for what the probe sends next (a heartbeat
 * request, RFC 6520 §3). The caller closes it.
 */
import type net from "node:net";
import { parseServerFlight, type ServerFlightParse } from "../../tls/index.ts";
import type { CheckOptions, Target } from "../types.ts";
import { connectTarget } from "./connect.ts";
import { CheckError } from "./errors.ts";
import { describeNoAnswer, SocketReader } from "./reader.ts";

/** Cap on the bytes read for a flight (a certificate chain is rarely over 16 KiB). */
const MAX_FLIGHT_BYTES = 128 * 1024;

export type Flight = Extract<ServerFlightParse, { kind: "flight" }>;

export type FlightOutcome =
  | { kind: "flight"; flight: Flight }
  | { kind: "alert"; name: string; description: number }
  | { kind: "closed"; error: string | null }
  | { kind: "timeout"; ms: number }
  | { kind: "invalid"; reason: string };

export interface ProbeConnection {
  socket: net.Socket;
  reader: SocketReader;
  close(): void;
}

/** A probe connection to the target, or why none could be made. Rejects only on abort. */
export async function openProbe(target: Target, opts: CheckOptions): Promise<ProbeConnection | CheckError> {
  try {
    const { socket, leftover } = await connectTarget(target, opts);
    const reader = new SocketReader(socket, MAX_FLIGHT_BYTES, leftover);
    return { socket, reader, close: () => socket.destroy() };
  } catch (e) {
    if (e instanceof CheckError) return e;
    throw e;
  }
}

/**
 * Sends `hello` and reads the server's flight until `enough(flight)` says so or the flight has
 * ended (ServerHelloDone, another record type, an alert). The flight's bytes stay in the reader;
 * `flight.consumed` says how many they are.
 */
export async function sendAndReadFlight(c: ProbeConnection, opts: CheckOptions, hello: Buffer, enough: (f: Flight) => boolean): Promise<FlightOutcome> {
  c.socket.write(hello);
  return c.reader.answer(
    (buf): FlightOutcome | undefined => {
      const p = parseServerFlight(buf);
      switch (p.kind) {
        case "incomplete":
          return undefined;
        case "flight":
          return p.end !== null || enough(p) ? { kind: "flight", flight: p } : undefined;
        case "alert":
          return { kind: "alert", name: p.alert.name, description: p.alert.description };
        default:
          return { kind: "invalid", reason: p.reason };
      }
    },
    "the end of the server's flight",
    opts.timeoutMs,
    opts.signal,
  );
}

/** The outcome in words, for a feature's detail. */
export function describeFlightOutcome(o: FlightOutcome | CheckError): string {
  if (o instanceof CheckError) return o.message;
  switch (o.kind) {
    case "flight":
      return "a ServerHello";
    case "alert":
      return `${o.name} alert`;
    case "closed":
    case "timeout":
    case "invalid":
      return describeNoAnswer(o);
  }
}
