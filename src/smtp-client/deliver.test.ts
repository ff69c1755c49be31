import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { deliver, type DeliveryRequest, type DeliveryResult } from "./index.ts";
import { testRequest, unstuff, withScriptedServer, type ScriptedServer } from "../../test/support/smtp-scripted-server.ts";

const request = (port: number, over: Partial<DeliveryRequest> = {}): DeliveryRequest => testRequest("mx.example.net", port, over);
const withServer = withScriptedServer;

function verbs(server: ScriptedServer): string[] {
  return server.sessions.flatMap((s) => s.commands.map((c) => c.split(/[ :]/)[0] ?? ""));
}

test("delivers: multi-line EHLO, pipelined MAIL/RCPT, SIZE and BODY=8BITMIME, dot-stuffing, bare LF", async () => {
  await withServer({}, async (server) => {
    const message = Buffer.from("Subject: dots\n\n.\n..\nGrüße\r\n.leading\rlast", "utf8");
    const res = await deliver(request(server.port, { message, recipients: ["a@example.net", "b@example.net"] }));
    assert.equal(res.problem, null);
    assert.equal(res.starttlsOffered, false);
    assert.equal(res.tls, null);
    assert.deepEqual(
      res.recipients.map((r) => [r.address, r.accepted, r.delivered, r.code]),
      [["a@example.net", true, true, 250], ["b@example.net", true, true, 250]],
    );
    assert.equal(res.recipients[0]?.reply, "250 2.0.0 Ok: queued as TEST1");
    const session = server.sessions[0]!;
    assert.match(session.commands[1] ?? "", /^MAIL FROM:<sender@example\.org> SIZE=\d+ BODY=8BITMIME$/);
    const size = Number(/SIZE=(\d+)/.exec(session.commands[1] ?? "")?.[1]);
    assert.equal(session.data.length, 1);
    const raw = session.data[0]!;
    assert.equal(raw.toString("latin1").includes("\r\n..\r\n...\r\n"), true, "'.' and '..' lines are stuffed");
    assert.equal(unstuff(raw), Buffer.from("Subject: dots\r\n\r\n.\r\n..\r\nGrüße\r\n.leading\r\nlast\r\n", "utf8").toString("latin1"));
    assert.equal(size, Buffer.byteLength(unstuff(raw), "latin1"));
    assert.equal(verbs(server).join(" "), "EHLO MAIL RCPT RCPT DATA QUIT");
    assert.ok(session.batches.some((b) => b.length === 3 && b[0]?.startsWith("MAIL") === true), "MAIL and RCPTs pipelined");
    assert.ok(res.transcript?.includes("C: RCPT TO:<b@example.net>"));
    assert.ok(!res.transcript?.some((l) => l.includes("Grüße")), "no message data in the transcript");
  });
});

test("without PIPELINING each RCPT waits for its reply; the null sender is <>", async () => {
  await withServer({ extensions: ["8BITMIME"] }, async (server) => {
    const res = await deliver(request(server.port, { from: "", recipients: ["a@x.test", "b@x.test", "c@x.test"] }));
    assert.equal(res.problem, null);
    const session = server.sessions[0]!;
    assert.equal(session.commands[1], "MAIL FROM:<>");
    const envelope = session.batches.filter((b) => b.some((c) => /^(MAIL|RCPT)/.test(c)));
    assert.deepEqual(envelope.map((b) => b.length), [1, 1, 1, 1]);
  });
});

test("some recipients refused: the others are delivered, each refusal keeps its reply", async () => {
  const reply = (line: string): string | undefined => {
    if (line.includes("<gone@")) return "550 5.1.1 <gone@x.test>: Recipient address rejected";
    if (line.includes("<full@")) return "452-4.2.2 Mailbox full\r\n452 4.2.2 try later";
    return undefined;
  };
  await withServer({ reply }, async (server) => {
    const res = await deliver(request(server.port, { recipients: ["ok@x.test", "gone@x.test", "full@x.test"] }));
    assert.equal(res.problem, null);
    assert.equal(res.permanent, false);
    const [ok, gone, full] = res.recipients;
    assert.deepEqual([ok?.delivered, ok?.accepted], [true, true]);
    assert.deepEqual([gone?.code, gone?.accepted, gone?.delivered, gone?.permanent], [550, false, false, true]);
    assert.equal(gone?.reply, "550 5.1.1 <gone@x.test>: Recipient address rejected");
    assert.deepEqual([full?.code, full?.permanent, full?.reply], [452, false, "452-4.2.2 Mailbox full\n452 4.2.2 try later"]);
  });
});

