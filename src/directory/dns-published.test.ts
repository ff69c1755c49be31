import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { createResolver, type ZoneResolver } from "../dns/index.ts";
import { checkPublished, publishedMark } from "./dns-published.ts";
import { domainDnsRecords, type DnsRecord, type PublishedPorts } from "./dns-records.ts";

const STANDARD: PublishedPorts = { mx: 25, submissions: 465, submission: 587, imaps: 993, pop3s: 995, web: 443 };
const KEY = "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

let dns: DnsServer;
let resolver: ZoneResolver;

before(async () => {
  dns = await startDnsServer({});
  resolver = createResolver({ servers: [dns.address], timeoutMs: 300, tries: 1 });
});

after(async () => {
  await dns.close();
});

/** The check's status of every record, by "TYPE name", after publishing `zone`. */
async function statuses(records: readonly DnsRecord[], zone: Zone): Promise<Map<string, string>> {
  dns.setZone(zone);
  const checks = await checkPublished(records, resolver);
  return new Map(records.map((r, i) => [`${r.type} ${r.name}`, publishedMark(checks[i] ?? { status: "missing" })]));
}

const record = (type: DnsRecord["type"], name: string, value: string): DnsRecord => ({ name, type, value, why: "" });
const txt = (value: string): DnsRecord => record("TXT", "example.org.", value);

/** One record of each kind the check reads differently. */
const KINDS: DnsRecord[] = [
  record("MX", "example.org.", "10 mail.example.org."),
  txt("v=spf1 a:mail.example.org -all"),
  record("TXT", "_dmarc.example.org.", "v=DMARC1; p=reject"),
  record("TXT", "_mta-sts.example.org.", "v=STSv1; id=20261207T110000Z"),
  record("TXT", "_smtp._tls.example.org.", "v=TLSRPTv1; rua=mailto:tls-reports@example.org"),
  record("SRV", "_imaps._tcp.example.org.", "0 1 993 mail.example.org."),
  record("CNAME", "mta-sts.example.org.", "mail.example.org."),
  record("CNAME", "autoconfig.example.org.", "mail.example.org."),
];

test("every record of a hosted domain published as printed, some in other words that mean the same", async () => {
  const { records } = domainDnsRecords("example.org", "mail.example.org", STANDARD, {
    hosted: true,
    certificateCovers: () => true,
    mtaSts: { id: "20261207T110000Z" },
    dkim: [{ name: "s1._domainkey.example.org", value: `v=DKIM1; k=ed25519; p=${KEY}`, why: "DKIM" }],
  });
  const srv = (port: number, target = "mail.example.org") => ({ SRV: [{ priority: 0, weight: port === 0 ? 0 : 1, port, target }] });
  const got = await statuses(records, {
    // Priority differs from the printed 10: with one MX it means the same.
    "example.org": { MX: [{ preference: 5, exchange: "MAIL.example.org." }], TXT: ["google-site-verification=x", "v=spf1  +a:mail.example.org -ALL"] },
    "mail.example.org": { A: ["192.0.2.25"], TXT: ["v=spf1 a -all"] },
    // DKIM: the key split in two strings with a space, tags in another order, v= left out.
    "s1._domainkey.example.org": { TXT: [[`k=ed25519; p=${KEY.slice(0, 20)} `, `${KEY.slice(20)}`]] },
    "_dmarc.example.org": { TXT: ["v=DMARC1;adkim=r; P=Reject ;pct=100;"] },
    "mta-sts.example.org": { CNAME: "mail.example.org." },
    "_mta-sts.example.org": { TXT: ["v=STSv1;id=20261207T110000Z;"] },
    "_smtp._tls.example.org": { TXT: ["v=TLSRPTv1;rua=mailto:tls-reports@example.org"] },
    "_imaps._tcp.example.org": srv(993),
    "_pop3s._tcp.example.org": srv(995),
    "_submissions._tcp.example.org": srv(465),
    "_submission._tcp.example.org": srv(587),
    "_imap._tcp.example.org": srv(0, "."),
    "_pop3._tcp.example.org": srv(0, "."),
    // The settings names as addresses of their own, this host's: the same by meaning.
    "autoconfig.example.org": { A: ["192.0.2.25"] },
    "autodiscover.example.org": { CNAME: "mail.example.org" },
    "_autodiscover._tcp.example.org": srv(443),
  });
  assert.deepEqual([...got].filter(([, mark]) => mark !== "published"), []);
  assert.equal(got.size, 17);
});

