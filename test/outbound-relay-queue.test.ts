/**
 * Gateway mode and the queue's durability (issue 4, "Done when" 5 and 6): a relay domain's mail
 * is accepted by the MX and forwarded to its next hop (Debian's Postfix) under that hop's TLS
 * level; `queue pause` holds mail through a maintenance window and `resume` sends it; a SIGKILL in
 * the middle of 1,000 deliveries loses none of them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually, python } from "./harness.ts";
import { attempts, queueIds, startSender, tag, type Sender } from "./outbound-helpers.ts";
import { freePort, startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

let peers: PostfixPeers;
let dns: DnsServer;
let gw: Sender;

before(async () => {
  peers = await startPostfixPeers(["modern"]);
  dns = await startDnsServer({});
  gw = await startSender({ dns: dns.address, hostname: "gw.sealpost.test" });
  const add = gw.h.cli(["relay", "add", "customer.test", "--next-hop", `127.0.0.1:${peers.ports.modern}`, "--level", "encrypt"]);
  assert.equal(add.status, 0, add.stderr);
  const limited = gw.h.cli(["relay", "add", "limited.test", "--next-hop", `127.0.0.1:${await freePort()}`, "--local-parts", "info,sales"]);
  assert.equal(limited.status, 0, limited.stderr);
});

after(async () => {
  await gw?.h.cleanup();
  await dns?.close();
  peers?.stop();
});

/** Sends messages to the gateway's MX in one plaintext SMTP session (Python's smtplib); subjects `${prefix}-${i}`. */
function sendToMx(port: number, to: string, prefix: string, count: number): void {
  python(`
import smtplib
s = smtplib.SMTP("127.0.0.1", ${port}, local_hostname="client.example")
for i in range(${count}):
    s.sendmail("someone@example.org", ["${to}"], "From: someone@example.org\\r\\nTo: ${to}\\r\\nSubject: ${prefix}-%d\\r\\n\\r\\nmessage %d\\r\\n" % (i, i))
s.quit()
`);
}

const arrivedSubjects = (prefix: string): Set<string> =>
  new Set(peers.messages("modern").flatMap((m) => [...m.matchAll(new RegExp(`^Subject: (${prefix}-\\d+)\\r?$`, "gm"))].map((x) => x[1] ?? "")));

test("relay domain: the MX accepts any local part and forwards to the next hop with that hop's level", async () => {
  const prefix = tag("relay");
  sendToMx(gw.h.ports.mx, "anyone@customer.test", prefix, 1);
  await eventually(() => (arrivedSubjects(prefix).size === 1 ? true : undefined), 20_000, "the relayed message at the next hop");
  const a = (await attempts(gw)).find((x) => x.domain === "customer.test");
  assert.ok(a !== undefined);
  assert.deepEqual([a.outcome, a.policyLevel, a.policySource, a.mxHost], ["delivered", "encrypt", "relay", "127.0.0.1"]);
  assert.match(a.tlsVersion ?? "", /^TLSv1\.[23]$/);
  assert.equal(a.certVerdict, "not checked");
});

test("relay domain with listed local parts: others get 550 5.1.1; an unrelated domain is still refused as relaying", () => {
  const out = python(`
import smtplib
s = smtplib.SMTP("127.0.0.1", ${gw.h.ports.mx})
s.ehlo("client.example")
s.mail("someone@example.org")
print(s.rcpt("sales@limited.test")[0], s.rcpt("nobody@limited.test")[0], s.rcpt("x@unrelated.example")[0])
s.quit()
`);
  assert.equal(out.trim(), "250 550 554");
});

test("a message that has passed 50 relays is refused as a loop (554 5.4.6), so two gateways cannot bounce it forever", () => {
  const out = python(`
import smtplib
hops = "".join("Received: from hop%d.example by hop%d.example; Mon, 23 Nov 2026 10:00:00 +0000\\r\\n" % (i, i + 1) for i in range(50))
s = smtplib.SMTP("127.0.0.1", ${gw.h.ports.mx}, local_hostname="client.example")
try:
    s.sendmail("someone@example.org", ["loop@customer.test"], hops + "Subject: loop\\r\\n\\r\\nbody\\r\\n")
    print("accepted")
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`);
  assert.match(out.trim(), /^554 5\.4\.6 Error: too many hops/);
});

