import { before, test } from "node:test";
import assert from "node:assert/strict";
import { deliverAndKeep, type DeliveryRequest, type SmtpSession } from "./index.ts";
import { testRequest, unstuff, withScriptedServer, type ScriptedServer } from "../../test/support/smtp-scripted-server.ts";
import { makeTestPki, type TestPki } from "../../test/support/smtp-pki.ts";

const HOST = "mx.example.net";
let pki: TestPki;

before(async () => {
  pki = await makeTestPki(HOST);
});

const request = (port: number, over: Partial<DeliveryRequest> = {}): DeliveryRequest => testRequest(HOST, port, over);
const withServer = withScriptedServer;

const verbs = (server: ScriptedServer): string[] => server.sessions.map((s) => s.commands.map((c) => c.split(/[ :]/)[0] ?? "").join(" "));

/** The first delivery, with the session kept; fails the test if none is. */
async function opened(req: DeliveryRequest): Promise<SmtpSession> {
  const { result, session } = await deliverAndKeep(req, true);
  assert.equal(result.problem, null);
  assert.ok(session !== null, "the session is kept");
  return session;
}

const until = async (what: () => boolean): Promise<void> => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};

test("two transactions on one connection over verified STARTTLS: one EHLO pair, two MAILs, the TLS summary on both results", async () => {
  await withServer({ tls: { cert: pki.good.certPem, key: pki.good.keyPem } }, async (server) => {
    const tls = { starttls: "required" as const, verify: { ca: [pki.ca.certPem], names: [] } };
    const { result: first, session } = await deliverAndKeep(request(server.port, { tls }), true);
    assert.equal(first.problem, null);
    assert.ok(session !== null);
    assert.equal(session.reusable, true);
    const { result: second, stale } = await session.transact(request(server.port, { tls, from: "other@example.org", message: Buffer.from("Subject: two\r\n\r\nsecond\r\n") }));
    assert.equal(stale, false);
    assert.equal(second.problem, null);
    assert.equal(second.reused, true);
    assert.equal(second.mailStarted, true);
    assert.deepEqual(second.recipients.map((r) => [r.delivered, r.code]), [[true, 250]]);
    assert.deepEqual(second.tls, first.tls);
    assert.equal(second.tls?.certificate.checked === true && second.tls.certificate.ok, true);
    assert.equal(second.starttlsOffered, true);
    assert.equal(session.transactions, 2);
    await session.close();
    assert.equal(server.sessions.length, 1, "one connection");
    assert.deepEqual(verbs(server), ["EHLO STARTTLS EHLO MAIL RCPT DATA MAIL RCPT DATA QUIT"]);
    assert.match(server.sessions[0]?.commands.filter((c) => c.startsWith("MAIL")).at(1) ?? "", /^MAIL FROM:<other@example\.org> SIZE=\d+$/);
    assert.match(unstuff(server.sessions[0]!.data[1]!), /second/);
    assert.ok(second.transcript?.some((l) => /connection reused \(transaction 2/.test(l)));
    assert.equal(second.transcript?.some((l) => l.startsWith("C: EHLO")), false, "the transcript is this transaction's");
  });
});

test("deliver without keep ends with QUIT; with keep a TLS policy failure keeps nothing", async () => {
  await withServer({ tls: { cert: pki.wrongName.certPem, key: pki.wrongName.keyPem } }, async (server) => {
    const tls = { starttls: "required" as const, verify: { ca: [pki.ca.certPem], names: [] } };
    const { result, session } = await deliverAndKeep(request(server.port, { tls }), true);
    assert.equal(result.problem?.kind, "certificate");
    assert.equal(session, null);
    assert.deepEqual(verbs(server), ["EHLO STARTTLS QUIT"]);
  });
  await withServer({}, async (server) => {
    const { session } = await deliverAndKeep(request(server.port), false);
    assert.equal(session, null);
    assert.deepEqual(verbs(server), ["EHLO MAIL RCPT DATA QUIT"]);
  });
});

test("a transaction refused midway leaves the session usable: RSET before the next MAIL", async () => {
  const reply = (line: string): string | undefined => (line.includes("<gone@") ? "550 5.1.1 no such user" : undefined);
  await withServer({ reply }, async (server) => {
    const session = await opened(request(server.port));
    const refused = await session.transact(request(server.port, { recipients: ["gone@example.net"] }));
    assert.equal(refused.stale, false);
    assert.equal(refused.result.problem?.kind, "rejected");
    assert.equal(refused.result.permanent, true);
    assert.equal(session.reusable, true);
    const next = await session.transact(request(server.port));
    assert.equal(next.result.problem, null);
    await session.close();
    assert.deepEqual(verbs(server), ["EHLO MAIL RCPT DATA MAIL RCPT RSET MAIL RCPT DATA QUIT"]);
  });
});

test("a server gone before it answers MAIL makes the transaction stale (nothing taken); a 421 too", async () => {
  for (const how of ["close", "421"] as const) {
    let mails = 0;
    const hangUp = (line: string): "before" | undefined => (how === "close" && line.startsWith("MAIL") && ++mails === 2 ? "before" : undefined);
    const reply = (line: string): string | undefined => (how === "421" && line.startsWith("MAIL") && ++mails === 2 ? "421 4.4.2 idle too long" : undefined);
    await withServer({ hangUp, reply }, async (server) => {
      const session = await opened(request(server.port));
      const { result, stale } = await session.transact(request(server.port));
      assert.equal(stale, true, how);
      assert.equal(result.recipients[0]?.delivered, false);
      assert.equal(session.reusable, false);
      await session.close();
      assert.equal(server.sessions[0]?.data.length, 1, "only the first message arrived");
    });
  }
});

test("a server that closes an idle session: not reusable; one that fails after MAIL's 250: not stale", async () => {
  await withServer({ hangUp: (line) => (line === "." ? "after" : undefined) }, async (server) => {
    const session = await opened(request(server.port));
    session.park();
    await until(() => !session.reusable);
    await session.close();
  });
  let mails = 0;
  await withServer({ hangUp: (line) => (line.startsWith("RCPT") && ++mails === 2 ? "before" : undefined) }, async (server) => {
    const session = await opened(request(server.port));
    const { result, stale } = await session.transact(request(server.port));
    assert.equal(stale, false, "MAIL was answered 250: an ordinary failure");
    assert.equal(result.problem?.kind, "protocol");
    assert.equal(session.reusable, false);
    await session.close();
  });
});

test("a timeout or a protocol error ends the session", async () => {
  let n = 0;
  await withServer({ reply: (line) => (line.startsWith("MAIL") && ++n === 2 ? null : undefined) }, async (server) => {
    const session = await opened(request(server.port, { timeouts: { commandMs: 300 } }));
    const { result, stale } = await session.transact(request(server.port));
    assert.match(result.problem?.kind === "protocol" ? result.problem.detail : "", /timed out/);
    assert.equal(stale, false);
    assert.equal(session.reusable, false);
    await session.close();
  });
  let m = 0;
  await withServer({ reply: (line) => (line.startsWith("MAIL") && ++m === 2 ? "hello there" : undefined) }, async (server) => {
    const session = await opened(request(server.port));
    const { result } = await session.transact(request(server.port));
    assert.equal(result.problem?.kind, "protocol");
    assert.equal(session.reusable, false);
    await session.close();
  });
});
