/**
 * TLS reports received (RFC 8460; issue 15, "Done when": a received report parsed and shown).
 * Python's email package writes the report mail — RFC 8460 Appendix B's JSON, gzipped, in a
 * multipart/report — and smtplib sends it to tls-reports@ of a hosted domain, in plaintext though
 * the domain requires TLS (§5.3: reports come despite TLS failures). `sealpost tls-report` shows it
 * in words; the same report again is kept once; a message that is no report gets 550 5.6.0 when
 * the address is its only recipient, and reaches the other recipients when there are some; a gzip
 * bomb is refused and the server goes on.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { readMailboxText } from "./mailbox.ts";
import { RFC_EXAMPLE } from "./support/tls-rpt-fixtures.ts";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({ domains: [{ name: "company-y.example", mandatoryTls: true }], users: [{ address: "alice@company-y.example", password: "alice-password-1" }] });
});

after(async () => {
  await h?.cleanup();
});

/**
 * Sends with smtplib, in plaintext, a message Python builds: "report" (the JSON, gzipped, as
 * §5.3's multipart/report), "bomb" (`inflate` bytes of spaces, gzipped) or "plain" (a text mail).
 * With `starttls`, after STARTTLS. Prints "OK" or the refusal's code and text.
 */
function send(kind: "report" | "bomb" | "plain", to: string[], opts: { report?: unknown; inflate?: number; starttls?: boolean } = {}): string {
  return python(
    `
import gzip, json, os, smtplib, ssl, sys
from email.mime.multipart import MIMEMultipart
from email.mime.application import MIMEApplication
from email.mime.text import MIMEText
kind, port, to = os.environ["KIND"], int(os.environ["PORT"]), os.environ["TO"].split(",")
if kind == "plain":
    m = MIMEText("Hello, this is no report.")
else:
    body = gzip.compress(os.environ["REPORT"].encode() if kind == "report" else b" " * int(os.environ["INFLATE"]))
    m = MIMEMultipart("report", report_type="tlsrpt")
    m.attach(MIMEText("This is an aggregate TLS report."))
    m.attach(MIMEApplication(body, "tlsrpt+gzip", Name="company-x.example!company-y.example!1459468800!1459555199!x.json.gz"))
    m["TLS-Report-Domain"] = "company-y.example"
    m["TLS-Report-Submitter"] = "company-x.example"
m["From"] = "tlsrpt@company-x.example"
m["To"] = ", ".join(to)
m["Subject"] = "Report Domain: company-y.example Submitter: company-x.example Report-ID: <x>"
s = smtplib.SMTP("127.0.0.1", port, local_hostname="mta.company-x.example")
if os.environ["STARTTLS"] == "1":
    s.starttls(context=ssl._create_unverified_context())
try:
    s.sendmail("", to, m.as_bytes())
    print("OK")
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
except smtplib.SMTPRecipientsRefused as e:
    print("RCPT", e.recipients)
s.quit()
`,
    { KIND: kind, PORT: String(h.mxPort), TO: to.join(","), REPORT: JSON.stringify(opts.report ?? RFC_EXAMPLE), INFLATE: String(opts.inflate ?? 0), STARTTLS: opts.starttls === true ? "1" : "0" },
  ).trim();
}

interface Received {
  organization: string;
  reportId: string;
  policyDomain: string;
  recipientDomain: string;
  successful: number;
  failed: number;
  lines: string[];
}

async function received(): Promise<Received[]> {
  const r = await h.cliAsync(["tls-report", "--json", "--days", "3650"]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { tlsReports: { received: Received[] } }).tlsReports.received;
}

test("a report mailed to tls-reports@ is accepted in plaintext (a mandatory-TLS domain), kept, and shown in words", async () => {
  assert.equal(send("report", ["tls-reports@company-y.example"]), "OK");
  const [r, ...more] = await received();
  assert.equal(more.length, 0);
  assert.deepEqual([r?.organization, r?.reportId, r?.policyDomain, r?.recipientDomain, r?.successful, r?.failed], ["Company-X", RFC_EXAMPLE["report-id"], "company-y.example", "company-y.example", 5326, 303]);
  const human = h.cli(["tls-report", "--days", "3650"]);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /^ {2}2016-04-01 company-y\.example, from Company-X \(report 5065427c-23d3-47ca-b6e0-946ea0e8c4be\):$/m);
  assert.match(human.stdout, /^ {4}Company-X reported 5326 successful sessions and 303 failed sessions to company-y\.example \(policy sts\)$/m);
  assert.match(human.stdout, /^ {4}Company-X reported 100 failed sessions to mx1\.mail\.company-y\.example: certificate expired$/m);
  assert.match(human.stdout, /^ {4}Company-X reported 200 failed sessions to mx2\.mail\.company-y\.example: STARTTLS not offered$/m);
  assert.match(human.stdout, /^ {4}Company-X reported 3 failed sessions to mx-backup\.mail\.company-y\.example: TLS negotiation failed \(X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED\)$/m);
});

test("the same report again (a retry) is accepted and kept once", async () => {
  assert.equal(send("report", ["tls-reports@company-y.example"]), "OK");
  assert.equal((await received()).filter((r) => r.reportId === RFC_EXAMPLE["report-id"]).length, 1);
});

test("a message that is no report, to tls-reports@ alone: 550 5.6.0 at the end of DATA, saying why", () => {
  assert.equal(send("plain", ["tls-reports@company-y.example"]), "550 5.6.0 not a TLS report (RFC 8460): no application/tlsrpt+gzip or application/tlsrpt+json part");
});

test("a message that is no report, to tls-reports@ and an account: the account gets it, no report is kept", async () => {
  const before = (await received()).length;
  assert.equal(send("plain", ["tls-reports@company-y.example", "alice@company-y.example"], { starttls: true }), "OK");
  const inbox = await readMailboxText(h.dataDir, "alice@company-y.example");
  assert.ok(inbox.some((m) => m.includes("Hello, this is no report.")));
  assert.equal((await received()).length, before);
  // Another local part of the domain is not the report address: there is no account for it.
  assert.match(send("plain", ["reports@company-y.example"], { starttls: true }), /^RCPT .*550/);
});

test("a gzip bomb (64 MB of spaces in 64 KB) is refused with 550 5.6.0 and the server goes on", async () => {
  assert.equal(send("bomb", ["tls-reports@company-y.example"], { inflate: 64 * 1024 * 1024 }), "550 5.6.0 not a TLS report (RFC 8460): the report is larger than 8388608 bytes decompressed");
  const next = { ...RFC_EXAMPLE, "organization-name": "Company-Z", "report-id": "after-the-bomb" };
  assert.equal(send("report", ["tls-reports@company-y.example"], { report: next }), "OK");
  assert.ok((await received()).some((r) => r.organization === "Company-Z"));
});
