// connectTarget against scripted servers: the SMTP, IMAP and POP3 STARTTLS dialogues, the
// pipelined write of the CVE-2011-0411 test, and the typed failures.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import type { Access, CheckOptions, Target } from "../types.ts";
import { CheckError, connectTarget } from "./index.ts";
import { startScriptedServer } from "../../../test/support/check-fakes.ts";

const opts: CheckOptions = { timeoutMs: 5000, concurrency: 4, ca: [] };
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

function target(port: number, access: Access): Target {
  return { host: "127.0.0.1", port, address: "127.0.0.1", servername: null, access };
}

/** A line server: `reply(line)` answers each received line; every raw read is recorded. */
async function lineServer(greeting: string, reply: (line: string, socket: net.Socket) => string | undefined) {
  const reads: string[] = [];
  const s = await startScriptedServer((socket) => {
    socket.write(greeting);
    let pending = "";
    socket.on("data", (b: Buffer) => {
      reads.push(b.toString("latin1"));
      pending += b.toString("latin1");
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, "");
        pending = pending.slice(nl + 1);
        const out = reply(line, socket);
        if (out !== undefined) socket.write(out);
      }
    });
  });
  cleanups.push(s.close);
  return { port: s.port, reads };
}

const smtpGreeting = "220-mx.example.test ESMTP\r\n220-second line\r\n220 ready\r\n";

test("SMTP: multi-line greeting, EHLO, STARTTLS pipelined with NOOP in one write, leftover after 220", async () => {
  let stopped = false;
  const srv = await lineServer(smtpGreeting, (line) => {
    if (stopped) return undefined;
    if (line.startsWith("EHLO ")) return "250-mx.example.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
    if (line === "STARTTLS") {
      stopped = true;
      return "220 2.0.0 go ahead\r\n250 2.0.0 answered in plaintext\r\n";
    }
    return "500 unexpected\r\n";
  });
  const c = await connectTarget(target(srv.port, "smtp"), opts, { pipeline: "NOOP" });
  try {
    assert.equal(c.starttlsOffered, true);
    assert.equal(c.leftover.toString("latin1"), "250 2.0.0 answered in plaintext\r\n");
    assert.deepEqual(srv.reads, ["EHLO sealpost-check.invalid\r\n", "STARTTLS\r\nNOOP\r\n"]);
  } finally {
    c.socket.destroy();
  }
});

test("SMTP: heloName, and STARTTLS accepted though not listed → starttlsOffered false", async () => {
  const srv = await lineServer("220 hi\r\n", (line) => (line.startsWith("EHLO") ? "250-x\r\n250 SIZE 1000\r\n" : "220 ok\r\n"));
  const c = await connectTarget(target(srv.port, "smtp"), opts, { heloName: "probe.example.test" });
  c.socket.destroy();
  assert.equal(c.starttlsOffered, false);
  assert.equal(c.leftover.length, 0);
  assert.equal(srv.reads[0], "EHLO probe.example.test\r\n");
});

test("SMTP failures are typed: not offered, refused, bad greeting", async () => {
  const notOffered = await lineServer("220 hi\r\n", (line) => (line.startsWith("EHLO") ? "250 x\r\n" : "502 5.5.1 no\r\n"));
  await assert.rejects(connectTarget(target(notOffered.port, "smtp"), opts), (e: unknown) => e instanceof CheckError && e.kind === "starttls-not-offered" && /502 5\.5\.1 no/.test(e.message));
  const refused = await lineServer("220 hi\r\n", (line) => (line.startsWith("EHLO") ? "250-x\r\n250 STARTTLS\r\n" : "454 4.7.0 TLS not available\r\n"));
  await assert.rejects(connectTarget(target(refused.port, "smtp"), opts), (e: unknown) => e instanceof CheckError && e.kind === "starttls-refused" && /454 4\.7\.0/.test(e.message));
  const busy = await lineServer("554 5.3.2 go away\r\n", () => undefined);
  await assert.rejects(connectTarget(target(busy.port, "smtp"), opts), (e: unknown) => e instanceof CheckError && e.kind === "protocol" && /554 5\.3\.2 go away/.test(e.message));
  const garbage = await lineServer("HTTP/1.1 400 Bad Request\r\n", () => undefined);
  await assert.rejects(connectTarget(target(garbage.port, "smtp"), opts), (e: unknown) => e instanceof CheckError && e.kind === "protocol");
});

