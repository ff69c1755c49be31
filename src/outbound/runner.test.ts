import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../config/index.ts";
import { addAccount, addDomain } from "../directory/index.ts";
import { SESSION_ID_PATTERN } from "../log/index.ts";
import { enqueue } from "../queue/index.ts";
import type { DeliveryRequest, DeliveryResult } from "../smtp-client/index.ts";
import { startScriptedServer } from "../../test/support/smtp-scripted-server.ts";
import { listMessages, type Store } from "../store/index.ts";
import { setPolicy } from "./admin.ts";
import { listAttempts } from "./attempts.ts";
import { QueueRunner, type DeliveryObserver } from "./runner.ts";
import { openTestStore } from "../../test/support/postgres.ts";
import { testRunner } from "../../test/support/queue-runner.ts";

interface RunnerSetup {
  /** The delivery attempt; without it the runner's own SMTP client sends to `remotePort`. */
  send?: (req: DeliveryRequest, signal: AbortSignal | undefined) => Promise<DeliveryResult>;
  remotePort?: number;
  /** The store's free-space floor, read on every write. */
  minFree?: () => number;
  observer?: DeliveryObserver;
  held?: () => boolean;
}

interface RunnerContext {
  store: Store;
  runner: QueueRunner;
  warnings: string[];
  errors: string[];
  /** Every log line, parsed. */
  lines: Array<Record<string, unknown>>;
}

