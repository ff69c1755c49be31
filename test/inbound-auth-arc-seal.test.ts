/**
 * ARC sealing of relayed mail (issue 15, RFC 8617 §5.1): the MX (sender checks on) takes a message
 * from Python's smtplib for a relay domain whose next hop is Debian's Postfix; what Postfix stores
 * carries an ARC set sealed with the RSA key of the host name's hosted parent domain, and mailauth's
 * `authenticate()`, asking the same test DNS server, finds the chain valid (arc=pass, i=1, the
 * ARC-Authentication-Results this host's). Without such a domain relayed mail goes unsealed, with
 * one log line; mail to a hosted mailbox only is not sealed; a chain that fails here gets a set with
 * cv=fail whose seal signs only itself (§5.1.2), and one whose newest seal already says cv=fail gets
 * none (§5.1 step 2).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { authenticate, sealMessage, type AuthenticateOptions } from "mailauth";
import type { Zone } from "./dns-server.ts";
import { eventually } from "./harness.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";
import { ALICE, dkimKey, headerIn, message, ours, sendAll, startAuthServer, tag, type AuthServer, type DkimKey } from "./support/inbound-auth.ts";

/** The host name is mx.sealpost.test: its hosted parent, once added, seals. */
const SEALER = "sealpost.test";
const RELAYED = "someone@gw.test";

let peers: PostfixPeers;
let s: AuthServer;
let forwarder: DkimKey;
let zone: Zone;
/** The sealer's RSA record: its selector and the TXT value. */
let sealerKey: { selector: string; value: string };

before(async () => {
  peers = await startPostfixPeers(["modern"]);
  forwarder = dkimKey("rsa");
  zone = {
    "sender.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
    "_dmarc.sender.test": { TXT: ["v=DMARC1; p=none"] },
    "arc._domainkey.forwarder.test": { TXT: [forwarder.record] },
  };
  s = await startAuthServer(zone, { queue: "min_backoff = 1\nmax_backoff = 2" });
  const relay = await s.h.cliAsync(["relay", "add", "gw.test", "--next-hop", `[127.0.0.1]:${peers.ports.modern}`, "--level", "may"]);
  assert.equal(relay.status, 0, relay.stderr);
});

after(async () => {
  await s?.cleanup();
  peers?.stop();
});

/** The message with `subject` as Postfix (the relay domain's next hop) stored it, CRLF line ends. */
const relayedCopy = (subject: string): Promise<string> =>
  eventually(() => peers.messages("modern").find((m) => m.includes(`Subject: ${subject}`))?.replace(/\r?\n/g, "\r\n"), 30_000, `${subject} at the next hop`);

/** The header fields named `name` (any case) of a message, as written (folded). */
const fields = (msg: string, name: string): string[] =>
  msg
    .slice(0, msg.indexOf("\r\n\r\n") + 2)
    .split(/\r\n(?![ \t])/)
    .filter((f) => f.toLowerCase().startsWith(`${name.toLowerCase()}:`));

/** One tag's value of a DKIM-style tag list (RFC 6376 §3.2), whitespace removed. */
const tagOf = (field: string, name: string): string | undefined =>
  new RegExp(`(?:^[^:]+:|;)\\s*${name}\\s*=([^;]*)`).exec(field)?.[1]?.replace(/\s+/g, "");

/** The test DNS server as mailauth's resolver. */
function resolver(): AuthenticateOptions["resolver"] {
  const r = new Resolver();
  r.setServers([s.dns.address]);
  return ((name: string, rrtype: string) => r.resolve(name, rrtype)) as AuthenticateOptions["resolver"];
}

/** `msg` with an ARC set by forwarder.test (a mailing list, say): i=1 cv=none, or the next instance with `cv`. */
async function sealedBy(msg: string, cv = "none"): Promise<string> {
  const set = await sealMessage(Buffer.from(msg, "latin1"), {
    signingDomain: "forwarder.test",
    selector: "arc",
    privateKey: forwarder.privateKey,
    authResults: "forwarder.test; spf=pass smtp.mailfrom=sender.test",
    cv,
  });
  return set.toString("latin1") + msg;
}