test("all recipients refused: no DATA, problem rejected with the last reply, QUIT", async () => {
  const reply = (line: string): string | undefined => (line.startsWith("RCPT") ? `550 5.1.1 ${line.slice(8)} unknown` : undefined);
  await withServer({ reply }, async (server) => {
    const res = await deliver(request(server.port, { recipients: ["x@y.test", "z@y.test"] }));
    assert.deepEqual(res.problem, { kind: "rejected", host: "mx.example.net", reply: "550 5.1.1 <z@y.test> unknown", permanent: true });
    assert.equal(res.permanent, true);
    assert.equal(verbs(server).join(" "), "EHLO MAIL RCPT RCPT QUIT");
    assert.ok(res.recipients.every((r) => r.code === 550 && !r.delivered));
  });
});

test("421 during RCPT: temporary, nothing delivered, no QUIT", async () => {
  const reply = (line: string): string | undefined => (line.startsWith("RCPT") ? "421 4.3.2 shutting down" : undefined);
  await withServer({ extensions: [], reply }, async (server) => {
    const res = await deliver(request(server.port, { recipients: ["a@x.test", "b@x.test"] }));
    assert.deepEqual(res.problem, { kind: "rejected", host: "mx.example.net", reply: "421 4.3.2 shutting down", permanent: false });
    assert.equal(res.permanent, false);
    assert.deepEqual(res.recipients.map((r) => [r.code, r.permanent, r.delivered]), [[421, false, false], [421, false, false]]);
    assert.equal(verbs(server).join(" "), "EHLO MAIL RCPT");
  });
});

test("greeting: 554 is permanent, 421 temporary", async () => {
  for (const [greeting, permanent] of [["554 5.7.1 no service for you", true], ["421 4.7.0 too busy", false]] as const) {
    await withServer({ greeting }, async (server) => {
      const res = await deliver(request(server.port));
      assert.deepEqual(res.problem, { kind: "rejected", host: "mx.example.net", reply: greeting, permanent });
      assert.equal(res.permanent, permanent);
      assert.equal(res.starttlsOffered, null);
      assert.equal(res.recipients[0]?.code, Number(greeting.slice(0, 3)));
    });
  }
});

test("a 5xx to MAIL FROM is permanent and decides every recipient; pipelined RCPTs are drained", async () => {
  const reply = (line: string): string | undefined => {
    if (line.startsWith("MAIL")) return "553 5.7.1 sender refused";
    if (line.startsWith("RCPT")) return "503 5.5.1 need MAIL first";
    return undefined;
  };
  await withServer({ reply }, async (server) => {
    const res = await deliver(request(server.port, { recipients: ["a@x.test", "b@x.test"] }));
    assert.equal(res.problem?.kind, "rejected");
    assert.equal(res.permanent, true);
    assert.deepEqual(res.recipients.map((r) => [r.code, r.reply, r.permanent]), [
      [553, "553 5.7.1 sender refused", true],
      [553, "553 5.7.1 sender refused", true],
    ]);
    assert.equal(verbs(server).join(" "), "EHLO MAIL RCPT RCPT QUIT");
    assert.equal(res.transcript?.at(-1), "S: 221 2.0.0 Bye");
  });
});

test("SIZE: a message over the announced limit is refused locally, never sent", async () => {
  await withServer({ extensions: ["SIZE 100"] }, async (server) => {
    const res = await deliver(request(server.port, { message: Buffer.alloc(200, 0x61) }));
    assert.equal(res.problem?.kind, "rejected");
    assert.equal(res.permanent, true);
    const reply = res.problem?.kind === "rejected" ? res.problem.reply : "";
    assert.match(reply, /^552 5\.3\.4 .*202 octets.*100.*\(local: not sent to the server\)$/);
    assert.equal(res.recipients[0]?.code, 552);
    assert.equal(verbs(server).join(" "), "EHLO QUIT");
  });
});

test("the reply to the final dot decides: 451 leaves accepted recipients undelivered and temporary", async () => {
  const reply = (line: string): string | undefined => (line === "." ? "451 4.3.0 try again" : undefined);
  await withServer({ reply }, async (server) => {
    const res = await deliver(request(server.port));
    assert.deepEqual(res.problem, { kind: "rejected", host: "mx.example.net", reply: "451 4.3.0 try again", permanent: false });
    assert.deepEqual(res.recipients.map((r) => [r.accepted, r.delivered, r.code, r.permanent]), [[true, false, 451, false]]);
  });
});

test("EHLO refused with 5xx: HELO, no extensions, still delivered", async () => {
  const reply = (line: string): string | undefined => (line.startsWith("EHLO") ? "502 5.5.2 what?" : undefined);
  await withServer({ reply }, async (server) => {
    const res = await deliver(request(server.port));
    assert.equal(res.problem, null);
    assert.equal(res.starttlsOffered, false);
    assert.equal(verbs(server).join(" "), "EHLO HELO MAIL RCPT DATA QUIT");
    assert.equal(server.sessions[0]?.commands[2], "MAIL FROM:<sender@example.org>");
  });
});

