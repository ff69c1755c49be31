/**
 * Inbound sender authentication: ARC chains (RFC 8617) sealed in the test with mailauth's
 * sealMessage, valid and broken; a DNS server that drops the questions (the check's deadline turns
 * them into temperror and the message is still accepted, a hosted domain's too); what
 * `sealpost tls-report` shows of who sends as a hosted domain; and `[smtp] authentication = false`,
 * which a SIGHUP applies, turning all of it off.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sealMessage } from "mailauth";
import type { TlsReport } from "../src/audit/index.ts";
import { eventually } from "./harness.ts";
import { HOSTED, authResults, dkimKey, headerIn, headersIn, message, ours, send, sendAll, sign, startAuthServer, tag, type AuthServer, type DkimKey } from "./support/inbound-auth.ts";

let s: AuthServer;
let key: DkimKey;

before(async () => {
  key = dkimKey("rsa");
  s = await startAuthServer(
    {
      "arc._domainkey.forwarder.test": { TXT: [key.record] },
      "listed.test": { TXT: ["v=spf1 ip4:192.0.2.1 -all"] },
      "_dmarc.listed.test": { TXT: ["v=DMARC1; p=none"] },
      // Every question about these names goes unanswered.
      "slow.test": { drop: true },
      "_dmarc.slow.test": { drop: true },
      "ed._domainkey.slow.test": { drop: true },
      "quiet.test": { drop: true },
      "_dmarc.quiet.test": { drop: true },
      [HOSTED]: { TXT: ["v=spf1 ip4:192.0.2.10 -all"] },
      [`ed._domainkey.${HOSTED}`]: { TXT: [key.record] },
    },
    { smtp: "authentication_timeout = 2" },
  );
  const r = s.h.cli(["domain", "add", "quiet.test"]);
  assert.equal(r.status, 0, r.stderr);
});

after(async () => {
  await s?.cleanup();
});

/** `msg` with an ARC set (i=1, cv=none) sealed by forwarder.test, as a mailing list would add it. */
async function sealed(msg: string): Promise<string> {
  const set = await sealMessage(Buffer.from(msg), {
    signingDomain: "forwarder.test",
    selector: "arc",
    privateKey: key.privateKey,
    authResults: "forwarder.test; spf=pass smtp.mailfrom=listed.test; dmarc=pass header.from=listed.test",
    cv: "none",
  });
  return set.toString("latin1") + msg;
}

test("ARC: a valid chain is arc=pass with the sealer's results; a message changed after sealing is arc=fail (RFC 8617 §5.2)", async () => {
  const [valid, broken] = ["arc-valid", "arc-broken"].map(tag) as [string, string];
  const replies = await sendAll(s.h, [
    { from: "list@listed.test", msg: await sealed(message("member@listed.test", valid)) },
    { from: "list@listed.test", msg: (await sealed(message("member@listed.test", broken))).replace("Hello, this is", "[list] Hello, this is") },
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [250, 250],
  );
  const [a, b] = await headersIn(s.h, "INBOX", [valid, broken]);
  assert.match(ours(a ?? ""), /; arc=pass \(i=1 spf=pass dmarc=pass fromdomain=listed\.test\) smtp\.remote-ip=127\.0\.0\.1; dmarc=fail \(p=NONE arc=pass\)/);
  assert.match(ours(b ?? ""), /; arc=fail \(i=1 [^)]*\) smtp\.remote-ip=127\.0\.0\.1; dmarc=fail \(p=NONE arc=fail\)/);
  // The sealer's own ARC-Authentication-Results is part of the chain, not a field to remove.
  assert.match(a ?? "", /^ARC-Authentication-Results: i=1; forwarder\.test; spf=pass/m);
});