/** RFC 6376 §3.4.2 relaxed canonicalization of a header field. */
function relaxed(field: string): string {
  const colon = field.indexOf(":");
  return `${field.slice(0, colon).trim().toLowerCase()}:${field.slice(colon + 1).replace(/\r\n(?=[ \t])/g, "").replace(/[ \t]+/g, " ").trim()}`;
}

/**
 * Whether the ARC-Seal of instance `i` verifies over its own set alone (RFC 8617 §5.1.2, the seal
 * of a failed chain), with the sealer's published key.
 */
function sealVerifiesAlone(msg: string, i: number): boolean {
  const of = (name: string): string => {
    const found = fields(msg, name).filter((f) => tagOf(f, "i") === String(i));
    assert.equal(found.length, 1, `one ${name} i=${i}`);
    return found[0] ?? "";
  };
  const seal = of("ARC-Seal");
  const signed = [relaxed(of("ARC-Authentication-Results")), relaxed(of("ARC-Message-Signature")), relaxed(seal).replace(/(^[^:]+:|;)(\s*b=)[^;]*/, "$1$2")].join("\r\n");
  const p = tagOf(sealerKey.value, "p") ?? "";
  const key = createPublicKey({ key: Buffer.from(p, "base64"), format: "der", type: "spki" });
  return verify("sha256", Buffer.from(signed), key, Buffer.from(tagOf(seal, "b") ?? "", "base64"));
}

test("without a hosted parent domain of the host name relayed mail goes on unsealed, with one log line", { timeout: 90_000 }, async () => {
  const subject = tag("no-key");
  const [reply] = await sendAll(s.h, [{ from: "news@sender.test", to: [RELAYED], msg: message("news@sender.test", subject) }]);
  assert.equal(reply?.code, 250, reply?.text);
  const copy = await relayedCopy(subject);
  assert.match(ours(copy), /; spf=pass /);
  assert.deepEqual(fields(copy, "ARC-Seal"), []);
  const lines = s.h.log().split("\n").filter((l) => l.includes("not ARC-sealed: no hosted parent domain"));
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? "", /mx\.sealpost\.test/);
});

test("relayed mail is sealed with the host name's parent domain's RSA key: mailauth finds arc=pass, i=1, our results; a hosted mailbox's copy is not sealed", { timeout: 90_000 }, async () => {
  const added = await s.h.cliAsync(["domain", "add", SEALER]);
  assert.equal(added.status, 0, added.stderr);
  const dkim = await s.h.cliAsync(["domain", "dkim", SEALER, "--json"]);
  assert.equal(dkim.status, 0, dkim.stderr);
  const { keys, records } = JSON.parse(dkim.stdout) as { keys: Array<{ selector: string; algorithm: string; state: string }>; records: Array<{ name: string; value: string }> };
  const rsa = keys.find((k) => k.algorithm === "rsa" && k.state === "active");
  assert.ok(rsa !== undefined, dkim.stdout);
  const published = Object.fromEntries(records.map((r) => [r.name.replace(/\.$/, ""), { TXT: [r.value.match(/.{1,255}/g) ?? []] }]));
  s.dns.setZone({ ...zone, ...published });
  sealerKey = { selector: rsa.selector, value: records.find((r) => r.name.startsWith(`${rsa.selector}._domainkey.`))?.value ?? "" };

  const [relayed, hosted] = [tag("sealed"), tag("hosted-only")];
  const replies = await sendAll(s.h, [
    { from: "news@sender.test", to: [RELAYED], msg: message("news@sender.test", relayed) },
    { from: "news@sender.test", to: [ALICE], msg: message("news@sender.test", hosted) },
  ]);
  assert.deepEqual(replies.map((r) => r.code), [250, 250]);

  const copy = await relayedCopy(relayed);
  const [seal] = fields(copy, "ARC-Seal");
  assert.deepEqual([tagOf(seal ?? "", "i"), tagOf(seal ?? "", "a"), tagOf(seal ?? "", "cv"), tagOf(seal ?? "", "d"), tagOf(seal ?? "", "s")], ["1", "rsa-sha256", "none", SEALER, rsa.selector]);
  // The set sits above this host's Authentication-Results, which sits above its Received field.
  const order = copy.slice(copy.indexOf("ARC-Seal:")).split(/\r\n(?![ \t])/).map((f) => f.slice(0, f.indexOf(":")));
  assert.deepEqual(order.slice(0, 5), ["ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Authentication-Results", "Received"]);
  const aar = fields(copy, "ARC-Authentication-Results")[0] ?? "";
  assert.match(relaxed(aar), /^arc-authentication-results:i=1; mx\.sealpost\.test; .*spf=pass .*smtp\.mailfrom=sender\.test/);

  const { arc } = await authenticate(Buffer.from(copy, "latin1"), { ip: "127.0.0.1", helo: "mx.sealpost.test", mta: "mail.peer.test", sender: "news@sender.test", resolver: resolver(), disableBimi: true });
  assert.ok(arc !== false);
  assert.equal(arc.status.result, "pass", JSON.stringify(arc.status));
  assert.equal(arc.i, 1);
  assert.match(arc.status.comment ?? "", /^i=1 /);
  // Without the published key the same chain does not pass: the seal is what the verdict rests on.
  s.dns.setZone(zone);
  const unpublished = await authenticate(Buffer.from(copy, "latin1"), { ip: "127.0.0.1", mta: "mail.peer.test", sender: "news@sender.test", resolver: resolver(), disableBimi: true });
  s.dns.setZone({ ...zone, ...published });
  assert.notEqual(unpublished.arc !== false && unpublished.arc.status.result, "pass");

  const header = await headerIn(s.h, "INBOX", hosted);
  assert.match(ours(header), /; spf=pass /);
  assert.doesNotMatch(header, /^ARC-/im, "mail to a hosted mailbox only stops here: not sealed");
});

