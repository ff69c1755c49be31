/**
 * Inbound sender authentication, DMARC (RFC 7489) and the hosted domains: a test DNS server
 * publishes DMARC records (p=reject, p=quarantine, p=none, relaxed and strict alignment, pct, sp),
 * SPF records and DKIM keys. A p=reject failure is refused at the end of DATA with 550 5.7.1
 * (§6.6.2); a p=quarantine failure lands in the recipient's Junk folder (RFC 6154 \Junk), where
 * Python's imaplib finds it and an IDLE session (imapflow) sees it arrive, while a relay domain's
 * recipient gets it with the header as usual; mail claiming a hosted domain that neither passes SPF
 * nor carries an aligned DKIM signature is refused whatever the domain publishes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ImapFlow } from "imapflow";
import { eventually } from "./harness.ts";
import { ALICE, HOSTED, PW, dkimKey, headerIn, headersIn, message, ours, send, sendAll, sign, startAuthServer, tag, type AuthServer, type DkimKey, type Outgoing } from "./support/inbound-auth.ts";
import { openDataDir } from "./support/postgres.ts";

let s: AuthServer;
let key: DkimKey;

const REFUSED = /^5\.7\.1 Rejected by DMARC policy for /;

before(async () => {
  key = dkimKey("ed25519");
  const spf127 = { TXT: ["v=spf1 ip4:127.0.0.1 -all"] };
  const spfElsewhere = { TXT: ["v=spf1 ip4:192.0.2.1 -all"] };
  s = await startAuthServer({
    "reject.test": spfElsewhere,
    "_dmarc.reject.test": { TXT: ["v=DMARC1; p=reject"] },
    "mail.reject.test": spf127,
    "ed._domainkey.mail.reject.test": { TXT: [key.record] },
    "strict.test": spfElsewhere,
    "_dmarc.strict.test": { TXT: ["v=DMARC1; p=reject; aspf=s; adkim=s"] },
    "ed._domainkey.strict.test": { TXT: [key.record] },
    "mail.strict.test": spf127,
    "ed._domainkey.mail.strict.test": { TXT: [key.record] },
    "quarantine.test": spfElsewhere,
    "_dmarc.quarantine.test": { TXT: ["v=DMARC1; p=quarantine"] },
    "none.test": spfElsewhere,
    "_dmarc.none.test": { TXT: ["v=DMARC1; p=none"] },
    "sampled.test": spfElsewhere,
    "_dmarc.sampled.test": { TXT: ["v=DMARC1; p=reject; pct=0"] },
    "parent.test": spfElsewhere,
    "_dmarc.parent.test": { TXT: ["v=DMARC1; p=none; sp=reject"] },
    "sub.parent.test": spfElsewhere,
    "nospf.test": { A: ["192.0.2.9"] },
    // The hosted domains: example.test publishes an SPF record that leaves 127.0.0.1 out and no
    // DMARC record; own.test's SPF names 127.0.0.1.
    [HOSTED]: { TXT: ["v=spf1 ip4:192.0.2.10 -all"] },
    [`ed._domainkey.${HOSTED}`]: { TXT: [key.record] },
    "own.test": spf127,
  });
  for (const args of [
    ["domain", "add", "own.test"],
    ["relay", "add", "gw.test", "--next-hop", "127.0.0.1:1"],
  ]) {
    const r = s.h.cli(args);
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  await s?.cleanup();
});

/** A message From `from` with MAIL FROM `mailFrom`, optionally signed by `signer` (selector "ed"). */
async function outgoing(subject: string, from: string, mailFrom: string, signer?: string): Promise<Outgoing> {
  const plain = message(from, subject);
  return { from: mailFrom, msg: signer === undefined ? plain : await sign(plain, [{ domain: signer, selector: "ed", key }]) };
}

