import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server } from "node:net";
import { connectProbe, isListening, listeningSockets } from "./listening.ts";

async function listen(host: string): Promise<Server & { port: number }> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, host, resolve));
  return Object.assign(s, { port: (s.address() as AddressInfo).port });
}

test("listening sockets from the kernel's tables: IPv4, IPv6, wildcards, and a closed port", async () => {
  const [v4, v6, any6] = await Promise.all([listen("127.0.0.2"), listen("::1"), listen("::")]);
  try {
    const sockets = await listeningSockets();
    assert.ok(sockets !== null, "/proc/net/tcp is readable on Linux");
    assert.equal(isListening(sockets, "127.0.0.2", v4.port), true);
    assert.equal(isListening(sockets, "0.0.0.0", v4.port), true, "a wildcard in the config matches any address");
    assert.equal(isListening(sockets, "127.0.0.3", v4.port), false);
    assert.equal(isListening(sockets, "::1", v6.port), true);
    assert.equal(isListening(sockets, "0:0:0:0:0:0:0:1", v6.port), true);
    assert.equal(isListening(sockets, "localhost", v6.port), true);
    assert.equal(isListening(sockets, "127.0.0.1", v6.port), false);
    assert.equal(isListening(sockets, "192.0.2.1", any6.port), true, "a socket on :: takes connections for every address");
  } finally {
    await Promise.all([v4, v6, any6].map((s) => new Promise((r) => s.close(r))));
  }
  const after = await listeningSockets();
  assert.equal(isListening(after ?? [], "127.0.0.2", v4.port), false);
});

test("connectProbe (where there is no /proc): null when accepted, the reason when not", async () => {
  const s = await listen("127.0.0.1");
  assert.equal(await connectProbe("0.0.0.0", s.port), null);
  await new Promise((r) => s.close(r));
  assert.equal(await connectProbe("127.0.0.1", s.port), "connection refused");
});