test("a chain that fails here gets a set with cv=fail that seals only itself; one whose newest seal says cv=fail gets no set", { timeout: 90_000 }, async () => {
  assert.ok(sealerKey !== undefined, "the previous test published the sealer's key");
  const [broken, failed] = [tag("broken-chain"), tag("failed-chain")];
  // A list's footer added after its seal: the ARC-Message-Signature's body hash no longer matches.
  const brokenMsg = (await sealedBy(message("list@sender.test", broken))).replace("Hello, this is", "[list] Hello, this is");
  // A second forwarder found that and marked the chain failed (i=2 cv=fail).
  const failedMsg = await sealedBy((await sealedBy(message("list@sender.test", failed))).replace("Hello, this is", "[list] Hello, this is"), "fail");
  const replies = await sendAll(s.h, [
    { from: "list@sender.test", to: [RELAYED], msg: brokenMsg },
    { from: "list@sender.test", to: [RELAYED], msg: failedMsg },
  ]);
  assert.deepEqual(replies.map((r) => r.code), [250, 250]);

  const a = await relayedCopy(broken);
  assert.match(ours(a), /; arc=fail /);
  const seals = fields(a, "ARC-Seal").map((f) => [tagOf(f, "i"), tagOf(f, "cv"), tagOf(f, "d")]);
  assert.deepEqual(seals, [["2", "fail", SEALER], ["1", "none", "forwarder.test"]]);
  assert.ok(sealVerifiesAlone(a, 2), "the cv=fail seal verifies over its own set alone (RFC 8617 §5.1.2)");
  const checked = await authenticate(Buffer.from(a, "latin1"), { ip: "127.0.0.1", mta: "mail.peer.test", sender: "list@sender.test", resolver: resolver(), disableBimi: true });
  assert.ok(checked.arc !== false);
  assert.equal(checked.arc.status.result, "fail");

  const b = await relayedCopy(failed);
  assert.match(ours(b), /; arc=fail /);
  assert.deepEqual(fields(b, "ARC-Seal").map((f) => [tagOf(f, "i"), tagOf(f, "d")]), [["2", "forwarder.test"], ["1", "forwarder.test"]]);
  assert.match(s.h.log(), /not ARC-sealed: its chain takes no further set/);
});