/** A runner on a fresh store; stopped and removed after `body`, also when it throws. */
async function withRunner(setup: RunnerSetup, body: (ctx: RunnerContext) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-runner-"));
  const store = await openTestStore(dir, setup.minFree === undefined ? {} : { space: { minFree: setup.minFree, cacheMs: () => 0 } });
  const warnings: string[] = [];
  const errors: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const config = validateConfig({ hostname: "out.test", delivery: { mta_sts: false, ...(setup.remotePort === undefined ? {} : { remote_port: setup.remotePort }) } });
  const send = setup.send;
  const runner = testRunner(store, config, {
    onLog: (r) => {
      lines.push(r);
      if (r.level === "warn") warnings.push(r.msg);
      if (r.level === "error") errors.push(r.msg);
    },
    ...(setup.observer === undefined ? {} : { observer: setup.observer }),
    ...(setup.held === undefined ? {} : { held: setup.held }),
    ...(send === undefined ? {} : { send: (req: DeliveryRequest) => send(req, req.signal) }),
  });
  try {
    await body({ store, runner, warnings, errors, lines });
  } finally {
    await runner.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const OK = (address: string): DeliveryResult["recipients"][number] => ({ address, code: 250, reply: "250 2.0.0 Ok", accepted: true, delivered: true, permanent: false });

/** The remote server's answer to one delivery: each recipient's reply from `each`. */
function answered(req: DeliveryRequest, each: (address: string) => DeliveryResult["recipients"][number] = OK): DeliveryResult {
  return { host: req.host, address: req.address, port: req.port, starttlsOffered: true, tls: null, problem: null, permanent: false, mailStarted: true, recipients: req.recipients.map(each) };
}

async function queueOne(store: Store, blobName?: string): Promise<void> {
  const blob = await store.blobs.write([Buffer.from("Subject: t\r\n\r\nhello\r\n")]);
  await store.committer.submit((trx) => enqueue(trx, { id: "Q1", from: "a@local.test", recipients: ["x@example.net"], blob: blobName ?? blob.name, size: blob.size, source: "test", ownsBlob: true }), [blob.dir]);
}

const rows = (store: Store) => store.db.selectFrom("queue_recipients").selectAll().execute();
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test("a job that throws (its blob is gone) is postponed by one backoff step, not retried in a loop", async () => {
  let sent = 0;
  await withRunner(
    {
      send: async () => {
        sent++;
        throw new Error("not reached");
      },
    },
    async ({ store, runner, errors }) => {
      await queueOne(store, "ffff/0000000000000000");
      runner.start();
      await wait(500);
      const [r] = await rows(store);
      assert.equal(sent, 0);
      assert.equal(r?.status, "pending");
      assert.equal(r?.attempts, 1, `one failed run, not a loop (${errors.length} errors logged)`);
      assert.ok((r?.next_attempt_at ?? 0) > Date.now() + 200_000, "waits min_backoff (300 s)");
      assert.equal(r?.last_reply, "local error; retrying");
    },
  );
});

test("while held (a maintenance window) the runner starts no delivery however often it looks; let go and woken, it delivers", async () => {
  let holding = true;
  let looked = 0;
  let sent = 0;
  const held = (): boolean => {
    looked++;
    return holding;
  };
  await withRunner(
    {
      held,
      send: async (req) => {
        sent++;
        return answered(req);
      },
    },
    async ({ store, runner }) => {
      await queueOne(store);
      runner.start();
      runner.wake();
      // Observed, not timed: the runner has asked (and been refused) on many ticks, with the message due all along.
      while (looked < 10 && sent === 0) await wait(10);
      assert.equal(sent, 0);
      assert.equal((await rows(store))[0]?.attempts, 0, "not even an attempt recorded");
      holding = false;
      runner.wake();
      while ((await rows(store)).length > 0) await wait(10);
      assert.equal(sent, 1);
    },
  );
});

test("stopping mid-job keeps what the remote server took: a 250 is committed, so it is not sent again after a restart", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await withRunner(
    {
      send: async (req, signal) => {
        // The remote said 250; then we are stopped while waiting for its reply to QUIT.
        release();
        await new Promise((r) => (signal?.aborted === true ? r(null) : signal?.addEventListener("abort", () => r(null))));
        return answered(req);
      },
    },
    async ({ store, runner }) => {
      await queueOne(store);
      runner.start();
      await gate;
      await runner.stop();
      assert.deepEqual(await rows(store), [], "delivered, so the message left the queue");
    },
  );
});

test("the runner keeps a delivered session for the next job and closes it with QUIT on stop", async () => {
  const server = await startScriptedServer();
  try {
    await withRunner({ remotePort: server.port }, async ({ store, runner }) => {
      await queueOne(store);
      runner.start();
      while ((await rows(store)).length > 0) await wait(10);
      assert.equal(server.sessions.length, 1);
      assert.notEqual(server.sessions[0]?.commands.at(-1), "QUIT", "kept open for the next job");
      await runner.stop();
      assert.equal(server.sessions[0]?.commands.at(-1), "QUIT");
    });
  } finally {
    await server.close();
  }
});

test("a delivery attempt's row carries its connection's id, and so does the attempt's log line", async () => {
  const server = await startScriptedServer();
  try {
    await withRunner({ remotePort: server.port }, async ({ store, runner, lines }) => {
      await queueOne(store);
      runner.start();
      while ((await rows(store)).length > 0) await wait(10);
      const attempts = await listAttempts(store.db, { queueId: "Q1" });
      assert.equal(attempts.length, 1);
      const session = attempts[0]?.session ?? "";
      assert.match(session, SESSION_ID_PATTERN);
      // The line follows the commit that removed the rows: wait for it.
      const deadline = Date.now() + 10_000;
      while (!lines.some((l) => l["msg"] === "delivery attempt") && Date.now() < deadline) await wait(10);
      const line = lines.find((l) => l["msg"] === "delivery attempt");
      assert.deepEqual(
        [line?.["session"], line?.["proto"], line?.["queue"], line?.["outcome"]],
        [session, "smtp-out", "Q1", "delivered"],
        JSON.stringify(lines),
      );
    });
  } finally {
    await server.close();
  }
});

test("no room for a bounce: the delivered recipient is committed (not sent twice), the failed one waits and is returned later", async () => {
  let floor = 0;
  const sentTo: string[][] = [];
  const send = async (req: DeliveryRequest): Promise<DeliveryResult> => {
    sentTo.push([...req.recipients]);
    return answered(req, (address) => (address.startsWith("ok@") ? OK(address) : { address, code: 550, reply: "550 5.1.1 No such user", accepted: false, delivered: false, permanent: true }));
  };
  await withRunner({ send, minFree: () => floor }, async ({ store, runner, warnings }) => {
    const status = async (): Promise<Record<string, string>> => Object.fromEntries((await rows(store)).map((r) => [r.recipient, r.status]));
    const until = async (what: string, done: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!(await done())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await wait(10);
      }
    };
    const blob = await store.blobs.write([Buffer.from("Subject: t\r\n\r\nhello\r\n")]);
    await store.committer.submit((trx) => enqueue(trx, { id: "Q1", from: "a@local.test", recipients: ["ok@example.net", "gone@example.net"], blob: blob.name, size: blob.size, source: "test", ownsBlob: true }), [blob.dir]);
    floor = Number.MAX_SAFE_INTEGER; // the disk is full from here
    runner.start();
    await until("the delivery's outcome", async () => (await status())["ok@example.net"] === "delivered");
    assert.deepEqual(await status(), { "ok@example.net": "delivered", "gone@example.net": "pending" });
    assert.match(warnings.join("\n"), /Q1: no room for the bounce of 1 recipient\(s\); they stay queued/);
    assert.deepEqual(
      (await store.db.selectFrom("queue").select("id").execute()).map((q) => q.id),
      ["Q1"],
      "no DSN queued",
    );
    // Space again, and the next attempt is due: the failure is returned to the sender.
    floor = 0;
    await store.db.updateTable("queue_recipients").set({ next_attempt_at: 0 }).execute();
    // The bounce is queued for a@local.test; the runner may deliver (here: fail and drop) it before
    // a look at the queue sees it, so its delivery attempt counts too.
    const bounceSeen = async (): Promise<boolean> =>
      sentTo.some((r) => r.includes("a@local.test")) || (await store.db.selectFrom("queue").select("source").execute()).some((q) => q.source === "bounce:Q1");
    await until("the bounce", bounceSeen);
    assert.deepEqual(sentTo.slice(0, 2), [["ok@example.net", "gone@example.net"], ["gone@example.net"]], "the delivered recipient is not sent again");
  });
});

