import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import { createLookup, type Lookup } from "../dns/index.ts";
import { checkSender } from "./check.ts";
import { decide } from "./policy.ts";

let server: DnsServer;
let lookup: Lookup;

before(async () => {
  server = await startDnsServer({
    "reject.test": { TXT: ["v=spf1 ip4:192.0.2.1 -all"] },
    "_dmarc.reject.test": { TXT: ["v=DMARC1; p=reject; pct=40"] },
    "mail.reject.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
    "silent.test": { drop: true },
    "_dmarc.silent.test": { drop: true },
  });
  lookup = createLookup({ servers: [server.address], timeoutMs: 30_000, tries: 1 });
});

after(async () => {
  await server.close();
});

const facts = (mailFrom: string) => ({ ip: "127.0.0.1", helo: "client.test", mailFrom, authservId: "mx.test" });

/** A message From `from` whose header has `lines` filler lines; split into parts of 1000 bytes as the SMTP reader would hand them over. */
function message(from: string, lines: number): Buffer[] {
  const text = `Received: from client.test\r\n\tby mx.test\r\nFrom: <${from}>\r\nSubject: s\r\n${"X-Filler: x\r\n".repeat(lines)}\r\nbody\r\n`;
  const all = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let at = 0; at < all.length; at += 1000) parts.push(all.subarray(at, at + 1000));
  return parts;
}

test("the results mailauth found, the pct of the record (RFC 7489 §6.3), and the field they make", async () => {
  const r = await checkSender(message("ceo@reject.test", 2), facts("ceo@reject.test"), lookup, 5000);
  assert.deepEqual(r.fromDomains, ["reject.test"]);
  assert.deepEqual(r.spf, { result: "fail", domain: "reject.test" });
  assert.deepEqual(r.dkim, []);
  assert.deepEqual(r.dmarc, { result: "fail", fromDomain: "reject.test", policy: "reject", pct: 40 });
  assert.equal(r.arc, "none");
  assert.match(r.field, /^Authentication-Results: mx\.test;\r\n\tdkim=none \(message not signed\);\r\n\tspf=fail .*;\r\n\tarc=none smtp\.remote-ip=127\.0\.0\.1;\r\n\tdmarc=fail \(p=REJECT arc=none\) policy\.dmarc=reject header\.from=reject\.test\r\n$/);
});

test("past 1,000 header lines only SPF and DMARC by SPF are checked: a padded header does not get around p=reject", async () => {
  const padded = await checkSender(message("ceo@reject.test", 5000), facts("ceo@reject.test"), lookup, 5000);
  assert.deepEqual(padded.dmarc, { result: "fail", fromDomain: "reject.test", policy: "reject", pct: 40 });
  assert.equal(decide(padded, [], () => 0).action, "rejected");
  assert.match(padded.field, /\tdkim=permerror \(more than 1000 header lines: not checked\);\r\n\tspf=fail .*;\r\n\tarc=fail \(more than 1000 header lines: not checked\);\r\n\tdmarc=fail /);
  // An aligned SPF pass is enough for DMARC there, as anywhere.
  const aligned = await checkSender(message("ceo@reject.test", 5000), facts("bounces@mail.reject.test"), lookup, 5000);
  assert.equal(aligned.dmarc?.result, "pass");
  // 80,000 lines, as issue 9's flood: read in one pass, not in time that grows with their square.
  const flood = await checkSender(message("ceo@reject.test", 80_000), facts("ceo@reject.test"), lookup, 5000);
  assert.equal(flood.dmarc?.result, "fail");
});

test("a DNS server that never answers: every check is temperror once the deadline passes", async () => {
  const r = await checkSender(message("ceo@silent.test", 2), facts("ceo@silent.test"), lookup, 300);
  assert.equal(r.spf.result, "temperror");
  assert.equal(r.dmarc?.result, "temperror");
  assert.equal(decide(r, ["silent.test"], () => 0).action, "accepted");
});
