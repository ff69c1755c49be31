/**
 * The engine every protocol session runs on (session.ts), driven over a real loopback socket by a
 * tiny line protocol: "slow N" takes N ms, "login" signs in, anything else is echoed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../log/index.ts";
import { Connection, TlsTransport } from "../tls/index.ts";
import { LineReader, type LineEvent } from "./line-reader.ts";
import { LineSession, type EvictionRank } from "./session.ts";

interface Limits {
  timeoutMs?: number;
  signInMs?: number;
  minDataRate?: number;
}

class EchoSession extends LineSession<LineEvent> {
  protected readonly reader = new LineReader({ maxLine: 100 });
  readonly handled: string[] = [];
  readonly endings: string[] = [];
  closedHooks = 0;
  running = 0;
  maxRunning = 0;
  #signedIn = false;
  readonly #limits: Limits;

  constructor(conn: Connection, limits: Limits) {
    super(conn, { onClosed: () => this.closedHooks++, log: createLogger({ write: () => undefined }), minDataRate: limits.minDataRate ?? 0 });
    this.#limits = limits;
  }

  protected nextEvent(): LineEvent | null {
    return this.reader.nextLine();
  }

  protected async handleEvent(ev: LineEvent): Promise<void> {
    if (ev.kind !== "line") return;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      const [verb, arg] = ev.line.split(" ");
      if (verb === "slow") await sleep(Number(arg));
      if (verb === "login") {
        this.#signedIn = true;
        this.signedIn();
      }
      if (verb === "quit") this.closeReason = "quit";
      this.handled.push(ev.line);
      this.write(`ok ${ev.line}\n`);
    } finally {
      this.running--;
    }
  }

  protected greet(): void {
    this.write("hello\n");
  }
  protected timeoutMs(): number {
    return this.#limits.timeoutMs ?? 10_000;
  }
  protected signInDeadlineMs(): number {
    return this.#limits.signInMs ?? 10_000;
  }
  protected sayTimeout(): void {
    this.write("bye timeout\n");
  }
  protected sayShutdown(): void {
    this.write("bye shutdown\n");
  }
  protected sayEvicted(): void {
    this.write("bye evicted\n");
  }
  protected idleEvictionRank(): EvictionRank {
    return this.#signedIn ? null : "idle";
  }
  protected holdsWork(): boolean {
    return false;
  }
  protected ended(reason: string): void {
    this.endings.push(reason);
  }
}

const transport = new TlsTransport({
  contextFor: () => {
    throw new Error("no TLS in this test");
  },
  policy: () => {
    throw new Error("no TLS in this test");
  },
  onEvent: () => undefined,
  handshakeTimeoutMs: () => 1000,
});

/** A session on the server end of a loopback connection, and the client's socket with what it has read. */
async function pair(limits: Limits = {}): Promise<{ session: EchoSession; client: net.Socket; received: () => string; closed: Promise<void>; done: () => void }> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as net.AddressInfo;
  const accepted = once(server, "connection") as Promise<[net.Socket]>;
  const client = net.connect(address.port, "127.0.0.1");
  let text = "";
  client.setEncoding("utf8").on("data", (d: string) => (text += d));
  const closed = once(client, "close").then(() => undefined);
  const [socket] = await accepted;
  const session = new EchoSession(new Connection(socket, transport, "TESTSESSION"), limits);
  session.start();
  return { session, client, received: () => text, closed, done: () => (client.destroy(), server.close()) };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  assert.ok(check(), `timed out waiting for ${what}`);
}

test("pipelined commands are handled strictly in order, one at a time (RFC 2920, RFC 9051 §5.5)", async () => {
  const { session, client, received, done } = await pair();
  try {
    client.write("slow 40\nfirst\nslow 5\nsecond\n");
    await until("four replies", () => received().split("\n").filter((l) => l.startsWith("ok")).length === 4);
    assert.deepEqual(session.handled, ["slow 40", "first", "slow 5", "second"]);
    assert.equal(session.maxRunning, 1);
    assert.equal(received(), "hello\nok slow 40\nok first\nok slow 5\nok second\n");
  } finally {
    done();
  }
});

test("the wait for a command is a deadline: a byte every 20 ms earns only what it is worth at the minimum rate", async () => {
  // 300 ms, and each byte worth 10 ms at 100 B/s: the trickle is cut off after ~0.6 s, long before its 4 s end.
  const { session, client, received, closed, done } = await pair({ timeoutMs: 300, minDataRate: 100 });
  try {
    let sent = 0;
    const trickle = setInterval(() => {
      if (client.writable && sent < 200) {
        client.write("x");
        sent++;
      }
    }, 20);
    await closed;
    clearInterval(trickle);
    assert.ok(sent < 200, `the trickle ran to its end (${sent} bytes) without being cut off`);
    assert.deepEqual(session.endings, ["timeout"]);
    assert.match(received(), /bye timeout\n$/);
  } finally {
    done();
  }
});

test("the sign-in deadline runs from the start however busy the client keeps the session, and stops once it signs in", async () => {
  const busy = await pair({ signInMs: 300 });
  try {
    const chatter = setInterval(() => busy.client.writable && busy.client.write("noop\n"), 20);
    await busy.closed;
    clearInterval(chatter);
    assert.deepEqual(busy.session.endings, ["sign-in-timeout"]);
    assert.ok(busy.session.handled.length > 3, "the client kept the session busy");
  } finally {
    busy.done();
  }
  const signed = await pair({ signInMs: 200 });
  try {
    signed.client.write("login\n");
    await sleep(400);
    assert.deepEqual(signed.session.endings, []);
    signed.client.write("quit\n");
    await signed.closed;
    assert.deepEqual(signed.session.endings, ["quit"]);
  } finally {
    signed.done();
  }
});

test("drain (SIGTERM) lets the running command finish, then says goodbye; the end is reported once", async () => {
  const { session, client, received, closed, done } = await pair();
  try {
    client.write("slow 150\n");
    await until("the command to start", () => session.running === 1);
    assert.equal(session.inFlight, true);
    session.drain();
    await closed;
    assert.equal(received(), "hello\nok slow 150\nbye shutdown\n");
    assert.deepEqual(session.endings, ["shutdown"]);
    assert.equal(session.closedHooks, 1);
  } finally {
    done();
  }
});

test("eviction: a waiting session that has not signed in ranks idle and says goodbye; a busy or signed-in one never ranks", async () => {
  const { session, client, received, closed, done } = await pair();
  try {
    assert.equal(session.evictionRank, "idle");
    client.write("slow 100\n");
    await until("the command to start", () => session.running === 1);
    assert.equal(session.evictionRank, null);
    await until("the command to end", () => session.running === 0 && received().includes("ok slow"));
    client.write("login\n");
    await until("the sign-in", () => received().includes("ok login"));
    assert.equal(session.evictionRank, null);
  } finally {
    done();
  }
  await closed;
  const other = await pair();
  try {
    other.session.evict();
    await other.closed;
    assert.equal(other.received(), "hello\nbye evicted\n");
    assert.deepEqual(other.session.endings, ["evicted"]);
    assert.equal(other.session.evictionRank, null);
  } finally {
    other.done();
  }
});