test("a hosted sender's bounce lands in its INBOX in the commit that settles the queue entry, announced after it", async () => {
  const send = async (req: DeliveryRequest): Promise<DeliveryResult> =>
    answered(req, (address) => ({ address, code: 550, reply: "550 5.1.1 No such user", accepted: false, delivered: false, permanent: true }));
  await withRunner({ send }, async ({ store, runner }) => {
    await addDomain(store.db, "local.test");
    const sender = await addAccount(store.db, "a@local.test", "password1");
    const seen: Array<Promise<{ messages: number; queued: number }>> = [];
    store.events.on("changed", (mailboxId) => {
      seen.push(
        (async () => ({
          messages: (await store.db.selectFrom("messages").select("uid").where("mailbox_id", "=", mailboxId).execute()).length,
          queued: (await store.db.selectFrom("queue").select("id").execute()).length,
        }))(),
      );
    });
    await queueOne(store);
    runner.start();
    const deadline = Date.now() + 10_000;
    while (seen.length === 0) {
      if (Date.now() > deadline) assert.fail("timed out waiting for the bounce");
      await wait(10);
    }
    assert.deepEqual(await Promise.all(seen), [{ messages: 1, queued: 0 }], "one announcement, when the DSN and the settled queue are both committed");
    const [dsn] = await listMessages(store.db, sender.id);
    assert.match((await store.blobs.read(dsn?.blob ?? "")).toString(), /x@example\.net/);
  });
});

