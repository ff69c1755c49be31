import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { Resolver } from "../dns/index.ts";
import { SESSION_ID_PATTERN } from "../log/index.ts";
import type { DeliveryRequest } from "../smtp-client/index.ts";
import { testRequest, withScriptedServer, type ScriptedServer } from "../../test/support/smtp-scripted-server.ts";
import { generateCa, generateSelfSigned, type PemPair } from "../tls/index.ts";
import { ConnectionCache, sessionKey } from "./connection-cache.ts";
import { deliverJob, type JobContext } from "./deliver-job.ts";
import type { LevelChoice } from "./policy.ts";

const HOST = "mx.example.net";
let ca: PemPair;
let good: PemPair;
let wrongName: PemPair;

before(async () => {
  ca = await generateCa({ name: "Cache Test CA" });
  good = await generateSelfSigned({ hostnames: [HOST], issuer: ca });
  wrongName = await generateSelfSigned({ hostnames: ["mail.other.test"], issuer: ca });
});

const request = (port: number, over: Partial<DeliveryRequest> = {}): DeliveryRequest =>
  testRequest(HOST, port, { heloName: "out.example.org", tls: { starttls: "opportunistic", verify: null }, from: "a@example.org", recipients: ["x@example.net"], message: Buffer.from("Subject: cache\r\n\r\nhello\r\n"), ...over });
const withServer = withScriptedServer;

const mails = (server: ScriptedServer): number[] => server.sessions.map((s) => s.commands.filter((c) => c.startsWith("MAIL")).length);
const until = async (what: () => boolean): Promise<void> => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};

test("two deliveries share one connection: the server sees one session and two MAILs, the second marked reused", async () => {
  await withServer({}, async (server) => {
    const cache = new ConnectionCache();
    const first = await cache.deliver(request(server.port));
    const second = await cache.deliver(request(server.port, { recipients: ["y@example.net"] }));
    assert.deepEqual([first.problem, second.problem], [null, null]);
    assert.deepEqual([first.reused, second.reused], [undefined, true]);
    // One connection, one id (src/log): both attempt rows and log lines carry it.
    assert.match(first.session ?? "", SESSION_ID_PATTERN);
    assert.equal(second.session, first.session);
    assert.deepEqual(second.recipients.map((r) => [r.address, r.delivered]), [["y@example.net", true]]);
    assert.deepEqual(mails(server), [2]);
    assert.deepEqual(cache.stats, { opened: 1, reused: 1, stale: 0 });
    assert.equal(cache.size, 1);
    await cache.close();
    assert.equal(cache.size, 0);
    assert.equal(server.sessions[0]?.commands.at(-1), "QUIT");
  });
});

test("a server that closed the kept connection: the next delivery reconnects and the message arrives once", async () => {
  // "after": the server closes right after the 250 to the data (an idle close);
  // "mail": it closes when the next MAIL arrives, before answering (the close not yet seen).
  for (const when of ["after", "mail"] as const) {
    let dots = 0;
    let mailCount = 0;
    const hangUp = (line: string): "before" | "after" | undefined => {
      if (when === "after" && line === "." && ++dots === 1) return "after";
      if (when === "mail" && line.startsWith("MAIL") && ++mailCount === 2) return "before";
      return undefined;
    };
    await withServer({ hangUp }, async (server) => {
      const cache = new ConnectionCache();
      assert.equal((await cache.deliver(request(server.port))).problem, null);
      const again = await cache.deliver(request(server.port, { message: Buffer.from("Subject: second\r\n\r\nonce\r\n") }));
      assert.equal(again.problem, null, when);
      assert.equal(again.recipients[0]?.delivered, true);
      assert.equal(again.reused, undefined, "delivered on a new connection");
      assert.match(again.session ?? "", SESSION_ID_PATTERN);
      assert.equal(server.sessions.length, 2);
      const copies = server.sessions.flatMap((s) => s.data).filter((d) => d.toString("latin1").includes("Subject: second"));
      assert.equal(copies.length, 1, `${when}: exactly one copy`);
      await cache.close();
    });
  }
});

test("at most maxTransactions per connection: the next delivery opens a new one", async () => {
  await withServer({}, async (server) => {
    const cache = new ConnectionCache({ maxTransactions: 3 });
    for (let i = 0; i < 5; i++) assert.equal((await cache.deliver(request(server.port))).problem, null);
    assert.deepEqual(mails(server), [3, 2]);
    assert.equal(server.sessions[0]?.commands.at(-1), "QUIT", "the full one was closed with QUIT");
    await cache.close();
  });
});

