/** Ports for test peers (Postfix, Dovecot, PostgreSQL, pebble) that bind them after the test picked them. */
import { createServer } from "node:net";

/**
 * A port for a peer that binds it later (Postfix, Dovecot): free now, and below Linux's ephemeral
 * range (32768–60999), where the thousands of client sockets other test files open (the connection
 * floods) take their local ports — a port picked by the kernel from that range could be a client's
 * by the time the peer binds it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once("error", () => res(false));
      s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
    });
    if (free) return port;
  }
}