test("the observer hears each committed attempt (outcome, TLS level, TLS version) and each message a remote server took", async () => {
  const heard: string[] = [];
  const observer: DeliveryObserver = {
    attempted: (outcome, level, version) => void heard.push(`${outcome} ${level} ${version ?? "none"}`),
    sent: () => void heard.push("sent"),
  };
  const send = async (req: DeliveryRequest): Promise<DeliveryResult> =>
    answered(req, (address) => (address.startsWith("ok@") ? OK(address) : { address, code: 450, reply: "450 4.2.1 Try later", accepted: false, delivered: false, permanent: false }));
  await withRunner({ send, observer }, async ({ store, runner }) => {
    const blob = await store.blobs.write([Buffer.from("Subject: t\r\n\r\nhello\r\n")]);
    await store.committer.submit(async (trx) => {
      await enqueue(trx, { id: "Q1", from: "a@local.test", recipients: ["ok@example.net"], blob: blob.name, size: blob.size, source: "test", ownsBlob: false });
      await enqueue(trx, { id: "Q2", from: "a@local.test", recipients: ["later@example.net"], blob: blob.name, size: blob.size, source: "test", ownsBlob: false });
    }, [blob.dir]);
    runner.start();
    const deadline = Date.now() + 10_000;
    while (heard.length < 3 && Date.now() < deadline) await wait(10);
    assert.deepEqual(heard.sort(), ["delivered may none", "deferred may none", "sent"].sort());
  });
});

test("mail queued since signing moved to the hand-off leaves as stored; a message queued before it is DKIM-signed as it leaves, once per job; relayed mail leaves as it came; a broken From goes unsigned with one warning", async () => {
  const sent: Array<{ recipients: string[]; message: string }> = [];
  const send = async (req: DeliveryRequest): Promise<DeliveryResult> => {
    sent.push({ recipients: [...req.recipients], message: req.message.toString("latin1") });
    return answered(req);
  };
  await withRunner({ send }, async ({ store, runner, warnings }) => {
    await addDomain(store.db, "local.test");
    const queue = async (id: string, source: string, from: string): Promise<void> => {
      const blob = await store.blobs.write([Buffer.from(`From: ${from}\r\nTo: x@example.net\r\nSubject: ${id}\r\n\r\nhello\r\n`)]);
      await store.committer.submit((trx) => enqueue(trx, { id, from: "a@local.test", recipients: ["x@example.net", "y@example.net"], blob: blob.name, size: blob.size, source, ownsBlob: true }), [blob.dir]);
    };
    await queue("QN", "submission:a@local.test", "A <a@local.test>");
    await queue("QS", "submission:a@local.test", "A <a@local.test>");
    await queue("QR", "relay", "A <a@local.test>");
    await queue("QB", "submission:a@local.test", "a@local.test\r\nFrom: b@local.test");
    // As migration 0028 leaves the rows that were queued before it.
    await store.db.updateTable("queue").set({ sign_on_delivery: 1 }).where("id", "in", ["QS", "QR", "QB"]).execute();
    runner.start();
    while ((await rows(store)).length > 0) await wait(10);
    const of = (id: string) => sent.filter((s) => s.message.includes(`Subject: ${id}\r\n`));
    assert.doesNotMatch(of("QN")[0]?.message ?? "", /DKIM-Signature/, "sent as stored: signing was the hand-off's");
    assert.deepEqual(of("QS").map((s) => s.recipients), [["x@example.net", "y@example.net"]], "one job for both recipients");
    const signatures = of("QS")[0]?.message.match(/^DKIM-Signature: .*d=local\.test;/gm) ?? [];
    assert.equal(signatures.length, 2, "ed25519 and rsa");
    assert.doesNotMatch(of("QR")[0]?.message ?? "", /DKIM-Signature/);
    assert.doesNotMatch(of("QB")[0]?.message ?? "", /DKIM-Signature/);
    assert.deepEqual(warnings.filter((w) => w.includes("DKIM")), ["message QB queued without a DKIM signature: 2 From fields"]);
  });
});