test("DMARC p=reject: a failure gets 550 5.7.1 at the end of DATA and is not delivered; aligned SPF or DKIM (relaxed) passes", async () => {
  const [fails, viaSpf, viaDkim] = ["dmarc-reject", "dmarc-relaxed-spf", "dmarc-relaxed-dkim"].map(tag) as [string, string, string];
  const replies = await sendAll(s.h, [
    await outgoing(fails, "ceo@reject.test", "ceo@reject.test"),
    // RFC 7489 §3.1.2: relaxed SPF alignment, MAIL FROM in a subdomain of the From domain.
    await outgoing(viaSpf, "ceo@reject.test", "bounces@mail.reject.test"),
    // §3.1.1: relaxed DKIM alignment, d= a subdomain of the From domain.
    await outgoing(viaDkim, "ceo@reject.test", "x@nospf.test", "mail.reject.test"),
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [550, 250, 250],
  );
  assert.equal(replies[0]?.text, "5.7.1 Rejected by DMARC policy for reject.test");
  const [refused, spfPass, dkimPass] = await headersIn(s.h, "INBOX", [fails, viaSpf, viaDkim]);
  assert.equal(refused, "");
  assert.match(ours(spfPass ?? ""), /; spf=pass .* smtp\.mailfrom=mail\.reject\.test;.*; dmarc=pass \(p=REJECT arc=none\) policy\.dmarc=reject header\.from=reject\.test$/);
  assert.match(ours(dkimPass ?? ""), /dkim=pass header\.d=mail\.reject\.test .*; dmarc=pass \(p=REJECT arc=none\) policy\.dmarc=reject header\.from=reject\.test$/);
});

test("DMARC strict alignment (aspf=s, adkim=s): a subdomain's SPF or DKIM pass does not align and is refused; the exact domain's signature passes", async () => {
  const [spfSub, dkimSub, exact] = ["strict-spf", "strict-dkim", "strict-exact"].map(tag) as [string, string, string];
  const replies = await sendAll(s.h, [
    await outgoing(spfSub, "ceo@strict.test", "bounces@mail.strict.test"),
    await outgoing(dkimSub, "ceo@strict.test", "x@nospf.test", "mail.strict.test"),
    await outgoing(exact, "ceo@strict.test", "x@nospf.test", "strict.test"),
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [550, 550, 250],
  );
  assert.match(replies[0]?.text ?? "", REFUSED);
  assert.match(replies[1]?.text ?? "", REFUSED);
  assert.match(ours(await headerIn(s.h, "INBOX", exact)), /dkim=pass header\.d=strict\.test .*; dmarc=pass \(p=REJECT arc=none\) policy\.dmarc=reject header\.from=strict\.test$/);
});

test("DMARC p=none delivers a failure to the INBOX; sp=reject (RFC 7489 §6.6.3) refuses the subdomain's; pct=0 (§6.6.4) turns reject into quarantine", async () => {
  const [none, sub, sampled] = ["dmarc-none", "dmarc-sp", "dmarc-pct"].map(tag) as [string, string, string];
  const replies = await sendAll(s.h, [
    await outgoing(none, "ceo@none.test", "ceo@none.test"),
    await outgoing(sub, "ceo@sub.parent.test", "ceo@sub.parent.test"),
    await outgoing(sampled, "ceo@sampled.test", "ceo@sampled.test"),
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [250, 550, 250],
  );
  assert.equal(replies[1]?.text, "5.7.1 Rejected by DMARC policy for sub.parent.test");
  assert.match(ours(await headerIn(s.h, "INBOX", none)), /; dmarc=fail \(p=NONE arc=none\) policy\.dmarc=none header\.from=none\.test$/);
  assert.equal(await headerIn(s.h, "INBOX", sampled), "");
  assert.match(ours(await headerIn(s.h, "Junk", sampled)), /; dmarc=fail \(p=REJECT arc=none\) policy\.dmarc=reject header\.from=sampled\.test$/);
});

test("DMARC p=quarantine: the hosted recipient's copy goes to Junk, an IDLE session there sees it; a relay domain's recipient gets it with the header", { timeout: 120_000 }, async () => {
  const flow = new ImapFlow({ host: "127.0.0.1", port: s.h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PW }, logger: false });
  await flow.connect();
  try {
    const before = (await flow.mailboxOpen("Junk")).exists;
    let exists = before;
    flow.on("exists", (d: { count: number }) => {
      exists = d.count;
    });
    const idling = flow.idle();
    const subject = tag("quarantine");
    const reply = await send(s.h, { ...(await outgoing(subject, "ceo@quarantine.test", "ceo@quarantine.test")), to: [ALICE, "someone@gw.test"] });
    assert.equal(reply.code, 250, reply.text);
    await eventually(() => (exists === before + 1 ? true : undefined), 10_000, "the IDLE session's EXISTS for Junk");
    assert.equal(flow.idling, true, "seen while idling, without a new SELECT");
    await flow.noop();
    await idling;

    assert.equal(await headerIn(s.h, "INBOX", subject), "");
    assert.match(ours(await headerIn(s.h, "Junk", subject)), /; spf=fail .*; dmarc=fail \(p=QUARANTINE arc=none\) policy\.dmarc=quarantine header\.from=quarantine\.test$/);
    // The relay domain's copy waits in the queue for its next hop, stamped all the same.
    const id = /queued as (\S+)/.exec(reply.text)?.[1] ?? "";
    const store = await openDataDir(s.h.dataDir);
    try {
      const row = await store.db.selectFrom("queue").select("blob").where("id", "=", id).executeTakeFirstOrThrow();
      const queued = (await store.blobs.read(row.blob)).toString("latin1");
      assert.match(queued, /^Authentication-Results: mx\.sealpost\.test;[^]*dmarc=fail \(p=QUARANTINE arc=none\)/);
    } finally {
      await store.close();
    }
  } finally {
    await flow.logout();
  }
});

test("mail claiming a hosted domain from outside (neither SPF pass nor aligned DKIM) is refused whatever its DMARC; with either it is delivered", async () => {
  const [fromSpoof, envelopeSpoof, signed, spfPass] = ["hosted-from", "hosted-envelope", "hosted-dkim", "hosted-spf"].map(tag) as [string, string, string, string];
  const replies = await sendAll(s.h, [
    // example.test publishes no DMARC record: the rule does not ask for one.
    await outgoing(fromSpoof, `ceo@${HOSTED}`, "x@nospf.test"),
    await outgoing(envelopeSpoof, "someone@none.test", `ceo@${HOSTED}`),
    await outgoing(signed, `ceo@${HOSTED}`, "x@nospf.test", HOSTED),
    await outgoing(spfPass, "ceo@own.test", "ceo@own.test"),
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [550, 550, 250, 250],
  );
  for (const r of replies.slice(0, 2)) {
    assert.equal(
      r.text,
      `5.7.1 Rejected: ${HOSTED} is hosted here and this message neither passed SPF nor carries an aligned DKIM signature; its mail must come through submission (refused whatever DMARC record the domain has)`,
    );
  }
  const [a, b, c, d] = await headersIn(s.h, "INBOX", [fromSpoof, envelopeSpoof, signed, spfPass]);
  assert.deepEqual([a, b], ["", ""]);
  assert.match(ours(c ?? ""), new RegExp(`dkim=pass header\\.d=${HOSTED.replace(".", "\\.")} `));
  assert.match(ours(d ?? ""), /; spf=pass .* smtp\.mailfrom=own\.test;/);
});