test("queue pause holds mail (accepted, queued, not sent); resume delivers it", async () => {
  assert.equal(gw.h.cli(["queue", "pause"]).status, 0);
  try {
    const prefix = tag("paused");
    sendToMx(gw.h.ports.mx, "held@customer.test", prefix, 3);
    const list = JSON.parse(gw.h.cli(["queue", "list", "--json"]).stdout) as Array<{ id: string; status: string }>;
    assert.equal(list.length, 3);
    assert.ok(list.every((q) => q.status === "held"));
    // The runner looks for due mail every second: give it several chances to (wrongly) send.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(arrivedSubjects(prefix).size, 0, "nothing left during the pause");
    assert.equal((await queueIds(gw)).length, 3);
    assert.equal(gw.h.cli(["queue", "resume"]).status, 0);
    await eventually(() => (arrivedSubjects(prefix).size === 3 ? true : undefined), 20_000, "all three after resume");
  } finally {
    gw.h.cli(["queue", "resume"]);
  }
  await eventually(async () => ((await queueIds(gw)).length === 0 ? true : undefined), 10_000, "an empty queue");
});

test("queue retry, delete: a message for an unreachable next hop waits, can be retried and deleted", async () => {
  const prefix = tag("stuck");
  sendToMx(gw.h.ports.mx, "info@limited.test", prefix, 1);
  const id = await eventually(async () => (await queueIds(gw))[0], 5000, "the queued message");
  const first = await eventually(async () => (await attempts(gw, id))[0], 10_000, "a first attempt");
  assert.equal(first.problem?.kind, "connect");
  assert.equal(gw.h.cli(["queue", "retry", id]).status, 0);
  await eventually(async () => ((await attempts(gw, id)).length >= 2 ? true : undefined), 10_000, "a second attempt after retry");
  const del = gw.h.cli(["queue", "delete", id]);
  assert.equal(del.status, 0, del.stderr);
  assert.equal((await queueIds(gw)).includes(id), false);
  const again = gw.h.cli(["queue", "delete", id]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /^sealpost: queue delete: no queued message /);
});

test("queue bounce: a remote sender gets a DSN from the null sender; a message from the null sender is dropped without one", async () => {
  const one = (from: string, subject: string): void => {
    python(`
import smtplib
s = smtplib.SMTP("127.0.0.1", ${gw.h.ports.mx}, local_hostname="client.example")
s.sendmail("${from}", ["sales@limited.test"], "From: x@example.org\\r\\nSubject: ${subject}\\r\\n\\r\\nbody\\r\\n")
s.quit()
`);
  };
  const list = (): Array<{ id: string; from: string; recipients: string[]; source: string }> => JSON.parse(gw.h.cli(["queue", "list", "--json"]).stdout) as never;
  one("", tag("null-sender"));
  const nullId = await eventually(() => list().find((q) => q.from === "")?.id, 5000, "the null-sender message");
  assert.equal(gw.h.cli(["queue", "bounce", nullId]).status, 0);
  await eventually(() => (list().length === 0 ? true : undefined), 10_000, "the null-sender message gone, no DSN queued");

  one("someone@example.org", tag("remote-sender"));
  const id = await eventually(() => list()[0]?.id, 5000, "the queued message");
  assert.equal(gw.h.cli(["queue", "bounce", id]).status, 0);
  const dsn = await eventually(() => list().find((q) => q.source === `bounce:${id}`), 10_000, "the DSN in the queue");
  assert.deepEqual([dsn.from, dsn.recipients], ["", ["someone@example.org"]]);
  // example.org does not exist in this test's DNS: the DSN fails too, and being from the null
  // sender it is dropped — a bounce never bounces.
  await eventually(() => (list().length === 0 ? true : undefined), 10_000, "an empty queue");
});

test("SIGKILL in the middle of 1,000 deliveries: after a restart all 1,000 arrive, none lost", async () => {
  const prefix = tag("kill");
  assert.equal(gw.h.cli(["queue", "pause"]).status, 0);
  sendToMx(gw.h.ports.mx, "bulk@customer.test", prefix, 1000);
  assert.equal((await queueIds(gw)).length, 1000, "all accepted and queued");
  assert.equal(gw.h.cli(["queue", "resume"]).status, 0);
  await eventually(() => (arrivedSubjects(prefix).size >= 50 ? true : undefined), 30_000, "deliveries under way");
  await gw.h.stop("SIGKILL");
  const before = arrivedSubjects(prefix).size;
  assert.ok(before < 1000, `the kill came mid-run (${before} delivered)`);
  await gw.h.restart();
  await eventually(() => (arrivedSubjects(prefix).size === 1000 ? true : undefined), 90_000, "all 1,000 at the next hop");
  await eventually(async () => ((await queueIds(gw)).length === 0 ? true : undefined), 20_000, "an empty queue");
});