test("a bounce to a remote sender is DKIM-signed as it is queued, as the host name's hosted domain", async () => {
  // The original is refused; the bounce is deferred, so it stays in the queue to be looked at.
  const send = async (req: DeliveryRequest): Promise<DeliveryResult> =>
    answered(req, (address) =>
      address === "a@remote.test"
        ? { address, code: 450, reply: "450 4.2.1 Try later", accepted: false, delivered: false, permanent: false }
        : { address, code: 550, reply: "550 5.1.1 No such user", accepted: false, delivered: false, permanent: true },
    );
  await withRunner({ send }, async ({ store, runner }) => {
    await addDomain(store.db, "out.test"); // the runner's host name: MAILER-DAEMON@out.test signs as out.test
    const blob = await store.blobs.write([Buffer.from("From: a@remote.test\r\nSubject: t\r\n\r\nhello\r\n")]);
    await store.committer.submit((trx) => enqueue(trx, { id: "Q1", from: "a@remote.test", recipients: ["x@example.net"], blob: blob.name, size: blob.size, source: "relay", ownsBlob: true }), [blob.dir]);
    runner.start();
    const deadline = Date.now() + 10_000;
    let dsn: { blob: string; sign_on_delivery: number } | undefined;
    while ((dsn = await store.db.selectFrom("queue").select(["blob", "sign_on_delivery"]).where("source", "=", "bounce:Q1").executeTakeFirst()) === undefined) {
      if (Date.now() > deadline) assert.fail("timed out waiting for the bounce");
      await wait(10);
    }
    const text = (await store.blobs.read(dsn.blob)).toString("latin1");
    assert.equal(text.match(/^DKIM-Signature: .*d=out\.test;/gm)?.length, 2);
    assert.match(text, /^From: .*MAILER-DAEMON@out\.test/m);
    assert.equal(dsn.sign_on_delivery, 0);
  });
});

test("RFC 8689: a REQUIRETLS message that cannot go is returned at once, and its DSN goes with REQUIRETLS too; TLS-Required: No sets the domain's policy aside", async () => {
  const sent: DeliveryRequest[] = [];
  const send = async (req: DeliveryRequest): Promise<DeliveryResult> => {
    sent.push(req);
    return answered(req);
  };
  await withRunner({ send }, async ({ store, runner }) => {
    const blob = await store.blobs.write([Buffer.from("Subject: t\r\n\r\nhello\r\n")]);
    await setPolicy(store.db, "example.net", "verify");
    await store.committer.submit(async (trx) => {
      // RESOLVER's MX records are not DNSSEC-validated and there is no MTA-STS: no authenticated MX.
      await enqueue(trx, { id: "Q1", from: "a@remote.test", recipients: ["x@example.net"], blob: blob.name, size: blob.size, source: "test", tlsRequired: "requiretls" });
      await enqueue(trx, { id: "Q2", from: "a@local.test", recipients: ["y@example.net"], blob: blob.name, size: blob.size, source: "test", tlsRequired: "no" });
    }, [blob.dir]);
    runner.start();
    const deadline = Date.now() + 10_000;
    let tried: Awaited<ReturnType<typeof listAttempts>> = [];
    while (!tried.some((a) => a.domain === "remote.test") || !tried.some((a) => a.queueId === "Q2")) {
      if (Date.now() > deadline) assert.fail("timed out waiting for the attempts");
      await wait(10);
      tried = await listAttempts(store.db, {});
    }
    const problems = (domain: string) => tried.filter((a) => a.domain === domain).map((a) => [a.outcome, (a.problem as { kind?: string; reason?: string } | null)?.reason]);
    assert.deepEqual(problems("example.net").filter(([, r]) => r !== undefined), [["bounced", "mx-unauthenticated"]]);
    // The DSN to a@remote.test (RFC 8689 §5) is held to REQUIRETLS as well: no connection either.
    assert.deepEqual(problems("remote.test"), [["bounced", "mx-unauthenticated"]]);
    // Q2: opportunistic STARTTLS, no certificate check, although `policy set` says verify.
    assert.deepEqual(sent.map((r) => [r.recipients, r.tls.starttls, r.tls.verify]), [[["y@example.net"], "opportunistic", null]]);
    assert.deepEqual(tried.filter((a) => a.queueId === "Q2").map((a) => [a.policyLevel, a.policySource]), [["may", "tls-required"]]);
  });
});
