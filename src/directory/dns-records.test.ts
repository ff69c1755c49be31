import { test } from "node:test";
import assert from "node:assert/strict";
import { domainDnsRecords, zoneLines, type PublishedPorts } from "./dns-records.ts";

const STANDARD: PublishedPorts = { mx: 25, submissions: 465, submission: 587, imaps: 993, pop3s: 995, web: 443 };
const coversAll = { hosted: true, certificateCovers: () => true };

test("a hosted domain on standard ports: MX, the TLS services' SRV records, STARTTLS IMAP and POP3 as not available, the settings documents' names", () => {
  const { records, warnings } = domainDnsRecords("example.org", "mail.example.org", STANDARD, coversAll);
  assert.deepEqual(warnings, []);
  const byName = new Map(records.map((r) => [`${r.type} ${r.name}`, r.value]));
  assert.equal(byName.get("MX example.org."), "10 mail.example.org.");
  assert.equal(byName.get("SRV _submissions._tcp.example.org."), "0 1 465 mail.example.org.");
  assert.equal(byName.get("SRV _submission._tcp.example.org."), "0 1 587 mail.example.org.");
  assert.equal(byName.get("SRV _imaps._tcp.example.org."), "0 1 993 mail.example.org.");
  assert.equal(byName.get("SRV _pop3s._tcp.example.org."), "0 1 995 mail.example.org.");
  assert.equal(byName.get("SRV _imap._tcp.example.org."), "0 0 0 .");
  assert.equal(byName.get("SRV _pop3._tcp.example.org."), "0 0 0 .");
  assert.equal(byName.get("CNAME autoconfig.example.org."), "mail.example.org.");
  assert.equal(byName.get("CNAME autodiscover.example.org."), "mail.example.org.");
  assert.equal(byName.get("SRV _autodiscover._tcp.example.org."), "0 1 443 mail.example.org.");
  assert.equal(records.length, 10);
});

test("a listener that is off is published as not available; the web listener off drops the settings names", () => {
  const { records, warnings } = domainDnsRecords("example.org", "mail.example.org.", { ...STANDARD, pop3s: null, web: null }, coversAll);
  const pop3s = records.find((r) => r.name === "_pop3s._tcp.example.org.");
  assert.equal(pop3s?.value, "0 0 0 .");
  assert.equal(records.some((r) => r.name.startsWith("autoconfig.") || r.name.startsWith("_autodiscover.")), false);
  assert.match(warnings.join("\n"), /web listener is off/);
  assert.equal(records.find((r) => r.type === "MX")?.value, "10 mail.example.org.", "a trailing dot is not doubled");
});

test("warnings: an MX port other than 25, a port 0, a certificate without the settings names", () => {
  const { records, warnings } = domainDnsRecords("example.org", "mail.example.org", { ...STANDARD, mx: 10025, imaps: 0 }, {
    hosted: true,
    certificateCovers: (name) => name === "autoconfig.example.org",
  });
  assert.ok(warnings.includes("the mx listener is on port 10025: other servers deliver to port 25 only"));
  assert.ok(warnings.some((w) => w.includes("imaps listener's port is 0")));
  assert.equal(records.some((r) => r.name === "_imaps._tcp.example.org."), false, "nothing is published for a port chosen at start");
  assert.ok(warnings.includes("the certificate does not name autodiscover.example.org: mail programs will refuse its settings document"));
  assert.equal(warnings.some((w) => w.includes("autoconfig.example.org")), false);
});

test("a relay domain gets its MX only; the zone lines carry the warnings as comments and every record with its purpose", () => {
  const relay = domainDnsRecords("gw.example", "mx.example.org", { ...STANDARD, mx: null }, { hosted: false, certificateCovers: () => false });
  assert.deepEqual(relay.records.map((r) => r.type), ["MX"]);
  const lines = zoneLines("gw.example", relay);
  assert.equal(lines[0], "; DNS records to publish for gw.example");
  assert.equal(lines[1], "; WARNING: the mx listener is off: nothing here accepts the domain's mail");
  assert.match(lines[2] ?? "", /^gw\.example\. 3600 IN MX {4}10 mx\.example\.org\. ; mail for the domain goes to this server$/);
});