test("no reuse across TLS requirements, HELO names or hosts", async () => {
  const base = request(25);
  const keys = [
    base,
    { ...base, tls: { starttls: "never" as const, verify: null } },
    { ...base, tls: { starttls: "required" as const, verify: null } },
    { ...base, tls: { starttls: "required" as const, verify: { ca: ["A"], names: [HOST] } } },
    { ...base, tls: { starttls: "required" as const, verify: { ca: ["B"], names: [HOST] } } },
    { ...base, tls: { starttls: "required" as const, verify: { ca: ["A"], names: [HOST], sanOnly: true } } },
    { ...base, tls: { starttls: "required" as const, verify: { ca: ["A"], names: ["*.example.net"] } } },
    { ...base, heloName: "other.example.org" },
    { ...base, host: "mx2.example.net" },
    { ...base, address: "127.0.0.2" },
    { ...base, port: 26 },
  ].map(sessionKey);
  assert.equal(new Set(keys).size, keys.length);
  // The same trust anchors in another array are the same requirement.
  const a = { ...base, tls: { starttls: "required" as const, verify: { ca: ["A"], names: [HOST] } } };
  assert.equal(sessionKey(a), sessionKey({ ...a, tls: { ...a.tls, verify: { ...a.tls.verify, ca: ["A"] } } }));

  await withServer({}, async (server) => {
    const cache = new ConnectionCache();
    await cache.deliver(request(server.port));
    await cache.deliver(request(server.port, { tls: { starttls: "never", verify: null } }));
    await cache.deliver(request(server.port, { heloName: "other.example.org" }));
    assert.deepEqual(mails(server), [1, 1, 1]);
    await cache.close();
  });
});

test("idle sessions end with QUIT when their time is up, all of them on close, and none is kept after", async () => {
  await withServer({}, async (server) => {
    const cache = new ConnectionCache({ idleMs: 30 });
    await cache.deliver(request(server.port));
    assert.equal(cache.size, 1, "kept");
    await until(() => server.sessions[0]?.commands.at(-1) === "QUIT");
    assert.equal(cache.size, 0);
    await cache.close();
    await cache.deliver(request(server.port));
    assert.equal(cache.size, 0, "closed: nothing kept");
    assert.equal(server.sessions[1]?.commands.at(-1), "QUIT");
  });
});

test("bounded: concurrent deliveries keep at most perKey per key and total in all, the oldest evicted", async () => {
  await withServer({}, async (server) => {
    const cache = new ConnectionCache({ perKey: 2, total: 3 });
    await Promise.all([1, 2, 3].map(() => cache.deliver(request(server.port))));
    assert.equal(server.sessions.length, 3);
    assert.equal(cache.size, 2);
    await cache.deliver(request(server.port, { heloName: "b.example.org" }));
    await cache.deliver(request(server.port, { heloName: "c.example.org" }));
    assert.equal(cache.size, 3);
    const quits = (): number => server.sessions.filter((s) => s.commands.at(-1) === "QUIT").length;
    await until(() => quits() === 2); // the third of the first key at once, then the oldest for "c"
    await cache.close();
    assert.equal(quits(), 5);
  });
});

const RESOLVER: Resolver = { mx: async () => [{ exchange: HOST, priority: 10 }], addresses: async () => ["127.0.0.1"], txt: async () => [] };
const choice = (level: LevelChoice["level"]): LevelChoice => ({ level, source: "config", mxPatterns: null, stsMode: null });
const job = (n: number) => ({ queueId: `Q${n}`, domain: "example.net", from: "a@example.org", recipients: [`r${n}@example.net`], message: Buffer.from(`Subject: job ${n}\r\n\r\nhi\r\n`) });

function jobContext(port: number, level: LevelChoice["level"], connections: ConnectionCache, trust: readonly string[]): JobContext {
  return { resolver: RESOLVER, heloName: "out.example.org", remotePort: port, ca: trust, connectTimeoutMs: 5000, choice: choice(level), relay: null, connections };
}

test("delivery jobs through the cache: two jobs, one verified TLS connection; the reused attempt still records TLS and the certificate verdict", async () => {
  await withServer({ tls: { cert: good.certPem, key: good.keyPem } }, async (server) => {
    const cache = new ConnectionCache();
    const trust = [ca.certPem];
    const one = await deliverJob(job(1), jobContext(server.port, "verify", cache, trust));
    const two = await deliverJob(job(2), jobContext(server.port, "verify", cache, trust));
    assert.deepEqual([...one.outcomes.values(), ...two.outcomes.values()].map((o) => o.kind), ["delivered", "delivered"]);
    assert.equal(server.sessions.length, 1);
    assert.deepEqual(mails(server), [2]);
    const [a, b] = [one.attempts[0], two.attempts[0]];
    assert.deepEqual([a?.reused, b?.reused], [false, true]);
    assert.deepEqual([b?.tlsVersion, b?.tlsCipher, b?.certVerdict], [a?.tlsVersion, a?.tlsCipher, "ok"]);
    assert.match(b?.tlsVersion ?? "", /^TLSv1\.[23]$/);
    await cache.close();
  });
});

test("verify-once through the cache: a certificate failure is one connection, returns the message, and keeps nothing", async () => {
  await withServer({ tls: { cert: wrongName.certPem, key: wrongName.keyPem } }, async (server) => {
    const cache = new ConnectionCache();
    const r = await deliverJob(job(1), jobContext(server.port, "verify-once", cache, [ca.certPem]));
    const o = r.outcomes.get("r1@example.net");
    assert.deepEqual(o?.kind === "failed" ? o.problem.kind : o?.kind, "certificate");
    assert.equal(server.sessions.length, 1);
    assert.equal(cache.size, 0);
    assert.deepEqual(r.attempts.map((a) => [a.outcome, a.reused]), [["bounced", false]]);
    await cache.close();
  });
});
