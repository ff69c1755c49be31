import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDomain } from "../directory/index.ts";
import { type Store } from "../store/index.ts";
import { activateKeys, listKeys, rotateKeys, signForQueue, signOutgoing } from "./index.ts";
import { fromDomain } from "./outgoing.ts";
import { openTestStore } from "../../test/support/postgres.ts";

let dir: string;
let store: Store;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-dkim-out-"));
  store = await openTestStore(dir);
  for (const d of ["example.org", "lists.example.org", "xn--bcher-kva.example"]) await addDomain(store.db, d);
  // Hosted before Sealpost signed: no keys.
  await store.db.insertInto("domains").values({ name: "nokeys.example.org", mandatory_tls: 0, created_at: 1 }).execute();
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const message = (from: string | string[], body = "hello\r\n"): Buffer =>
  Buffer.from(`${[from].flat().map((f) => `From: ${f}\r\n`).join("")}To: bob@example.com\r\nSubject: s\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\n${body}`);

/** d= and s= of each DKIM-Signature the outcome put on top, in order. */
function signedAs(out: Buffer): Array<[string, string]> {
  const head = out.toString("latin1").split("\r\n\r\n")[0]?.replace(/\r\n\s+/g, " ") ?? "";
  return [...head.matchAll(/^DKIM-Signature: (.*)$/gm)].map((m) => [/\bd=([^;]+)/.exec(m[1] ?? "")?.[1] ?? "", /\bs=([^;]+)/.exec(m[1] ?? "")?.[1] ?? ""]);
}

/** signOutgoing on the message in one part, with the message as it would leave (the signatures on top, or as it was). */
async function sign(input: Buffer, source: string): Promise<{ domain: string | null; problem: string | null; message: Buffer }> {
  const out = await signOutgoing(store.db, [input], source);
  return { domain: out.domain, problem: out.problem, message: out.signature === null ? input : Buffer.concat([out.signature, input]) };
}

const selectors = async (domain: string, state: string): Promise<string[]> => (await listKeys(store.db, domain)).filter((k) => k.state === state).map((k) => k.selector);

test("the From domain signs when hosted with keys, else its closest hosted parent; a domain not hosted goes unsigned", async () => {
  const cases: Array<[string, string | null]> = [
    ["Alice <alice@example.org>", "example.org"],
    ["MAILER-DAEMON@mx.example.org", "example.org"], // a bounce from the host name: the organizational domain (RFC 7489 §3.1.1)
    ["news@lists.example.org", "lists.example.org"], // hosted itself: its own keys, not the parent's
    ["a@deep.sub.lists.example.org", "lists.example.org"],
    ["x@nokeys.example.org", "example.org"], // hosted without keys: the parent that has them
    ["Bert <bert@BÜCHER.example>", "xn--bcher-kva.example"], // an internationalized From (RFC 6532) in A-labels
    ["someone@elsewhere.test", null],
    ["someone@org", null],
  ];
  for (const [from, want] of cases) {
    const input = message(from);
    const out = await sign(input, "submission:alice@example.org");
    assert.equal(out.domain, want, from);
    assert.equal(out.problem, null, from);
    if (want === null) {
      assert.ok(out.message.equals(input), `${from}: the same bytes`);
      continue;
    }
    const active = await selectors(want, "active");
    assert.deepEqual(signedAs(out.message), active.map((s) => [want, s]), from);
    assert.ok(out.message.subarray(out.message.length - input.length).equals(input), "the message follows the signatures unchanged");
  }
});

test("relayed mail is never signed; bounces and everything else queued from a hosted domain are", async () => {
  const input = message("alice@example.org");
  const relayed = await sign(input, "relay");
  assert.equal(relayed.domain, null);
  assert.ok(relayed.message.equals(input));
  for (const source of ["bounce:ABC123", "submission:alice@example.org", "notice"]) {
    assert.equal((await sign(input, source)).domain, "example.org", source);
  }
});

test("broken From fields: unsigned, and the problem named once for the log", async () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from("To: bob@example.com\r\nSubject: no from\r\n\r\nbody\r\n"), /^no From field$/],
    [message(["alice@example.org", "eve@example.org"]), /^2 From fields$/],
    [message("alice@example.org, eve@elsewhere.test"), /^From addresses in several domains$/],
    [message("undisclosed-recipients:;"), /^no address in the From field$/],
  ];
  for (const [input, problem] of cases) {
    const out = await sign(input, "submission:alice@example.org");
    assert.equal(out.domain, null);
    assert.match(out.problem ?? "", problem);
    assert.ok(out.message.equals(input));
  }
  assert.deepEqual(fromDomain(message("a@example.org, b@EXAMPLE.org")), { domain: "example.org" });
});

test("a rotation's pending keys do not sign; once activated they do, and the retired ones no more", async () => {
  await addDomain(store.db, "rotating.example");
  const old = await selectors("rotating.example", "active");
  await rotateKeys(store.db, "rotating.example", "test");
  const pending = await selectors("rotating.example", "pending");
  const signedWith = async (): Promise<string[]> => signedAs((await sign(message("a@rotating.example"), "bounce:X")).message).map(([, s]) => s);
  assert.deepEqual(await signedWith(), old);
  await activateKeys(store.db, "rotating.example", "test");
  assert.deepEqual(await signedWith(), pending);
});

test("a message that cannot be signed (here: a damaged stored key) goes out unsigned, the reason named without the key", async () => {
  await addDomain(store.db, "damaged.example");
  await store.db.updateTable("dkim_keys").set({ private_key: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n" }).where("domain", "=", "damaged.example").execute();
  const input = message("a@damaged.example");
  const out = await sign(input, "submission:a@damaged.example");
  assert.equal(out.domain, null);
  assert.ok(out.message.equals(input));
  assert.match(out.problem ?? "", /^as damaged\.example: /);
  assert.doesNotMatch(out.problem ?? "", /not a key|BEGIN/);
  // The next message is signed as before.
  assert.equal((await sign(message("a@example.org"), "bounce:Y")).domain, "example.org");
});

test("signForQueue: the parts as they go into the queue — the signatures on top as a part of their own, or the same parts with one warning naming the message", async () => {
  const warnings: string[] = [];
  const log = { warn: (msg: string) => warnings.push(msg) } as unknown as Parameters<typeof signForQueue>[1];
  const parts = [Buffer.from("From: alice@example.org\r\nTo: b@example.com\r\n"), Buffer.from("Subject: s\r\n\r\nhello\r\n")];
  const signed = await signForQueue(store.db, log, { id: "Q1", parts, source: "submission:alice@example.org" });
  assert.equal(signed.length, 3);
  assert.deepEqual(signedAs(Buffer.concat(signed)).map(([d]) => d), ["example.org", "example.org"]);
  assert.equal(signed[1], parts[0]);
  assert.equal(signed[2], parts[1]);
  assert.deepEqual(warnings, []);

  const noFrom = [Buffer.from("To: b@example.com\r\n\r\nhello\r\n")];
  assert.deepEqual(await signForQueue(store.db, log, { id: "Q2", parts: noFrom, source: "bounce:Q1" }), noFrom);
  assert.deepEqual(warnings, ["message Q2 queued without a DKIM signature: no From field"]);
  assert.deepEqual(await signForQueue(store.db, log, { id: "Q3", parts, source: "relay" }), parts);
  assert.equal(warnings.length, 1, "relayed mail is not signed, and that is no problem");
});