test("STARTTLS required but not offered: no-starttls, permanent, no MAIL", async () => {
  await withServer({}, async (server) => {
    const res = await deliver(request(server.port, { tls: { starttls: "required", verify: null } }));
    assert.deepEqual(res.problem, { kind: "no-starttls", host: "mx.example.net" });
    assert.equal(res.permanent, true);
    assert.equal(res.starttlsOffered, false);
    assert.equal(verbs(server).join(" "), "EHLO QUIT");
  });
});

test("timeouts: a silent greeting and a withheld RCPT reply become protocol problems", async () => {
  await withServer({ greeting: null }, async (server) => {
    const res = await deliver(request(server.port, { timeouts: { greetingMs: 50 } }));
    assert.equal(res.problem?.kind, "protocol");
    assert.match(res.problem?.kind === "protocol" ? res.problem.detail : "", /timed out after 50 ms waiting for the greeting/);
    assert.equal(res.permanent, false);
  });
  const reply = (line: string): string | null | undefined => (line.startsWith("RCPT") ? null : undefined);
  await withServer({ reply }, async (server) => {
    const res = await deliver(request(server.port, { timeouts: { commandMs: 80 } }));
    assert.match(res.problem?.kind === "protocol" ? res.problem.detail : "", /timed out after 80 ms waiting for the reply to RCPT TO:<rcpt@example\.net>/);
    assert.deepEqual(res.recipients.map((r) => [r.code, r.delivered]), [[0, false]]);
  });
});

test("malformed and oversized replies are protocol problems", async () => {
  for (const bad of ["hello there", `250 ${"x".repeat(6000)}`, "250-a\r\n251 b"]) {
    const reply = (line: string): string | undefined => (line.startsWith("MAIL") ? bad : undefined);
    await withServer({ reply }, async (server) => {
      const res = await deliver(request(server.port));
      assert.equal(res.problem?.kind, "protocol", bad.slice(0, 20));
      assert.equal(res.recipients[0]?.delivered, false);
    });
  }
});

test("connection refused and abort by signal", async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const refused = await deliver(request(port));
  assert.deepEqual(refused.problem, { kind: "connect", host: "mx.example.net", detail: "connection refused" });
  assert.equal(refused.starttlsOffered, null);

  const reply = (line: string): string | null | undefined => (line.startsWith("MAIL") ? null : undefined);
  await withServer({ reply }, async (server) => {
    const controller = new AbortController();
    const pending: Promise<DeliveryResult> = deliver(request(server.port, { signal: controller.signal }));
    while (!server.sessions[0]?.commands.some((c) => c.startsWith("MAIL"))) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const res = await pending;
    assert.deepEqual(res.problem, { kind: "protocol", host: "mx.example.net", detail: "aborted by the caller" });
  });
});

test("addresses that could inject commands are refused locally", async () => {
  await withServer({}, async (server) => {
    const res = await deliver(request(server.port, { recipients: ["ok@x.test", "evil@x.test>\r\nRCPT TO:<other@x.test"] }));
    assert.equal(res.problem, null);
    assert.deepEqual(res.recipients.map((r) => [r.code, r.delivered]), [[250, true], [553, false]]);
    assert.equal(verbs(server).filter((v) => v === "RCPT").length, 1);
    const bad = await deliver(request(server.port, { from: "a@b.test\r\nDATA" }));
    assert.equal(bad.problem?.kind, "rejected");
    assert.equal(bad.permanent, true);
    assert.equal(server.sessions.length, 1, "no connection for a bad sender");
  });
});

test("a large message streams with back-pressure and arrives intact", async () => {
  const line = "0123456789 .abcdefghijklmnopqrstuvwxyz\n.";
  const message = Buffer.from(line.repeat(100_000)); // ~4 MB, bare LFs and dot lines throughout
  await withServer({}, async (server) => {
    const res = await deliver(request(server.port, { message }));
    assert.equal(res.problem, null);
    const expected = `${line.replaceAll("\n", "\r\n").repeat(100_000)}\r\n`;
    assert.equal(unstuff(server.sessions[0]!.data[0]!), expected);
  });
});

test("a server that stops reading the data: the block timeout ends the attempt", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.write("220 slow ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      for (const cmd of chunk.toString("latin1").split("\r\n").filter((l) => l !== "")) {
        if (cmd === "DATA") {
          socket.write("354 go\r\n");
          socket.pause(); // never reads the message
          return;
        }
        socket.write(cmd.startsWith("EHLO") ? "250 slow\r\n" : "250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const res = await deliver(request(port, { message: Buffer.alloc(64 * 1024 * 1024, 0x61), timeouts: { commandMs: 5000, dataBlockMs: 100 } }));
    assert.equal(res.problem?.kind, "protocol");
    assert.match(res.problem?.kind === "protocol" ? res.problem.detail : "", /timed out after 100 ms sending the message/);
    assert.deepEqual(res.recipients.map((r) => [r.accepted, r.delivered]), [[true, false]]);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
