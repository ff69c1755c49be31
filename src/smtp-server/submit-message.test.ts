import { test } from "node:test";
import assert from "node:assert/strict";
import { AuditLog } from "../audit/index.ts";
import { Authenticator } from "../auth/index.ts";
import { addAccount, addDomain } from "../directory/index.ts";
import { createLogger } from "../log/index.ts";
import { listQueue } from "../queue/index.ts";
import { listMessages, type Store } from "../store/index.ts";
import { withTestAccount } from "../../test/support/store.ts";
import { smtpAuditSink } from "./audit-sink.ts";
import { SubmissionRole } from "./submission.ts";
import { submitMessage, withoutBcc, type MessageSubmission } from "./submit-message.ts";

const TLS = { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", cipherOpenSsl: "TLS_AES_128_GCM_SHA256", hello: { offeredVersions: [] }, sni: undefined };
const MESSAGE = Buffer.from("From: a@example.test\r\nTo: b@example.test\r\nBcc: hidden@example.test,\r\n  other@remote.test\r\nSubject: hi\r\n\r\nBcc: in the body stays\r\n");

interface Bench {
  store: Store;
  submit: (m: Partial<MessageSubmission>, limits?: { maxMessageSize?: number; maxRecipients?: number }) => ReturnType<typeof submitMessage>;
  woken: () => number;
  accepted: string[];
  account: number;
}

async function bench(fn: (b: Bench) => Promise<void>): Promise<void> {
  await withTestAccount(async (store, ids) => {
    const audit = new AuditLog(store.committer);
    const auth = new Authenticator(store.db, audit, () => ({ failureDelayMs: 0, maxFailuresPerIp: 10, maxFailuresPerNetwork: 30, maxFailuresPerUser: 5, windowMs: 300_000 }));
    let woken = 0;
    const accepted: string[] = [];
    const role = new SubmissionRole(store, audit, auth, createLogger({ write: () => undefined }), () => woken++, (p) => accepted.push(p));
    await addAccount(store.db, "b@example.test", "password2");
    await addAccount(store.db, "hidden@example.test", "password3");
    const submit: Bench["submit"] = (m, limits = {}) =>
      submitMessage(
        role,
        { hostname: "mx.sealpost.test", limits: { maxMessageSize: limits.maxMessageSize ?? 100_000, maxRecipients: limits.maxRecipients ?? 10 }, audit: smtpAuditSink(audit) },
        {
          account: { accountId: ids.account, address: "a@example.test" },
          client: { ip: "198.51.100.9", tls: TLS, connectionId: "web-conn-1", port: 443 },
          from: "a@example.test",
          recipients: ["b@example.test"],
          message: MESSAGE,
          ...m,
        },
      );
    await fn({ store, submit, woken: () => woken, accepted, account: ids.account });
  });
}

async function inbox(store: Store, address: string): Promise<string[]> {
  const account = await store.db.selectFrom("accounts").select("id").where("address", "=", address).executeTakeFirstOrThrow();
  const rows = await listMessages(store.db, account.id);
  return Promise.all(rows.map(async (r) => (await store.blobs.read(r.blob)).toString("utf8")));
}

test("withoutBcc removes every Bcc field with its folded lines, and nothing in the body", () => {
  const out = withoutBcc(MESSAGE).toString();
  assert.equal(out, "From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nBcc: in the body stays\r\n");
  const none = Buffer.from("From: a@x\r\n\r\nbody");
  assert.equal(withoutBcc(none), none, "untouched without a Bcc");
});

test("a local and a remote recipient: delivered and queued under one id, named in the Received header, without Bcc", async () => {
  await bench(async ({ store, submit, woken, accepted }) => {
    const r = await submit({ recipients: ["b@example.test", "hidden@example.test", "someone@remote.test"] });
    assert.ok(r.sent);
    const [got] = await inbox(store, "b@example.test");
    assert.ok(got !== undefined);
    // Signed as it was queued: the DKIM-Signature fields on top, above our Received (RFC 6376 §5.6: prepended, as trace fields are).
    assert.match(got, new RegExp(`^(?:DKIM-Signature:.*\\r\\n(?:\\t.*\\r\\n)*){2}Received: from \\[198\\.51\\.100\\.9\\] \\(\\[198\\.51\\.100\\.9\\]\\)\\r\\n\\tby mx\\.sealpost\\.test \\(Sealpost webmail, authenticated over HTTPS\\) id ${r.id}\\r\\n\\t\\(using TLSv1\\.3 with cipher TLS_AES_128_GCM_SHA256\\); `));
    assert.doesNotMatch(got, /with (E?SMTP|HTTP)/, "no unregistered or untrue with-protocol (RFC 5321 §4.4)");
    assert.doesNotMatch(got.split("\r\n\r\n")[0] ?? "", /^Bcc:/im, "the Bcc field is gone");
    assert.match(got, /\r\n\r\nBcc: in the body stays/);
    assert.equal((await inbox(store, "hidden@example.test")).length, 1, "the Bcc recipient got it");
    const queued = await listQueue(store.db, { id: r.id });
    assert.deepEqual(queued.map((q) => [q.id, q.recipients]), [[r.id, ["someone@remote.test"]]]);
    // Signed once as it was queued (dkim/outgoing.ts): the queued blob is the message as it leaves,
    // and the hosted recipients' copy is that blob.
    const blob = (await store.blobs.read(queued[0]?.blob ?? "")).toString("utf8");
    assert.deepEqual([...blob.matchAll(/^DKIM-Signature:[^]*?\bd=([^;]+);/gm)].map((m) => m[1]), ["example.test", "example.test"]);
    assert.equal(blob, got);
    assert.equal(queued[0]?.size, Buffer.byteLength(blob), "the queued size counts the signatures");
    assert.equal(woken(), 1, "the runner was woken");
    assert.deepEqual(accepted, ["submission"]);
    await store.committer.flush();
    const rows = await store.db.selectFrom("smtp_recipients").select(["session_id", "rcpt", "code", "text", "delivered", "tls_version"]).orderBy("id").execute();
    assert.deepEqual(
      rows.map((x) => [x.session_id, x.rcpt, x.code, x.text, x.delivered, x.tls_version]),
      [
        ["web-conn-1", "b@example.test", 250, `delivered as ${r.id}`, 1, "TLSv1.3"],
        ["web-conn-1", "hidden@example.test", 250, `delivered as ${r.id}`, 1, "TLSv1.3"],
        ["web-conn-1", "someone@remote.test", 250, `queued as ${r.id}`, 0, "TLSv1.3"],
      ],
    );
  });
});

test("an unknown local recipient is refused like RCPT's 550 5.1.1, and nobody gets the message", async () => {
  await bench(async ({ store, submit, woken }) => {
    const r = await submit({ recipients: ["b@example.test", "nobody@example.test", "bad address@", "x@remote.test"] });
    assert.equal(r.sent, false);
    assert.ok(!r.sent);
    assert.deepEqual(
      r.refusals.map((f) => [f.address, f.code, f.status]),
      [
        ["nobody@example.test", 550, "5.1.1"],
        ["bad address@", 501, "5.1.3"],
      ],
    );
    assert.match(r.refusals[0]?.text ?? "", /User unknown/);
    assert.deepEqual(await inbox(store, "b@example.test"), []);
    assert.deepEqual(await listQueue(store.db), []);
    assert.equal(woken(), 0);
    await store.committer.flush();
    const rows = await store.db.selectFrom("smtp_recipients").select(["rcpt", "code"]).orderBy("id").execute();
    assert.deepEqual(rows.map((x) => [x.rcpt, x.code]), [["nobody@example.test", 550], ["bad address@", 501]], "refusals are recorded as RCPT's are");
  });
});

test("the sender must be the account's own address (553 5.7.1), whatever the message says", async () => {
  await bench(async ({ store, submit }) => {
    const r = await submit({ from: "b@example.test" });
    assert.ok(!r.sent);
    assert.deepEqual(r.refusals.map((f) => [f.address, f.code, f.status]), [[null, 553, "5.7.1"]]);
    assert.deepEqual(await inbox(store, "b@example.test"), []);
  });
});

test("the message's From must be the account's own too (550 5.7.1): another hosted domain's address is refused, recorded, and nothing is stored or queued", async () => {
  await bench(async ({ store, submit, woken }) => {
    await addDomain(store.db, "other.test");
    await addAccount(store.db, "boss@other.test", "password4");
    const forged = Buffer.from("From: The Boss <boss@other.test>\r\nTo: b@example.test\r\nSubject: wire the money\r\n\r\nnow\r\n");
    const r = await submit({ recipients: ["b@example.test", "someone@remote.test"], message: forged });
    assert.ok(!r.sent);
    assert.deepEqual(r.refusals, [{ address: null, code: 550, status: "5.7.1", text: "<boss@other.test>: From address rejected: not owned by user a@example.test" }]);
    assert.deepEqual(await inbox(store, "b@example.test"), []);
    assert.deepEqual(await listQueue(store.db), []);
    assert.equal(woken(), 0);
    await store.committer.flush();
    const rows = await store.db.selectFrom("smtp_recipients").select(["rcpt", "code", "enhanced", "text", "delivered"]).orderBy("id").execute();
    const text = "<boss@other.test>: From address rejected: not owned by user a@example.test";
    assert.deepEqual(
      rows.map((x) => [x.rcpt, x.code, x.enhanced, x.text, x.delivered]),
      [
        ["b@example.test", 550, "5.7.1", text, 0],
        ["someone@remote.test", 550, "5.7.1", text, 0],
      ],
      "each recipient is recorded with the refusal, as at the end of DATA",
    );
    // The account's own address, under a display name and with the domain in capitals, passes;
    // mail for hosted recipients only is not queued, so not signed.
    const own = await submit({ message: Buffer.from("From: \"A. Person\" <a@EXAMPLE.test>\r\nSubject: mine\r\n\r\nbody\r\n") });
    assert.ok(own.sent);
    const [mine] = await inbox(store, "b@example.test");
    assert.match(mine ?? "", /^Received: /);
    assert.doesNotMatch(mine ?? "", /^DKIM-Signature:/m);
  });
});

test("the [smtp] limits: message size (552 5.3.4) and recipients (452 4.5.3)", async () => {
  await bench(async ({ submit }) => {
    const big = await submit({}, { maxMessageSize: withoutBcc(MESSAGE).length - 1 });
    assert.ok(!big.sent);
    assert.deepEqual(big.refusals.map((f) => [f.code, f.status]), [[552, "5.3.4"]]);
    const many = await submit({ recipients: ["b@example.test", "hidden@example.test", "x@remote.test"] }, { maxRecipients: 2 });
    assert.ok(!many.sent);
    assert.deepEqual(many.refusals.map((f) => [f.address, f.code, f.status]), [["x@remote.test", 452, "4.5.3"]]);
    const none = await submit({ recipients: [] });
    assert.ok(!none.sent);
    assert.equal(none.refusals[0]?.code, 503);
  });
});

test("a message that has passed too many hops is refused (RFC 5321 §6.3)", async () => {
  await bench(async ({ submit }) => {
    const looped = Buffer.concat([Buffer.from("Received: from x by y; Mon, 1 Jan 2026 00:00:00 +0000\r\n".repeat(50)), MESSAGE]);
    const r = await submit({ message: looped });
    assert.ok(!r.sent);
    assert.deepEqual(r.refusals.map((f) => [f.code, f.status]), [[554, "5.4.6"]]);
  });
});

test("RFC 8689 §4.1: a webmail message with 'TLS-Required: No' is queued with that tag; one without is queued untagged", async () => {
  await bench(async ({ store, submit }) => {
    const no = await submit({ recipients: ["someone@remote.test"], message: Buffer.from("From: a@example.test\r\nTLS-Required: No\r\nSubject: report\r\n\r\nbody\r\n") });
    const plain = await submit({ recipients: ["someone@remote.test"] });
    assert.ok(no.sent && plain.sent);
    assert.deepEqual((await listQueue(store.db)).map((q) => [q.id, q.tlsRequired]).sort(), [[no.id, "no"], [plain.id, null]].sort());
  });
});