test("different: another MX too, SPF terms in another order or qualifier, another DMARC policy, another id, two records where one may be", async () => {
  const got = await statuses(KINDS, {
      "example.org": { MX: [{ preference: 10, exchange: "mail.example.org" }, { preference: 20, exchange: "backup.example.net" }], TXT: ["v=spf1 -all a:mail.example.org"] },
      "mail.example.org": { A: ["192.0.2.25"] },
      "_dmarc.example.org": { TXT: ["v=DMARC1; p=reject; sp=none"] },
      "_mta-sts.example.org": { TXT: ["v=STSv1; id=20261101T000000Z"] },
      "_smtp._tls.example.org": { TXT: ["v=TLSRPTv1; rua=mailto:tls-reports@example.org", "v=TLSRPTv1; rua=mailto:other@example.org"] },
      "_imaps._tcp.example.org": { SRV: [{ priority: 0, weight: 1, port: 143, target: "mail.example.org" }] },
      "mta-sts.example.org": { CNAME: "web.example.net" },
      "autoconfig.example.org": { A: ["198.51.100.1"] },
  });
  assert.deepEqual(Object.fromEntries(got), {
    "MX example.org.": 'different: found 2 records, "10 mail.example.org.", "20 backup.example.net."',
    "TXT example.org.": 'different: found "v=spf1 -all a:mail.example.org"',
    "TXT _dmarc.example.org.": 'different: found "v=DMARC1; p=reject; sp=none"',
    "TXT _mta-sts.example.org.": 'different: found "v=STSv1; id=20261101T000000Z"',
    "TXT _smtp._tls.example.org.": 'different: found 2 records, "v=TLSRPTv1; rua=mailto:tls-reports@example.org", "v=TLSRPTv1; rua=mailto:other@example.org"',
    "SRV _imaps._tcp.example.org.": 'different: found "0 1 143 mail.example.org."',
    "CNAME mta-sts.example.org.": 'different: found "CNAME web.example.net."',
    "CNAME autoconfig.example.org.": 'different: found "198.51.100.1"',
  });
  // SPF's qualifiers count: ~all is not -all.
  assert.equal((await statuses([txt("v=spf1 a:mail.example.org -all")], { "example.org": { TXT: ["v=spf1 a:mail.example.org ~all"] } })).get("TXT example.org."), 'different: found "v=spf1 a:mail.example.org ~all"');
});

test("missing: no such name, a name without the record, only records of other kinds; not checked: a lookup that fails, said in one line", async () => {
  // example.org has a TXT record, but no SPF record and no MX; autoconfig has a TXT record only; the rest do not exist.
  const got = await statuses(KINDS, { "example.org": { TXT: ["v=DMARC1; p=reject"] }, "autoconfig.example.org": { TXT: ["x"] }, "_smtp._tls.example.org": { servfail: true } });
  assert.deepEqual(Object.fromEntries(got), {
    "MX example.org.": "missing",
    "TXT example.org.": "missing",
    "TXT _dmarc.example.org.": "missing",
    "TXT _mta-sts.example.org.": "missing",
    "TXT _smtp._tls.example.org.": "not checked: DNS TXT lookup for _smtp._tls.example.org failed: ESERVFAIL",
    "SRV _imaps._tcp.example.org.": "missing",
    "CNAME mta-sts.example.org.": "missing",
    "CNAME autoconfig.example.org.": "missing",
  });
});