test("IMAP: CAPABILITY asked when the greeting has none, STARTTLS pipelined, tagged OK", async () => {
  const srv = await lineServer("* OK IMAP ready\r\n", (line) => {
    if (line === "a CAPABILITY") return "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na OK done\r\n";
    if (line === "b STARTTLS") return "b OK Begin TLS negotiation now\r\n";
    return undefined;
  });
  const c = await connectTarget(target(srv.port, "imap"), opts, { pipeline: "c NOOP\r\n" });
  c.socket.destroy();
  assert.equal(c.starttlsOffered, true);
  assert.deepEqual(srv.reads, ["a CAPABILITY\r\n", "b STARTTLS\r\nc NOOP\r\n"]);
});

test("IMAP: capabilities from the greeting; NO to STARTTLS is a refusal; PREAUTH means no STARTTLS", async () => {
  const srv = await lineServer("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", (line) => (line === "b STARTTLS" ? "* BYE later\r\nb NO not now\r\n" : "x BAD\r\n"));
  await assert.rejects(connectTarget(target(srv.port, "imap"), opts), (e: unknown) => e instanceof CheckError && e.kind === "starttls-refused" && /b NO not now/.test(e.message));
  assert.deepEqual(srv.reads, ["b STARTTLS\r\n"]);
  const pre = await lineServer("* PREAUTH logged in\r\n", () => undefined);
  await assert.rejects(connectTarget(target(pre.port, "imap"), opts), (e: unknown) => e instanceof CheckError && e.kind === "starttls-not-offered");
});

test("POP3: CAPA lists STLS, STLS +OK", async () => {
  const srv = await lineServer("+OK POP3 ready\r\n", (line) => {
    if (line === "CAPA") return "+OK\r\nTOP\r\nSTLS\r\nUIDL\r\n.\r\n";
    if (line === "STLS") return "+OK begin TLS\r\n";
    return "-ERR\r\n";
  });
  const c = await connectTarget(target(srv.port, "pop3"), opts);
  c.socket.destroy();
  assert.equal(c.starttlsOffered, true);
  assert.deepEqual(srv.reads, ["CAPA\r\n", "STLS\r\n"]);
  const none = await lineServer("+OK hi\r\n", (line) => (line === "CAPA" ? "+OK\r\nUSER\r\n.\r\n" : "-ERR no\r\n"));
  await assert.rejects(connectTarget(target(none.port, "pop3"), opts), (e: unknown) => e instanceof CheckError && e.kind === "starttls-not-offered");
});

test("implicit TLS: just the TCP connection", async () => {
  const srv = await lineServer("", () => undefined);
  const c = await connectTarget(target(srv.port, "tls"), opts);
  c.socket.destroy();
  assert.equal(c.starttlsOffered, null);
  assert.equal(c.leftover.length, 0);
});

test("a silent server is a timeout, a closed port a connect error, an abort rejects with its reason", async () => {
  const silent = await lineServer("", () => undefined);
  await assert.rejects(connectTarget(target(silent.port, "smtp"), { ...opts, timeoutMs: 150 }), (e: unknown) => e instanceof CheckError && e.kind === "timeout" && /SMTP greeting within 150 ms/.test(e.message));
  const closedPort = silent.port;
  await cleanups.pop()?.();
  await assert.rejects(connectTarget(target(closedPort, "tls"), opts), (e: unknown) => e instanceof CheckError && e.kind === "connect" && /ECONNREFUSED/.test(e.message));
  const hang = await lineServer("", () => undefined);
  const ac = new AbortController();
  const p = connectTarget(target(hang.port, "imap"), { ...opts, signal: ac.signal });
  setImmediate(() => ac.abort(new Error("stop now")));
  await assert.rejects(p, /stop now/);
});

test("a server that hangs up at once is a connect error; an endless line is a protocol error", async () => {
  const hangup = await startScriptedServer((s) => s.destroy());
  cleanups.push(hangup.close);
  await assert.rejects(connectTarget(target(hangup.port, "pop3"), opts), (e: unknown) => e instanceof CheckError && e.kind === "connect");
  const flood = await startScriptedServer((s) => s.write(Buffer.alloc(20_000, 0x41)));
  cleanups.push(flood.close);
  await assert.rejects(connectTarget(target(flood.port, "smtp"), opts), (e: unknown) => e instanceof CheckError && e.kind === "protocol" && /longer than/.test(e.message));
});

test("a server that drips its greeting a line at a time cannot hold the dialogue past twice the timeout", async () => {
  const srv = await startScriptedServer((socket) => {
    const timer = setInterval(() => socket.write("220-still greeting\r\n"), 50);
    socket.on("close", () => clearInterval(timer));
    socket.on("error", () => clearInterval(timer));
  });
  cleanups.push(srv.close);
  await assert.rejects(connectTarget(target(srv.port, "smtp"), { ...opts, timeoutMs: 200 }), (e: unknown) => e instanceof CheckError && e.kind === "timeout" && /took longer than 0\.4 s/.test(e.message));
});
