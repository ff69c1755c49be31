/**
 * Our daily TLS reports (RFC 8460; issue 15, "Done when": TLS-RPT reports produced for a day of
 * mixed outcomes and delivered to a local receiver). A Sealpost delivers a day of mail: over TLS
 * to Debian's Postfix (no policy, an MTA-STS policy, DANE), against a certificate that does not
 * name the MX (`sealpost policy set … verify`), and to a plaintext-only Postfix. The test DNS
 * server publishes `_smtp._tls` records with a mailto: rua whose MX is that Postfix and an https:
 * rua on an HTTPS receiver started here. When the server's clock moves to the next day, each
 * domain's report arrives at both: Python's email, gzip and json read the mails Postfix received,
 * and the counts match the day's attempts; the HTTPS bodies are the same gzipped JSON. A restart
 * sends nothing twice, and the deliveries of the reports are in no report; `tls-report send
 * --again` sends one again.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCa, generateSelfSigned } from "../src/tls/index.ts";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually } from "./harness.ts";
import { attempts, queueIds, startSender, submit, tag, type Attempt, type Sender } from "./outbound-helpers.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

const DAY_MS = 86_400_000;
let dir: string;
let clockFile: string;
let peers: PostfixPeers;
let dns: DnsServer;
let sender: Sender;
let https: Server;
/** What the HTTPS receiver was sent: every POST, in order. */
const posts: Array<{ url: string; contentType: string; body: Buffer }> = [];
/** The UTC day the mail goes out on: the day the reports cover. */
let day: string;

const REPORTED = ["ok.test", "sts.test", "dane.test", "badcert.test", "plain.test"];

