/**
 * What a listener in one process and the primary's front (front.ts) share about their TCP
 * server: binding it, the port it got, and the count of open connections per client address.
 */
import type { Server } from "node:net";
import { normalizeIp } from "../tls/index.ts";
import { connectionKey } from "./client-key.ts";

/** Binds `server` (backlog 511, as Postfix and nginx); rejects with the bind error. */
export function listenOn(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address, port, backlog: 511 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The port `server` is bound to (port 0 in tests becomes the real one), or `configured` before it is. */
export function boundPort(server: Server, configured: number): number {
  const addr = server.address();
  return typeof addr === "object" && addr !== null ? addr.port : configured;
}

/**
 * Open connections per client address, an IPv6 client per /64 (client-key.ts). `take` checks
 * and counts in one synchronous step, so two connections cannot both slip under the limit.
 */
export class AddressCounts {
  readonly #counts = new Map<string, number>();

  /** Counts a connection from `remoteAddress`; returns its release (call once), or null when `max` are open already. */
  take(remoteAddress: string | undefined, max: number): (() => void) | null {
    const client = connectionKey(normalizeIp(remoteAddress));
    const count = this.#counts.get(client) ?? 0;
    if (count >= max) return null;
    this.#counts.set(client, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#counts.get(client) ?? 1) - 1;
      if (n <= 0) this.#counts.delete(client);
      else this.#counts.set(client, n);
    };
  }
}