test("a DNS server that drops every question: temperror within the check's deadline, and the message is accepted — also one claiming a hosted domain", { timeout: 120_000 }, async () => {
  const [slow, quiet] = ["dns-drop", "dns-drop-hosted"].map(tag) as [string, string];
  const replies = await sendAll(s.h, [
    { from: "news@slow.test", msg: await sign(message("news@slow.test", slow), [{ domain: "slow.test", selector: "ed", key }]) },
    { from: "ceo@quiet.test", msg: message("ceo@quiet.test", quiet) },
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [250, 250],
  );
  const [a, b] = await headersIn(s.h, "INBOX", [slow, quiet]);
  assert.match(ours(a ?? ""), /^mx\.sealpost\.test; dkim=temperror \(DNS failure: ETIMEOUT\) header\.d=slow\.test .*; spf=temperror .* smtp\.mailfrom=slow\.test;.*; dmarc=temperror header\.from=slow\.test$/);
  assert.match(ours(b ?? ""), /; spf=temperror .* smtp\.mailfrom=quiet\.test;.*; dmarc=temperror header\.from=quiet\.test$/);
});

test("tls-report shows who sends as a hosted domain: the sender's address and HELO name, SPF/DKIM/DMARC pass counts, plaintext and refused messages", async () => {
  const [signed, spoof] = ["report-signed", "report-spoof"].map(tag) as [string, string];
  const replies = await sendAll(s.h, [
    { from: `bounces@${HOSTED}`, helo: `mail.${HOSTED}`, msg: await sign(message(`ceo@${HOSTED}`, signed), [{ domain: HOSTED, selector: "ed", key }]) },
    { from: "x@listed.test", helo: "spoofer.test", tls: false, msg: message(`ceo@${HOSTED}`, spoof) },
  ]);
  assert.deepEqual(
    replies.map((r) => r.code),
    [250, 550],
  );
  const sendingAs = async (): Promise<TlsReport["sendingAs"]> => {
    const r = await s.h.cliAsync(["tls-report", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as TlsReport).sendingAs;
  };
  const senders = await eventually(async () => {
    const found = (await sendingAs()).find((d) => d.domain === HOSTED)?.senders;
    return found?.[0]?.messages === 2 ? found : undefined;
  }, 5000, "both messages in the report");
  assert.equal(senders.length, 1);
  assert.deepEqual(
    { ...senders[0], lastSeen: "" },
    { clientIp: "127.0.0.1", helo: "spoofer.test", messages: 2, spfPass: 0, dkimPass: 1, dmarcPass: 0, dmarcFail: 0, plaintext: 1, quarantined: 0, rejected: 1, lastSeen: "" },
  );
  const human = await s.h.cliAsync(["tls-report"]);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /\nWho sends as each hosted domain \(From or MAIL FROM\), as the MX's sender checks found:\n/);
  assert.match(human.stdout, new RegExp(`\\n  ${HOSTED.replace(".", "\\.")}: \\n    127\\.0\\.0\\.1  spoofer\\.test  2 message\\(s\\): SPF pass 0, DKIM pass 1, DMARC pass 0 fail 0; 1 in plaintext; 1 refused; last \\S+\\n`));
});

test("[smtp] authentication = false (applied by SIGHUP): no checks, no Authentication-Results, no refusals", { timeout: 60_000 }, async () => {
  const path = join(s.h.dataDir, "sealpost.toml");
  const config = readFileSync(path, "utf8");
  assert.match(config, /^authentication = true$/m);
  writeFileSync(path, config.replace(/^authentication = true$/m, "authentication = false"));
  s.h.proc.kill("SIGHUP");
  await eventually(() => (/SIGHUP: configuration and certificates reloaded/.test(s.h.log()) ? true : undefined), 10_000, "the reload");
  const subject = tag("checks-off");
  const reply = await send(s.h, { from: "x@listed.test", msg: message(`ceo@${HOSTED}`, subject) });
  assert.equal(reply.code, 250, reply.text);
  const header = await headerIn(s.h, "INBOX", subject);
  assert.match(header, /^Received: from client\.sender\.test /);
  assert.deepEqual(authResults(header), []);
});
