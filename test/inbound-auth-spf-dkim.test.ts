/**
 * Inbound sender authentication, SPF and DKIM (issue 15's first Done-when point): a test DNS server
 * publishes SPF records (pass, fail, softfail for 127.0.0.1) and DKIM keys (Ed25519, RFC 8463, and
 * RSA-2048); messages are signed in the test with mailauth's dkimSign, sent with Python's smtplib
 * and read back with Python's imaplib. Each outcome is the Authentication-Results field (RFC 8601)
 * this host put on top of the delivered message; a field that claims this host's authserv-id
 * already is forged (§5) and does not reach the mailbox.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { authResults, dkimKey, headerIn, headersIn, message, ours, send, sendAll, sign, startAuthServer, tag, type AuthServer, type DkimKey } from "./support/inbound-auth.ts";

let s: AuthServer;
let ed: DkimKey;
let rsa: DkimKey;

before(async () => {
  ed = dkimKey("ed25519");
  rsa = dkimKey("rsa");
  s = await startAuthServer({
    "spf-pass.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
    "spf-fail.test": { TXT: ["v=spf1 ip4:192.0.2.1 -all"] },
    "spf-soft.test": { TXT: ["v=spf1 ip4:192.0.2.1 ~all"] },
    "signed.test": { TXT: ["v=spf1 ip4:192.0.2.1 ~all"] },
    "ed._domainkey.signed.test": { TXT: [ed.record] },
    "rsa._domainkey.signed.test": { TXT: [rsa.record] },
  });
});

after(async () => {
  await s?.cleanup();
});

/** Sends the messages (each from `from`, Subject `subject`) and returns this host's Authentication-Results of each copy in alice's INBOX. */
async function delivered(messages: ReadonlyArray<{ from: string; msg: string; subject: string }>): Promise<string[]> {
  const replies = await sendAll(s.h, messages);
  for (const r of replies) assert.equal(r.code, 250, r.text);
  return (await headersIn(s.h, "INBOX", messages.map((m) => m.subject))).map(ours);
}

test("SPF pass, fail and softfail (RFC 7208 §2.6) are named with the MAIL FROM domain; none of them alone refuses the message", async () => {
  const cases = [
    ["spf-pass.test", "pass"],
    ["spf-fail.test", "fail"],
    ["spf-soft.test", "softfail"],
  ] as const;
  const sent = cases.map(([domain, result]) => {
    const subject = tag(`spf-${result}`);
    return { from: `sender@${domain}`, msg: message(`sender@${domain}`, subject), subject };
  });
  const results = await delivered(sent);
  cases.forEach(([domain, result], i) => {
    const ar = results[i] ?? "";
    const d = domain.replace(".", "\\.");
    assert.match(ar, new RegExp(`; spf=${result} \\([^)]*\\) smtp\\.mailfrom=${d};`), ar);
    // No signature, no DMARC record: the other methods say so.
    assert.match(ar, /^mx\.sealpost\.test; dkim=none \(message not signed\);/);
    assert.match(ar, /; arc=none /);
    assert.match(ar, new RegExp(`; dmarc=none header\\.from=${d}$`));
  });
});

test("DKIM: Ed25519 and RSA signatures verify (header.d, header.s, header.a); a changed body fails; a missing key and an unsigned message say so", async () => {
  const [good, bad, nokey, missing] = ["dkim-good", "dkim-bad", "dkim-nokey", "dkim-missing"].map(tag) as [string, string, string, string];
  const from = "news@signed.test";
  const signed = await sign(message(from, good), [
    { domain: "signed.test", selector: "ed", key: ed },
    { domain: "signed.test", selector: "rsa", key: rsa },
  ]);
  // RFC 6376 §6.1.3: the body hash does not match what was signed.
  const tampered = (await sign(message(from, bad), [{ domain: "signed.test", selector: "ed", key: ed }])).replace("Hello, this is", "Hello, THIS is");
  // A signature whose key is not published.
  const orphan = await sign(message(from, nokey), [{ domain: "signed.test", selector: "gone", key: ed }]);
  const [ar, arBad, arNoKey, arMissing] = await delivered([
    { from, msg: signed, subject: good },
    { from, msg: tampered, subject: bad },
    { from, msg: orphan, subject: nokey },
    { from, msg: message(from, missing), subject: missing },
  ]);
  assert.match(ar ?? "", /dkim=pass header\.d=signed\.test header\.i=@signed\.test header\.s=ed header\.a=ed25519-sha256 header\.b=/);
  assert.match(ar ?? "", /dkim=pass header\.d=signed\.test header\.i=@signed\.test header\.s=rsa header\.a=rsa-sha256 header\.b=/);
  assert.match(ar ?? "", /; spf=softfail /);
  assert.match(ar ?? "", /; dmarc=none header\.from=signed\.test$/);
  assert.match(arBad ?? "", /dkim=fail \(body hash did not verify\) header\.d=signed\.test header\.i=@signed\.test header\.s=ed header\.a=ed25519-sha256/);
  assert.match(arNoKey ?? "", /dkim=neutral \(no key\) header\.d=signed\.test header\.i=@signed\.test header\.s=gone /);
  assert.match(arMissing ?? "", /^mx\.sealpost\.test; dkim=none \(message not signed\);/);
});

test("an Authentication-Results field claiming this host's authserv-id is forged (RFC 8601 §5): removed, whatever its case; another host's stays", async () => {
  const subject = tag("forged");
  const forged = [
    "Authentication-Results: mx.sealpost.test; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example",
    "Authentication-Results: (trusted) MX.Sealpost.TEST;\r\n\tspf=pass smtp.mailfrom=bank.example",
    'Authentication-Results: "mx.sealpost.test"; arc=pass',
    "Authentication-Results: relay.other.example; spf=pass smtp.mailfrom=bank.example",
    "",
  ].join("\r\n");
  const header = await headerIn(s.h, "INBOX", subject).then(async (before) => {
    assert.equal(before, "");
    const reply = await send(s.h, { from: "ceo@spf-fail.test", msg: message("ceo@spf-fail.test", subject, forged) });
    assert.equal(reply.code, 250, reply.text);
    return headerIn(s.h, "INBOX", subject);
  });
  const all = authResults(header);
  assert.equal(all.length, 2, JSON.stringify(all));
  assert.match(all[0] ?? "", /^mx\.sealpost\.test; dkim=none .*; spf=fail /);
  assert.equal(all[1], "relay.other.example; spf=pass smtp.mailfrom=bank.example");
  assert.doesNotMatch(header, /bank\.example; dmarc=pass|arc=pass|\(trusted\)/);
  // On top of the message, above this host's Received field (RFC 8601 §5).
  assert.match(header, /^Authentication-Results: mx\.sealpost\.test;[^]*?\r\nReceived: from client\.sender\.test /);
});