before(async () => {
  // The day's attempts must all fall on one UTC day: a test started just before midnight waits for it.
  const toMidnight = DAY_MS - (Date.now() % DAY_MS);
  if (toMidnight < 4 * 60_000) await new Promise((r) => setTimeout(r, toMidnight + 1000));
  day = new Date().toISOString().slice(0, 10);
  dir = mkdtempSync(join(tmpdir(), "sealpost-tlsrpt-"));
  clockFile = join(dir, "clock");
  writeFileSync(clockFile, new Date().toISOString());

  peers = await startPostfixPeers(["modern", "plain"], { plainBeside: true });
  const port = peers.ports.modern;
  // The HTTPS receiver (and the MTA-STS policy host): a certificate from a CA of this test, which
  // the sender trusts beside the peers' CA.
  const ca = await generateCa({ name: "TLS-RPT test CA" });
  const leaf = await generateSelfSigned({ hostnames: ["reports.test", "mta-sts.sts.test"], issuer: ca });
  const bundle = join(dir, "ca.pem");
  writeFileSync(bundle, `${readFileSync(peers.ca, "utf8")}\n${ca.certPem}`);
  https = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    if (req.method === "GET" && req.url === "/.well-known/mta-sts.txt") {
      res.writeHead(200, { "content-type": "text/plain" }).end("version: STSv1\r\nmode: enforce\r\nmx: mail.peer.test\r\nmax_age: 86400\r\n");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      posts.push({ url: req.url ?? "", contentType: req.headers["content-type"] ?? "", body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
  const httpsPort = (https.address() as AddressInfo).port;

  const rua = `v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,https://reports.test:${httpsPort}/v1/tlsrpt`;
  const peerKey = new X509Certificate(readFileSync(peers.cert, "utf8")).publicKey.export({ type: "spki", format: "der" });
  const host = (address: string) => ({ A: [address] });
  dns = await startDnsServer({
    "ok.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] },
    "sts.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] },
    "_mta-sts.sts.test": { TXT: ["v=STSv1; id=20261206T000000;"] },
    "mta-sts.sts.test": host("127.0.0.1"),
    "dane.test": { MX: [{ preference: 10, exchange: "dane.peer.test" }], secure: true },
    "dane.peer.test": { A: ["127.0.0.1"], secure: true },
    [`_${port}._tcp.dane.peer.test`]: { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: createHash("sha256").update(peerKey).digest() }], secure: true },
    "badcert.test": { MX: [{ preference: 10, exchange: "other.peer.test" }] },
    "plain.test": { MX: [{ preference: 10, exchange: "plain.peer.test" }] },
    "norecord.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] },
    "dnsfail.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] },
    "_smtp._tls.dnsfail.test": { servfail: true },
    ...Object.fromEntries(REPORTED.map((d) => [`_smtp._tls.${d}`, { TXT: [rua] }])),
    "mail.peer.test": host("127.0.0.1"),
    "other.peer.test": host("127.0.0.1"),
    "plain.peer.test": host("127.0.0.2"),
    "reports.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }], A: ["127.0.0.1"] },
  });
  sender = await startSender({
    dns: dns.address,
    remotePort: port,
    ca: bundle,
    delivery: `mta_sts_port = ${httpsPort}`,
    queue: "min_backoff = 1\nmax_backoff = 1\nlifetime = 4",
    settings: { tls_reports: "https_private = true" },
    env: { SEALPOST_CLOCK_FILE: clockFile },
  });
  const r = sender.h.cli(["policy", "set", "badcert.test", "verify"]);
  assert.equal(r.status, 0, r.stderr);
  // The host name's parent hosted with keys: the reports (From noreply-tls-reports@out.sealpost.test) are DKIM-signed as it.
  const d = sender.h.cli(["domain", "add", "sealpost.test"]);
  assert.equal(d.status, 0, d.stderr);
});

after(async () => {
  await sender?.h.cleanup();
  await dns?.close();
  peers?.stop();
  https?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface MailedReport {
  domain: string;
  submitter: string;
  tlsRequired: string;
  returnPath: string;
  report: { "report-id": string; "organization-name": string; "date-range": Record<string, string>; policies: Array<Record<string, unknown>> };
}

/** Runs Python with `input` on stdin; its stdout. */
const python = (code: string, input: string): string => execFileSync("python3", ["-c", code], { input, encoding: "utf8", timeout: 60_000 });

const isReportMail = (m: string): boolean => /^TLS-Report-Domain:/im.test(m);
const reportMails = (): number => peers.messages("modern").filter(isReportMail).length;

/** The report mails Postfix received, read by Python's email package (gzip, json). */
function mailedReports(): MailedReport[] {
  const mails = peers.messages("modern").filter(isReportMail);
  const out = python(
    `
import email, email.policy, gzip, json, sys
result = []
for raw in json.load(sys.stdin):
    m = email.message_from_bytes(raw.encode("latin1"), policy=email.policy.default)
    assert m.get_content_type() == "multipart/report" and m.get_param("report-type") == "tlsrpt", m.get_content_type()
    part = [p for p in m.iter_parts() if p.get_content_type() == "application/tlsrpt+gzip"][0]
    result.append({"domain": m["TLS-Report-Domain"], "submitter": m["TLS-Report-Submitter"], "tlsRequired": m["TLS-Required"], "returnPath": m["Return-Path"],
                   "report": json.loads(gzip.decompress(part.get_content()))})
print(json.dumps(result))
`,
    JSON.stringify(mails),
  );
  return JSON.parse(out) as MailedReport[];
}

/** The HTTPS bodies, gunzipped by Python. */
function postedReports(): Array<MailedReport["report"]> {
  const out = python(
    "import base64, gzip, json, sys\nprint(json.dumps([json.loads(gzip.decompress(base64.b64decode(b))) for b in json.load(sys.stdin)]))",
    JSON.stringify(posts.map((p) => p.body.toString("base64"))),
  );
  return JSON.parse(out) as Array<MailedReport["report"]>;
}

const byDomain = (reports: ReadonlyArray<MailedReport["report"]>, domain: string) => reports.filter((r) => (r.policies[0]?.policy as { "policy-domain"?: string } | undefined)?.["policy-domain"] === domain);


test("a day of mixed outcomes: the next day each domain's report reaches its mailto: and https: destinations, counts matching the attempts", async () => {
  for (const to of ["a@ok.test", "b@ok.test", "c@sts.test", "d@dane.test", "e@badcert.test", "f@plain.test", "g@norecord.test", "h@dnsfail.test"]) await submit(sender, [to], tag(to));
  await eventually(async () => ((await queueIds(sender)).length === 0 ? true : undefined), 60_000, "every message delivered or returned");
  assert.equal(mailedReports().length + posts.length, 0, "nothing reported while the day runs");

  // The next day, by the server's clock: the day just ended is reported.
  writeFileSync(clockFile, new Date(Date.now() + DAY_MS).toISOString());
  await eventually(() => (reportMails() >= REPORTED.length && posts.length >= REPORTED.length ? true : undefined), 60_000, "a report per domain at Postfix and at the HTTPS receiver");
  const mailed = mailedReports();
  assert.equal(mailed.length, REPORTED.length);
  assert.deepEqual(mailed.map((m) => m.domain).sort(), [...REPORTED].sort());
  for (const mail of peers.messages("modern").filter(isReportMail)) {
    assert.deepEqual([...mail.matchAll(/^DKIM-Signature:[^]*?\bd=([^;]+);/gm)].map((m) => m[1]), ["sealpost.test", "sealpost.test"], "signed as they were queued");
  }
  for (const m of mailed) {
    assert.deepEqual([m.submitter, m.tlsRequired, m.returnPath], ["out.sealpost.test", "No", "<>"]);
    assert.equal(m.report["report-id"], `${day}.${m.domain}@out.sealpost.test`);
    assert.deepEqual(m.report["date-range"], { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` });
  }
  // §5.4: each POST is the same report, gzipped, as application/tlsrpt+gzip.
  assert.ok(posts.every((p) => p.contentType === "application/tlsrpt+gzip" && p.url === "/v1/tlsrpt"));
  const posted = postedReports();
  for (const m of mailed) assert.deepEqual(byDomain(posted, m.domain), [m.report]);

  const policiesOf = (domain: string) => mailed.find((m) => m.domain === domain)?.report.policies;
  const all = await attempts(sender);
  const attemptsTo = (domain: string): Attempt[] => all.filter((a) => a.domain === domain);
  const ok = attemptsTo("ok.test");
  assert.equal(ok.length, 2);
  assert.deepEqual(policiesOf("ok.test"), [
    { policy: { "policy-type": "no-policy-found", "policy-domain": "ok.test" }, summary: { "total-successful-session-count": 2, "total-failure-session-count": 0 } },
  ]);
  assert.deepEqual(policiesOf("sts.test"), [
    {
      policy: { "policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce", "mx: mail.peer.test", "max_age: 86400"], "policy-domain": "sts.test", "mx-host": ["mail.peer.test"] },
      summary: { "total-successful-session-count": 1, "total-failure-session-count": 0 },
    },
  ]);
  assert.deepEqual(policiesOf("dane.test"), [
    { policy: { "policy-type": "tlsa", "policy-domain": "dane.test", "mx-host": ["dane.peer.test"] }, summary: { "total-successful-session-count": 1, "total-failure-session-count": 0 } },
  ]);
  // Every attempt to badcert.test failed on the certificate's name, until the message was returned.
  const bad = attemptsTo("badcert.test");
  assert.ok(bad.length >= 2 && bad.every((a) => a.problem?.kind === "certificate" && a.problem.problem === "hostname"), JSON.stringify(bad));
  assert.deepEqual(policiesOf("badcert.test"), [
    {
      policy: { "policy-type": "no-policy-found", "policy-domain": "badcert.test" },
      summary: { "total-successful-session-count": 0, "total-failure-session-count": bad.length },
      "failure-details": [{ "result-type": "certificate-host-mismatch", "receiving-mx-hostname": "other.peer.test", "receiving-ip": "127.0.0.1", "failed-session-count": bad.length }],
    },
  ]);
  const plain = attemptsTo("plain.test");
  assert.deepEqual(plain.map((a) => [a.outcome, a.starttlsOffered]), [["delivered", false]]);
  assert.ok(peers.messages("plain").length === 1, "the plaintext-only Postfix has the message");
  assert.deepEqual(policiesOf("plain.test"), [
    {
      policy: { "policy-type": "no-policy-found", "policy-domain": "plain.test" },
      summary: { "total-successful-session-count": 0, "total-failure-session-count": 1 },
      "failure-details": [{ "result-type": "starttls-not-supported", "receiving-mx-hostname": "plain.peer.test", "receiving-ip": "127.0.0.2", "failed-session-count": 1 }],
    },
  ]);
});

test("tls-report lists what was sent per domain, and the domains without a record or with a failed lookup", async () => {
  const r = await sender.h.cliAsync(["tls-report", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const sent = (JSON.parse(r.stdout) as { tlsReports: { sent: Array<{ day: string; domain: string; state: string; destinations: Array<{ kind: string; outcome: string }> }> } }).tlsReports.sent;
  const of = (d: string) => sent.find((s) => s.day === day && s.domain === d);
  for (const d of REPORTED) assert.deepEqual([of(d)?.state, of(d)?.destinations.map((x) => `${x.kind} ${x.outcome}`)], ["sent", ["mailto queued", "https posted"]], d);
  assert.equal(of("norecord.test")?.state, "no-record");
  assert.equal(of("dnsfail.test")?.state, "dns-retry");
  const human = await sender.h.cliAsync(["tls-report"]);
  assert.match(human.stdout, new RegExp(`^${day} +badcert\\.test +0 ok, \\d+ failed +sent +mailto:tlsrpt@reports\\.test queued \\([0-9A-F.]+\\); https://reports\\.test:\\d+/v1/tlsrpt posted \\(HTTP 201\\)$`, "m"));
  assert.match(human.stdout, new RegExp(`^${day} +dnsfail\\.test +0 ok, 0 failed +record lookup failed; trying again +DNS TXT lookup for _smtp\\._tls\\.dnsfail\\.test failed: ESERVFAIL$`, "m"));
});

test("a restart sends nothing twice; tls-report send --again sends one domain's report again", async () => {
  await sender.h.stop();
  await sender.h.restart();
  await eventually(() => (new RegExp(`tls reports for ${day}: `).test(sender.h.log()) ? true : undefined), 20_000, "the first check after the restart");
  assert.equal((await queueIds(sender)).length, 0, "no report mail queued again");
  assert.equal(posts.length, REPORTED.length);
  // §5.3: the sessions that delivered the reports are in no report — reports.test, the mailto:
  // domain, got mail that day only from them, and the check after the restart left it out.
  const r = await sender.h.cliAsync(["tls-report", "--json"]);
  const sent = (JSON.parse(r.stdout) as { tlsReports: { sent: Array<{ domain: string }> } }).tlsReports.sent;
  assert.deepEqual(sent.filter((x) => x.domain === "reports.test"), []);
  assert.ok((await attempts(sender)).some((a) => a.domain === "reports.test" && a.outcome === "delivered"), "the report mails were delivered that day");

  const plainSend = await sender.h.cliAsync(["tls-report", "send", "--day", day, "--domain", "ok.test"]);
  assert.equal(plainSend.status, 0, plainSend.stderr);
  assert.match(plainSend.stdout, new RegExp(`^${day} ok\\.test: handled before \\(.*; --again sends it again\\): mailto:tlsrpt@reports\\.test queued`, "m"));
  const again = await sender.h.cliAsync(["tls-report", "send", "--day", day, "--domain", "ok.test", "--again"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^${day} ok\\.test: mailto:tlsrpt@reports\\.test queued \\([0-9A-F.]+\\); https://reports\\.test:\\d+/v1/tlsrpt posted \\(HTTP 201\\)$`, "m"));
  await eventually(() => (reportMails() === REPORTED.length + 1 ? true : undefined), 30_000, "the report mailed again");
  assert.equal(mailedReports().filter((m) => m.domain === "ok.test").length, 2);
  assert.equal(posts.length, REPORTED.length + 1);
  assert.equal(mailedReports().length, REPORTED.length + 1);
  const tooEarly = await sender.h.cliAsync(["tls-report", "send", "--day", new Date(Date.now() + DAY_MS).toISOString().slice(0, 10)]);
  assert.equal(tooEarly.status, 2);
  assert.match(tooEarly.stderr, /has not ended yet/);
});
