import { test } from "node:test";
import assert from "node:assert/strict";
import { domainDnsRecords, zoneLine, zoneLines, type PublishedPorts } from "./dns-records.ts";

const STANDARD: PublishedPorts = { mx: 25, submissions: 465, submission: 587, imaps: 993, pop3s: 995, web: 443 };
const coversAll = { hosted: true, certificateCovers: () => true, mtaSts: null, dkim: [] };

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
  assert.equal(byName.get("TXT example.org."), "v=spf1 a:mail.example.org -all");
  assert.equal(byName.get("TXT mail.example.org."), "v=spf1 a -all");
  assert.equal(byName.get("TXT _dmarc.example.org."), "v=DMARC1; p=reject");
  assert.equal(byName.get("TXT _smtp._tls.example.org."), "v=TLSRPTv1; rua=mailto:tls-reports@example.org");
  assert.equal(records.some((r) => r.name.includes("mta-sts")), false, "no MTA-STS records without a published policy");
  assert.equal(records.length, 14);
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
    ...coversAll,
    certificateCovers: (name) => name === "autoconfig.example.org",
  });
  assert.ok(warnings.includes("the mx listener is on port 10025: other servers deliver to port 25 only"));
  assert.ok(warnings.some((w) => w.includes("imaps listener's port is 0")));
  assert.equal(records.some((r) => r.name === "_imaps._tcp.example.org."), false, "nothing is published for a port chosen at start");
  assert.ok(warnings.includes("the certificate does not name autodiscover.example.org: mail programs will refuse its settings document"));
  assert.equal(warnings.some((w) => w.includes("autoconfig.example.org")), false);
});

test("a relay domain gets its MX only; the zone lines carry the warnings as comments and every record with its purpose", () => {
  const relay = domainDnsRecords("gw.example", "mx.example.org", { ...STANDARD, mx: null }, { ...coversAll, hosted: false, mtaSts: { id: "20261207T110000Z" } });
  assert.deepEqual(relay.records.map((r) => r.type), ["MX"]);
  const lines = zoneLines("gw.example", relay);
  assert.equal(lines[0], "; DNS records to publish for gw.example");
  assert.equal(lines[1], "; WARNING: the mx listener is off: nothing here accepts the domain's mail");
  assert.match(lines[2] ?? "", /^gw\.example\. 3600 IN MX {4}10 mx\.example\.org\. ; mail for the domain goes to this server$/);
});

test("a published MTA-STS policy: the mta-sts name and the TXT record with its id; warnings for a certificate without the name and a web port other than 443", () => {
  const dkim = [{ name: "s1._domainkey.example.org", value: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", why: "DKIM key s1" }];
  const { records, warnings } = domainDnsRecords("example.org", "mail.example.org", { ...STANDARD, web: 8443 }, { ...coversAll, certificateCovers: () => false, mtaSts: { id: "20261207T110000Z" }, dkim });
  const byName = new Map(records.map((r) => [`${r.type} ${r.name}`, r.value]));
  assert.equal(byName.get("CNAME mta-sts.example.org."), "mail.example.org.");
  assert.equal(byName.get("TXT _mta-sts.example.org."), "v=STSv1; id=20261207T110000Z");
  assert.equal(byName.get("TXT s1._domainkey.example.org."), dkim[0]?.value, "the DKIM room's records as given, the name made absolute");
  assert.ok(warnings.includes("the web listener is on port 8443: senders fetch the MTA-STS policy from port 443 only"), warnings.join("\n"));
  assert.ok(warnings.includes("the certificate does not name mta-sts.example.org: senders will not fetch the MTA-STS policy"));

  const off = domainDnsRecords("example.org", "mail.example.org", { ...STANDARD, web: null }, { ...coversAll, mtaSts: { id: "20261207T110000Z" } });
  assert.equal(off.records.some((r) => r.name.includes("mta-sts")), false, "nothing announces a policy nobody can fetch");
  assert.ok(off.warnings.some((w) => w.startsWith("the web listener is off: senders cannot fetch the MTA-STS policy")));
});

test("zone lines quote TXT data in strings of at most 255 octets (RFC 1035 §3.3.14) and carry the check's mark", () => {
  const key = `v=DKIM1; k=rsa; p=${"A".repeat(392)}`;
  const line = zoneLine({ name: "s._domainkey.example.org.", type: "TXT", value: key, why: "DKIM" }, { mark: "missing" });
  const data = /IN TXT {3}(.*) ; \[missing\] DKIM$/.exec(line)?.[1] ?? "";
  const strings = [...data.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
  assert.deepEqual(strings.map((x) => x.length), [255, key.length - 255]);
  assert.equal(strings.join(""), key);
  assert.match(zoneLine({ name: "x.", type: "TXT", value: 'a "quoted" \\ text', why: "w" }), /IN TXT {3}"a \\"quoted\\" \\\\ text" ; w$/);
});
